package dev.usp4j.usp.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The size of one {@code ./usp experiment reproduce} run: a {@link Preset} for the shared parts (VAE, latents, the
 * main USP pretraining, the DiT/SiT runs and their evaluation schedule, the probes) plus what only the study has —
 * how many seeds each generative arm gets, the mask ratios and shorter pretraining lengths of the ablations, and
 * the fine-tuning and logistic-regression lengths. {@code standard} is sized for 90 minutes on a 2-core machine,
 * {@code long} for one working session (longer training, no ablations; resumable over sittings), {@code tiny} for
 * tests (synthetic data, seconds).
 */
public record ReproductionBudget(String name, Preset preset, int seeds, List<Double> maskRatios,
                                 List<Long> pretrainLengths, long finetuneSteps, long logregSteps) {

    /** The mask ratio of the main pretraining run (MAE's and USP's default). */
    public static final double MAIN_MASK_RATIO = 0.75;

    public ReproductionBudget {
        maskRatios = List.copyOf(maskRatios);
        pretrainLengths = List.copyOf(pretrainLengths);
        if (seeds < 1) {
            throw new IllegalArgumentException("seeds must be at least 1, got " + seeds);
        }
        if (preset.evalSteps().size() < 2) {
            throw new IllegalArgumentException("the speedup needs at least 2 evaluation steps, got "
                    + preset.evalSteps());
        }
        for (double r : maskRatios) {
            if (!(r > 0 && r < 1)) {
                throw new IllegalArgumentException("mask ratios must be in (0, 1), got " + maskRatios);
            }
        }
        for (long l : pretrainLengths) {
            if (l <= 0 || l >= preset.pretrainSteps()) {
                throw new IllegalArgumentException("pretraining-length ablations must be shorter than the main run ("
                        + preset.pretrainSteps() + " steps), got " + pretrainLengths);
            }
        }
        if (finetuneSteps <= 0 || logregSteps <= 0) {
            throw new IllegalArgumentException("finetune and logistic-regression steps must be positive");
        }
    }

    public static ReproductionBudget named(String name) {
        return switch (name) {
            case "tiny" -> new ReproductionBudget("tiny", new Preset("reproduce-tiny", "synthetic:32",
                    "VAE-f4-small", 2, 8, "MAE-ViT-T/2", 4, 8, "Ti/2", 8, 8, steps(1, 8, 8), 8, "ddim:2",
                    "ode:euler:2", 0.5, 2, 8, 3, 0, false, 1e-3, 1.0), 2, List.of(0.5, 0.75, 0.9), List.of(2L), 2, 2);
            // Within 90 minutes on 2 cores (docs/REPRODUCTION.md has the measured stage times): the quick
            // pipeline's N-sized models and settings, four times its training, eight 500-sample FID checkpoints per
            // generative run, two seeds.
            case "standard" -> new ReproductionBudget("standard", new Preset("reproduce-standard",
                    "fashion-mnist", "VAE-f4-small", 240, 32, "MAE-ViT-N/2", 2000, 128, "N/2", 2000, 128,
                    steps(250, 2000, 8), 500, "ddim:25", "ode:euler:25", 0.99, 500, 256, 600, 20000, false, 1e-3,
                    2.5), 2, List.of(0.5, 0.75, 0.9), List.of(500L, 1000L), 500, 1000);
            // Sized to finish within one working session, since the machines this project runs on do not keep
            // their disks between sessions (every stage still resumes, so it may be split into sittings): at the
            // standard run's measured rates (2026-11-27, 2-core AVX-512 VM) about 80 minutes of stage work, several
            // times that on a slower or AVX2-only machine. Twice the standard's pretraining, 1.5 times its
            // generative training, all 60,000 images and 1,000-sample FIDs: whether a longer-trained encoder and
            // longer runs move the speedup. The mask-ratio and length ablations are the standard budget's. The EMA
            // decay keeps the first checkpoint's share of the initial weights near the standard's (0.993^375 ≈
            // 0.07, 0.99^250 ≈ 0.08).
            case "long" -> new ReproductionBudget("long", new Preset("reproduce-long", "fashion-mnist",
                    "VAE-f4-small", 400, 32, "MAE-ViT-N/2", 4000, 128, "N/2", 3000, 128, steps(375, 3000, 8),
                    1000, "ddim:25", "ode:euler:25", 0.993, 500, 256, 1000, 0, false, 1e-3, 2.5), 2,
                    List.of(MAIN_MASK_RATIO), List.of(), 500, 2000);
            default -> throw new IllegalArgumentException("unknown budget '" + name + "'; expected standard, long or"
                    + " tiny");
        };
    }

    /** {@code count} evaluation steps every {@code every} steps, ending at {@code last}. */
    private static List<Long> steps(long every, long last, int count) {
        List<Long> s = new ArrayList<>();
        for (int i = count - 1; i >= 0; i--) {
            s.add(last - i * every);
        }
        return s;
    }

    /** Every setting as JSON-ready values (the preset's, then the study's). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>(preset.toMap());
        m.put("seeds", seeds);
        m.put("mask_ratios", maskRatios);
        m.put("pretrain_lengths", pretrainLengths);
        m.put("finetune_steps", finetuneSteps);
        m.put("logreg_steps", logregSteps);
        return m;
    }
}
