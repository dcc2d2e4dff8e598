package dev.usp4j.usp.pipeline;

import dev.usp4j.data.Dataset;
import dev.usp4j.tensor.Device;
import dev.usp4j.usp.DatasetSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./usp experiment reproduce}: USP's claims tested at this machine's scale, on one {@link Pipeline} run folder.
 * After the pipeline's shared stages (VAE, latents, the main USP pretraining, the FID's classifier) it trains DiT and
 * SiT from scratch and from USP for every seed (FID at each evaluation step), pretrains the ablations (other mask
 * ratios, shorter runs, a pixel-space MAE of the same size and token count), probes and fine-tunes the encoders
 * against a random one and the pixel MAE, fits a logistic regression on raw pixels, and writes
 * {@code REPRODUCTION.md} with its plots and a compact copy of the metrics ({@link ReproductionReport}). Every stage
 * is a ledger entry and every trainer checkpoints, so re-running the command continues an interrupted study. The
 * stages compute on the pipeline's device ({@link Pipeline}).
 */
public final class Reproduction {
    private final ReproductionBudget budget;
    private final Pipeline pipeline;
    private final PrintWriter out;

    public Reproduction(Path runDir, ReproductionBudget budget, PrintWriter out) throws IOException {
        this(runDir, budget, out, Device.CPU);
    }

    /** As {@link #Reproduction(Path, ReproductionBudget, PrintWriter)}, every stage computing on {@code device}. */
    public Reproduction(Path runDir, ReproductionBudget budget, PrintWriter out, Device device) throws IOException {
        this.budget = budget;
        this.pipeline = new Pipeline(runDir, budget.preset(), out, device);
        this.out = out;
    }

    /** The stage name of the generative run of {@code model} ("dit" or "sit"), arm and seed (from 1). */
    static String generativeStage(String model, boolean usp, int seed) {
        return model + (usp ? "-usp" : "-scratch") + "-s" + seed;
    }

    /** The pretraining stage of a mask-ratio ablation (the main ratio is the main stage, "pretrain"). */
    static String maskStage(double ratio) {
        return ratio == ReproductionBudget.MAIN_MASK_RATIO ? "pretrain"
                : "pretrain-mask" + String.format(Locale.ROOT, "%.2f", ratio).replaceAll("0+$", "");
    }

    static String lengthStage(long steps) {
        return "pretrain-steps" + steps;
    }

    /** The folder, beside the report, that holds its plots and compact metrics. */
    public static String filesFolder(ReproductionBudget budget) {
        return ReproductionReport.folderName(budget);
    }

    /**
     * Runs (or skips, when done) every stage of the study, then writes the report; returns its path. Each call is one
     * sitting of the study, logged with its time in {@code sittings.json} ({@link SittingLog}).
     */
    public Path run() throws IOException {
        try (RunLock lock = pipeline.lock();
             SittingLog sittings = new SittingLog(pipeline.runDir(), System::nanoTime, true)) {
            runStages();
            sittings.finished();
            Map<String, Map<String, Object>> results = new java.util.LinkedHashMap<>();
            for (String stage : stages()) {
                results.put(stage, pipeline.result(stage));
            }
            Path report = ReproductionReport.write(pipeline.runDir(), budget, results, sittings.sittings());
            pipeline.say("report: " + report);
            return report;
        }
    }

