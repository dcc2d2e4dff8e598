package dev.usp4j.usp.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sizes of one {@code ./usp pipeline} run: the dataset, the small VAE's training, USP pretraining, the generative
 * models' training and evaluation schedule, and the probe. {@code tiny} is for tests (synthetic data, seconds);
 * {@code quick} and {@code standard} are for Fashion-MNIST on this 2-core machine (their wall-clock budgets of 15 min
 * and 2 h are targets the pipeline does not yet meet: the VAE and DiT steps are too slow, see bench/RESULTS.md).
 */
public record Preset(String name, String dataset, String vae, long vaeSteps, int vaeBatch, String mae,
                     long pretrainSteps, int pretrainBatch, String ditSize, long genSteps, int genBatch,
                     List<Long> evalSteps, int fidSamples, String ditSampler, String sitSampler, double emaDecay,
                     long probeSteps, int probeBatch, int classifierSteps) {

    public static Preset named(String name) {
        return switch (name) {
            case "tiny" -> new Preset("tiny", "synthetic:32", "VAE-f4-small", 2, 8, "MAE-ViT-T/2", 2, 8, "Ti/2", 2,
                    8, List.of(1L, 2L), 8, "ddim:4", "sde:euler:4", 0.5, 2, 8, 3);
            case "quick" -> new Preset("quick", "fashion-mnist", "VAE-f4-small", 300, 64, "MAE-ViT-T/2", 400, 128,
                    "Ti/2", 400, 128, List.of(200L, 400L), 500, "ddpm:50", "sde:euler:50", 0.99, 200, 256, 600);
            case "standard" -> new Preset("standard", "fashion-mnist", "VAE-f4-small", 3000, 64, "MAE-ViT-S/2",
                    4000, 256, "S/2", 6000, 256, List.of(2000L, 4000L, 6000L), 2000, "ddpm:250", "sde:euler:250",
                    0.999, 2000, 256, 1500);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; expected tiny, quick or"
                    + " standard");
        };
    }

    /** Everything as JSON values, for the stage hashes and the report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("dataset", dataset);
        m.put("vae", vae);
        m.put("vae_steps", vaeSteps);
        m.put("vae_batch", (long) vaeBatch);
        m.put("mae", mae);
        m.put("pretrain_steps", pretrainSteps);
        m.put("pretrain_batch", (long) pretrainBatch);
        m.put("dit_size", ditSize);
        m.put("gen_steps", genSteps);
        m.put("gen_batch", (long) genBatch);
        m.put("eval_steps", evalSteps);
        m.put("fid_samples", (long) fidSamples);
        m.put("dit_sampler", ditSampler);
        m.put("sit_sampler", sitSampler);
        m.put("ema_decay", emaDecay);
        m.put("probe_steps", probeSteps);
        m.put("probe_batch", (long) probeBatch);
        m.put("classifier_steps", (long) classifierSteps);
        return m;
    }
}
