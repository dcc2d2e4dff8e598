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
        // The reproduction study's stages are variants named "<kind>-<variant>" (pretrain-mask0.5, dit-usp-s2,
        // probe-pixel, ...): each reads its kind's settings, the variant's own go in through the stage's extras.
        String kind = stage.contains("-") && !stage.startsWith("dit-") && !stage.startsWith("sit-")
                ? stage.substring(0, stage.indexOf('-')) : stage;
        List<String> keys = switch (kind) {
            case "vae" -> List.of("dataset", "vae", "vae_steps", "vae_batch");
            case "latents" -> List.of("dataset", "vae", "latent_images", "latent_flip");
            case "pixels" -> List.of("dataset", "latent_images");
            case "pretrain" -> List.of("dataset", "mae", "pretrain_steps", "pretrain_batch");
            case "classifier" -> List.of("dataset", "classifier_steps");
            case "probe", "finetune" -> List.of("dataset", "probe_steps", "probe_batch");
            case "logreg" -> List.of("dataset");
            default -> {
                if (stage.startsWith("dit-") || stage.startsWith("sit-")) {
                    yield List.of("dataset", "dit_size", "gen_steps", "gen_batch", "eval_steps", "fid_samples",
                            stage.startsWith("dit-") ? "dit_sampler" : "sit_sampler", "ema_decay", "classifier_steps",
                            "gen_lr", "cfg_scale");
                }
                throw new IllegalArgumentException("pipeline: no stage '" + stage + "'");
            }
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

    /**
     * Whether {@code stage}'s outputs are caches that its upstream stages fully determine: a carried run folder
     * ({@link RunCarry}) leaves them out, and a sitting that finds the stage finished but its files gone rebuilds them.
     */
    static boolean rebuiltOnResume(String stage) {
        return stage.equals("latents") || stage.equals("pixels");
    }
}