    private void runStages() throws IOException {
        Preset p = budget.preset();
        Dataset train = DatasetSpec.open(p.dataset(), true);
        Dataset test = DatasetSpec.open(p.dataset(), false);
        int classes = train.classes().size();
        pipeline.base(train, test);
        // Seed-major order: an interrupted study has complete scratch/USP pairs for both models first.
        for (int seed = 1; seed <= budget.seeds(); seed++) {
            for (String model : List.of("dit", "sit")) {
                for (boolean usp : new boolean[] {false, true}) {
                    pipeline.generativeStage(generativeStage(model, usp, seed), model.equals("sit"),
                            usp ? "pretrain" : null, (long) seed, train, test);
                }
            }
        }
        pipeline.stage("pixels", List.of(), Map.of(), () -> pipeline.pixels(train, test));
        pipeline.stage("pretrain-pixel", List.of("pixels", "latents"), Map.of("pixels", true),
                () -> pipeline.pretrain("pretrain-pixel", Double.NaN, p.pretrainSteps(), true));
        for (double r : budget.maskRatios()) {
            if (r != ReproductionBudget.MAIN_MASK_RATIO) {
                pipeline.stage(maskStage(r), List.of("latents"), Map.of("mask_ratio", r),
                        () -> pipeline.pretrain(maskStage(r), r, p.pretrainSteps(), false));
            }
        }
        for (long steps : budget.pretrainLengths()) {
            pipeline.stage(lengthStage(steps), List.of("latents"), Map.of("steps", steps),
                    () -> pipeline.pretrain(lengthStage(steps), Double.NaN, steps, false));
        }
        probe("probe-usp", "pretrain", false, false, classes);
        probe("probe-random", "pretrain", true, false, classes);
        probe("probe-pixel", "pretrain-pixel", false, true, classes);
        finetune("finetune-usp", "pretrain", false, false, classes);
        finetune("finetune-random", "pretrain", true, false, classes);
        finetune("finetune-pixel", "pretrain-pixel", false, true, classes);
        pipeline.stage("logreg-pixels", List.of("pixels"), Map.of("logreg_steps", budget.logregSteps()),
                () -> Map.of("top1", pipeline.logisticRegression(budget.logregSteps(), classes)));
        for (double r : budget.maskRatios()) {
            if (r != ReproductionBudget.MAIN_MASK_RATIO) {
                probe("probe-" + maskStage(r).substring("pretrain-".length()), maskStage(r), false, false, classes);
            }
        }
        for (long steps : budget.pretrainLengths()) {
            probe("probe-steps" + steps, lengthStage(steps), false, false, classes);
        }
    }

    private void probe(String stage, String pretrainStage, boolean random, boolean pixels, int classes)
            throws IOException {
        pipeline.stage(stage, List.of(pixels ? "pixels" : "latents", pretrainStage),
                Map.of("encoder", pretrainStage, "random", random, "pixels", pixels),
                () -> Map.of("top1", pipeline.linearProbe(pipeline.runDir().resolve(stage)
                        .resolve("probe.ckpt.safetensors"), pretrainStage, random, pixels, classes)));
    }

    private void finetune(String stage, String pretrainStage, boolean random, boolean pixels, int classes)
            throws IOException {
        pipeline.stage(stage, List.of(pixels ? "pixels" : "latents", pretrainStage),
                Map.of("encoder", pretrainStage, "random", random, "pixels", pixels, "finetune_steps",
                        budget.finetuneSteps()),
                () -> Map.of("top1", pipeline.fineTune(pipeline.runDir().resolve(stage)
                        .resolve("finetune.ckpt.safetensors"), pretrainStage, random, pixels, budget.finetuneSteps(),
                        classes)));
    }

    /** Every stage of this budget's study, in run order. */
    List<String> stages() {
        List<String> s = new ArrayList<>(List.of("vae", "latents", "pretrain", "classifier"));
        for (int seed = 1; seed <= budget.seeds(); seed++) {
            for (String model : List.of("dit", "sit")) {
                s.add(generativeStage(model, false, seed));
                s.add(generativeStage(model, true, seed));
            }
        }
        s.addAll(List.of("pixels", "pretrain-pixel"));
        for (double r : budget.maskRatios()) {
            if (r != ReproductionBudget.MAIN_MASK_RATIO) {
                s.add(maskStage(r));
            }
        }
        for (long steps : budget.pretrainLengths()) {
            s.add(lengthStage(steps));
        }
        s.addAll(List.of("probe-usp", "probe-random", "probe-pixel", "finetune-usp", "finetune-random",
                "finetune-pixel", "logreg-pixels"));
        for (double r : budget.maskRatios()) {
            if (r != ReproductionBudget.MAIN_MASK_RATIO) {
                s.add("probe-" + maskStage(r).substring("pretrain-".length()));
            }
        }
        for (long steps : budget.pretrainLengths()) {
            s.add("probe-steps" + steps);
        }
        return s;
    }
}
