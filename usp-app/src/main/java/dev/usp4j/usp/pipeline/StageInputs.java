package dev.usp4j.usp.pipeline;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which preset settings each pipeline stage reads and which files under the run folder it writes. A stage's hash
 * covers only its own settings (plus its upstream stages' hashes), so overriding one setting ({@code --set}) runs
 * again exactly the stages that read it and those downstream of them; the outputs listed here are what is moved
 * aside before such a stage starts afresh.
 */
final class StageInputs {
    private StageInputs() {
    }

    /** The preset settings {@code stage} reads, as in {@link Preset#toMap()}. */
    static Map<String, Object> settings(String stage, Preset preset) {
        List<String> keys = switch (stage) {
            case "vae" -> List.of("dataset", "vae", "vae_steps", "vae_batch");
            case "latents" -> List.of("dataset", "vae", "latent_images", "latent_flip");
            case "pretrain" -> List.of("dataset", "mae", "pretrain_steps", "pretrain_batch");
            case "classifier" -> List.of("dataset", "classifier_steps");
            case "dit-scratch", "dit-usp" -> List.of("dataset", "dit_size", "gen_steps", "gen_batch", "eval_steps",
                    "fid_samples", "dit_sampler", "ema_decay", "classifier_steps", "gen_lr", "cfg_scale");
            case "sit-scratch", "sit-usp" -> List.of("dataset", "dit_size", "gen_steps", "gen_batch", "eval_steps",
                    "fid_samples", "sit_sampler", "ema_decay", "classifier_steps", "gen_lr", "cfg_scale");
            case "probe" -> List.of("dataset", "probe_steps", "probe_batch");
            default -> throw new IllegalArgumentException("pipeline: no stage '" + stage + "'");
        };
        Map<String, Object> all = preset.toMap();
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : keys) {
            m.put(k, all.get(k));
        }
        return m;
    }

    /** The files and folders {@code stage} writes, relative to the run folder. */
    static List<Path> outputs(String stage) {
        return switch (stage) {
            case "classifier" -> List.of(Path.of("classifier.safetensors"));
            default -> List.of(Path.of(stage));
        };
    }
}
