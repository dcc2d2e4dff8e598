package dev.usp4j.usp.pipeline;

import dev.usp4j.data.DataLoader;
import dev.usp4j.data.Dataset;
import dev.usp4j.data.Image;
import dev.usp4j.data.ImageGrid;
import dev.usp4j.data.LatentCache;
import dev.usp4j.data.Subset;
import dev.usp4j.data.ToTensor;
import dev.usp4j.data.Transform;
import dev.usp4j.data.transforms.Pad;
import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.diffusion.sampling.Samplers;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vae.VaeConfigs;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.data.LatentEncoder;
import dev.usp4j.usp.AtomicFiles;
import dev.usp4j.usp.DatasetSpec;
import dev.usp4j.usp.Models;
import dev.usp4j.usp.PixelEncoder;
import dev.usp4j.usp.Progress;
import dev.usp4j.usp.VaeLatentEncoder;
import dev.usp4j.usp.eval.FeatureClassifier;
import dev.usp4j.usp.eval.Fid;
import dev.usp4j.usp.gen.GenerativeConfig;
import dev.usp4j.usp.gen.GenerativeTrainer;
import dev.usp4j.usp.gen.LatentSampling;
import dev.usp4j.usp.gen.TrainingListener;
import dev.usp4j.usp.gen.TrainingMetrics;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.MaskedLatentTrainer;
import dev.usp4j.usp.pretrain.PretrainConfig;
import dev.usp4j.usp.transfer.UspTransfer;
import dev.usp4j.usp.pretrain.LatentTrainer;
import dev.usp4j.usp.pretrain.TrainSettings;
import dev.usp4j.usp.understand.FineTune;
import dev.usp4j.usp.understand.FineTuneConfig;
import dev.usp4j.usp.understand.LinearProbe;
import dev.usp4j.usp.understand.LogisticRegression;
import dev.usp4j.usp.understand.LinearProbeConfig;
import dev.usp4j.usp.vae.VaeTrainer;
import dev.usp4j.nn.vit.VitConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * {@code ./usp pipeline}: the whole USP chain on one dataset, stage by stage — a VAE trained from scratch, latent
 * caches, USP pretraining, a feature classifier for the FID, DiT and SiT each from scratch and from USP at the same
 * budget (FID in classifier features and sample accuracy at every evaluation step), and a linear probe of the USP
 * encoder against a random one — then {@code report.md} and a self-contained {@code report.html} with plots drawn
 * from {@code metrics.jsonl}. Each stage is skipped when its inputs' hash matches what the ledger recorded, and every
 * trainer resumes from its own checkpoint, so re-running after an interruption continues where it stopped. Every
 * logged number also goes to {@code metrics.jsonl}; every long loop shows a {@link Progress} bar.
 *
 * <p>Every stage computes on the pipeline's device (the CPU unless one is given): each trainer, sampler, encoder and
 * the FID's classifier puts its model there, and what is written (checkpoints, caches, images, metrics) comes from
 * the host. The device is not among a stage's inputs: a run may be continued on another device, and stages done on
 * one count as done on the other (their numbers differ only by float rounding).
 */
public final class Pipeline {
    private static final List<String> GENERATIVE = Plots.GENERATIVE;
    private static final Pattern ENCODED = Pattern.compile("encoded (\\d+)/(\\d+) images");
    private static final Pattern CLASSIFIER_STEP = Pattern.compile("classifier: step (\\d+)/(\\d+), (loss \\S+)");

    private final Path run;
    private final Preset preset;
    private final Device device;
    private final PrintWriter out;
    private final StageLedger ledger;
    private final MetricsLog metrics;
    private final Map<String, Map<String, Object>> results = new LinkedHashMap<>();
    private final Map<String, String> hashes = new LinkedHashMap<>();

    /**
     * A pipeline of {@code preset} in {@code runDir}; a folder holding a run of another preset is refused (its results
     * stay as they are), one of the same preset with other settings is continued (see {@link StageLedger}).
     */
    public Pipeline(Path runDir, Preset preset, PrintWriter out) throws IOException {
        this(runDir, preset, out, Device.CPU);
    }

    /** As {@link #Pipeline(Path, Preset, PrintWriter)}, every stage computing on {@code device}. */
    public Pipeline(Path runDir, Preset preset, PrintWriter out, Device device) throws IOException {
        checkRunFolder(runDir, preset);
        this.run = Files.createDirectories(runDir);
        this.preset = preset;
        this.device = device;
        this.out = out;
        this.ledger = new StageLedger(run);
        this.metrics = new MetricsLog(run);
    }

    /**
     * Takes the run folder's lock ({@link RunLock}: one sitting at a time), then records the preset and deletes what
     * a killed sitting left half-written; every entry point that runs stages holds it while they run.
     */
    RunLock lock() throws IOException {
        RunLock lock = RunLock.acquire(run);
        try {
            AtomicFiles.writeString(run.resolve("preset.json"), Json.write(preset.toMap()) + "\n");
            ledger.sweepTempFiles();
            return lock;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static void checkRunFolder(Path runDir, Preset preset) throws IOException {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new IllegalArgumentException(runDir + " is a file, not a run folder; choose another --out");
        }
        Path f = runDir.resolve("preset.json");
        if (Files.exists(f)) {
            Object had = Json.parseObject(Files.readString(f)).get("name");
            if (!preset.name().equals(had)) {
                throw new IllegalArgumentException(runDir + " holds a run of preset '" + had + "', not '"
                        + preset.name() + "'; choose another --out (or --preset " + had + ", with --set to change"
                        + " its settings)");
            }
        } else if (Files.isDirectory(runDir) && !Files.isDirectory(runDir.resolve("stages"))) {
            try (var files = Files.list(runDir)) {
                if (files.findAny().isPresent()) {
                    throw new IllegalArgumentException(runDir + " is not empty and holds no pipeline run; choose"
                            + " a new or empty --out");
                }
            }
        }
    }

    /** Runs (or skips) every stage, then writes the report; returns its path. */
    public Path run() throws IOException {
        try (RunLock lock = lock()) {
            long t0 = System.nanoTime();
            Dataset train = DatasetSpec.open(preset.dataset(), true);
            Dataset test = DatasetSpec.open(preset.dataset(), false);
            base(train, test);
            for (String g : GENERATIVE) {
                generativeStage(g, g.startsWith("sit"), g.endsWith("usp") ? "pretrain" : null, null, train, test);
            }
            stage("probe", List.of("latents", "pretrain"), Map.of(), () -> probe(train.classes().size()));
            Path report = Report.write(run, preset, results, (System.nanoTime() - t0) / 1e9);
            say("report: " + report);
            return report;
        }
    }

    /** The stages every run starts with: the VAE, its latent caches, USP pretraining and the FID's classifier. */
    void base(Dataset train, Dataset test) throws IOException {
        stage("vae", List.of(), Map.of(), () -> vae(train));
        stage("latents", List.of("vae"), Map.of(), () -> latents(train, test));
        stage("pretrain", List.of("latents"), Map.of(), () -> pretrain("pretrain", Double.NaN,
                preset.pretrainSteps(), false));
        stage("classifier", List.of(), Map.of(), () -> classifier(train, test));
    }

    /**
     * Stage {@code name}: a DiT (or SiT) trained on the latents, from scratch or (with {@code pretrainStage}) from
     * that stage's encoder, evaluated at every eval step; {@code seed} (null: the trainer's default) seeds it.
     */
    void generativeStage(String name, boolean sit, String pretrainStage, Long seed, Dataset train, Dataset test)
            throws IOException {
        List<String> upstream = pretrainStage == null ? List.of("latents", "classifier")
                : List.of("latents", pretrainStage, "classifier");
        stage(name, upstream, seed == null ? Map.of() : Map.of("seed", seed),
                () -> generative(name, sit, pretrainStage, seed, train, test));
    }

    /** One stage's work: its results, recorded in the ledger once it returns. */
    @FunctionalInterface
    interface Work {
        Map<String, Object> run() throws IOException;
    }

    /**
     * Runs {@code work} as stage {@code name} unless the ledger has it done with the same inputs: the preset settings
     * the stage reads, {@code extra} settings of its own, and the hashes of its {@code upstream} stages.
     */
    void stage(String name, List<String> upstream, Map<String, ?> extra, Work work) throws IOException {
        Map<String, Object> inputs = new LinkedHashMap<>(StageInputs.settings(name, preset));
        inputs.putAll(new java.util.TreeMap<>(extra)); // Map.of's order changes from one JVM to the next
        for (String u : upstream) {
            inputs.put("after:" + u, hashes.get(u));
        }
        inputs.put("stage", name);
        String hash = StageLedger.hash(inputs);
        Map<String, Object> done = ledger.done(name, hash);
        if (done != null && StageInputs.rebuiltOnResume(name) && cachesMissing(name)) {
            // A carried run folder (RunCarry) leaves the caches behind; the ledger keeps the first build's results
            // and time, this sitting's rebuild is counted in its own time.
            say("stage " + name + ": done earlier, but its caches are missing (a carried run leaves them out);"
                    + " rebuilding them");
            work.run();
        } else if (done != null) {
            say("stage " + name + ": done earlier, skipped");
        } else {
            String earlier = ledger.started(name);
            if (earlier != null && !earlier.equals(hash)) {
                say("stage " + name + ": settings changed since its last run; its outputs moved to "
                        + ledger.moveAside(name, earlier, StageInputs.outputs(name)));
            }
            ledger.markStarted(name, hash);
            say("stage " + name + ": running");
            long t = System.nanoTime();
            done = new LinkedHashMap<>(work.run());
            done.put("seconds", (System.nanoTime() - t) / 1e9);
            ledger.markDone(name, hash, done);
        }
        hashes.put(name, hash);
        results.put(name, done);
    }

    private boolean cachesMissing(String stage) {
        boolean pixels = stage.equals("pixels");
        return !Files.exists(cacheFile(pixels, true)) || !Files.exists(cacheFile(pixels, false));
    }

    /** What stage {@code name} recorded (null before it ran in this process or was found done). */
    Map<String, Object> result(String name) {
        return results.get(name);
    }

    Path runDir() {
        return run;
    }

    Preset preset() {
        return preset;
    }

    MetricsLog metrics() {
        return metrics;
    }

    private static Transform input(Dataset ds) {
        return ds.get(0).image().width() == 28 ? Pad.all(2) : Transform.identity();
    }

    private Map<String, Object> vae(Dataset train) throws IOException {
        AutoencoderKL vae = new AutoencoderKL(VaeConfigs.named(preset.vae()));
        vae.to(device);
        Path dir = Files.createDirectories(run.resolve("vae"));
        try (DataLoader loader = DataLoader.builder(train).batchSize(preset.vaeBatch()).shuffle(0).dropLast(true)
                .workers(2).transform(input(train)).build()) {
            VaeTrainer t = new VaeTrainer(vae, loader, new VaeTrainer.Config(1e-3, 1e-6, 100, 0),
                    dir.resolve("train.ckpt.safetensors"));
            try (Progress bar = Progress.of("  vae", preset.vaeSteps(), t.step(), "it", out)) {
                t.train(preset.vaeSteps(), 1, (s, loss, rec, kl) -> {
                    metrics.log("vae", s, "loss", loss);
                    bar.update(s, String.format(Locale.ROOT, "loss %.2f", loss));
                });
            }
            double scale = VaeTrainer.calibrateScale(vae, loader, Math.min(16, loader.batchesPerEpoch()));
            AutoencoderKL scaled = new AutoencoderKL(vae.config().withScalingFactor(scale));
            scaled.loadStateDict(vae.stateDict(), true);
            ModelRegistry.save(scaled, dir.resolve("model"));
            double rec = VaeTrainer.reconstructionError(vae, loader.batch(0, 0).images());
            metrics.log("vae", preset.vaeSteps(), "reconstruction_l1", rec);
            return Map.of("scale", scale, "reconstruction_l1", rec);
        }
    }

    /** The run's VAE, on the pipeline's device. */
    private AutoencoderKL loadVae() throws IOException {
        AutoencoderKL vae = dev.usp4j.usp.Models.loadVae(run.resolve("vae").resolve("model"));
        vae.to(device);
        return vae;
    }

    private Map<String, Object> latents(Dataset train, Dataset test) throws IOException {
        AutoencoderKL vae = loadVae();
        return caches(train, test, false, new VaeLatentEncoder(preset.vae(), vae), vae.scalingFactor());
    }

    /**
     * The pixel-space twin of the latent caches (the same training images, unscaled, never flipped): the input of
     * the pixel-MAE baseline and of the logistic regression on raw pixels.
     */
    Map<String, Object> pixels(Dataset train, Dataset test) throws IOException {
        return caches(train, test, true, new PixelEncoder(), 1.0);
    }

    private Map<String, Object> caches(Dataset train, Dataset test, boolean pixels, LatentEncoder enc, double scale)
            throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        for (boolean isTrain : new boolean[] {true, false}) {
            Dataset ds = isTrain ? Subset.first(train, Math.toIntExact(preset.latentImages())) : test;
            String what = (pixels ? "  pixels " : "  encode ") + (isTrain ? "train" : "test");
            try (ProgressLog log = new ProgressLog(what, "img", ENCODED, out, this::say);
                 LatentCache c = LatentCache.openOrBuild(cacheFile(pixels, isTrain), ds, input(ds),
                         input(ds) == Transform.identity() ? "none" : "pad 2", ToTensor.symmetric(), enc, scale,
                         !pixels && isTrain && preset.latentFlip(), 64, log)) {
                r.put(isTrain ? "train" : "test", (long) c.size());
            }
        }
        return r;
    }

    private Path cacheFile(boolean train) {
        return cacheFile(false, train);
    }

    private Path cacheFile(boolean pixels, boolean train) {
        return run.resolve(pixels ? "pixels" : "latents").resolve(train ? "train.safetensors" : "test.safetensors");
    }

    /** Where stage {@code stage}'s MAE checkpoint is (the pretrain stages write one each). */
    Path pretrainCheckpoint(String stage) {
        return run.resolve(stage).resolve("pretrain.ckpt.safetensors");
    }

    /**
     * MAE pretraining as stage {@code stage}: {@code steps} steps of the preset's MAE size with mask ratio
     * {@code maskRatio} (NaN: the size's own), on the latents or ({@code pixels}) on the pixel caches with patches
     * as much larger as the images are, so both see the same number of tokens.
     */
    Map<String, Object> pretrain(String stage, double maskRatio, long steps, boolean pixels) throws IOException {
        Path ckpt = Files.createDirectories(run.resolve(stage)).resolve("pretrain.ckpt.safetensors");
        try (LatentCache c = LatentCache.open(cacheFile(pixels, true))) {
            MaskedLatentTrainer t;
            if (Files.exists(ckpt)) {
                t = MaskedLatentTrainer.resume(ckpt, c, ckpt, device);
                say("  " + stage + ": resuming at step " + t.step());
            } else {
                MaeConfig mae = pixels ? pixelMae(c.latentShape()) : Models.mae(preset.mae(), c.latentShape());
                if (!Double.isNaN(maskRatio)) {
                    mae = mae.withMaskRatio(maskRatio);
                }
                PretrainConfig d = PretrainConfig.defaults(mae);
                t = new MaskedLatentTrainer(d.withTrain(d.train().withBatchSize(preset.pretrainBatch())
                        .withPlan(LrPlan.steps(Math.max(1, steps / 20), steps))
                        .withCheckpointEvery(Math.max(1, steps / 4))), c, ckpt, device);
            }
            dev.usp4j.usp.pretrain.TrainMetrics last;
            try (Progress bar = Progress.of("  " + stage, steps, t.step(), "it", out)) {
                last = t.train(steps, m -> {
                    metrics.log(stage, m.step(), "loss", m.loss());
                    bar.update(m.step(), String.format(Locale.ROOT, "loss %.4f", m.loss()));
                });
            }
            return Map.of("loss", last != null ? last.loss() : lastLogged(stage, "loss"));
        }
    }

    /**
     * The last value of {@code name} that stage {@code stage} logged, NaN if none: the result of a stage resumed from
     * a checkpoint of its last step, which trains no step in this sitting.
     */
    private double lastLogged(String stage, String name) throws IOException {
        var series = MetricsLog.read(run).getOrDefault(stage, Map.of()).get(name);
        return series == null || series.isEmpty() ? Double.NaN : series.lastEntry().getValue();
    }

    private Map<String, Object> classifier(Dataset train, Dataset test) throws IOException {
        FeatureClassifier.Settings d = FeatureClassifier.Settings.defaults();
        FeatureClassifier net;
        try (ProgressLog log = new ProgressLog("  classifier", "it", CLASSIFIER_STEP, out, this::say)) {
            net = FeatureClassifier.loadOrTrain(run.resolve("classifier.safetensors"), train,
                    new FeatureClassifier.Settings(preset.classifierSteps(), d.batchSize(), d.lr(), d.seed()), log,
                    device);
        }
        List<Image> images = new ArrayList<>();
        long[] labels = new long[Math.min(1000, test.size())];
        for (int i = 0; i < labels.length; i++) {
            images.add(test.get(i).image());
            labels[i] = test.get(i).label();
        }
        double acc = net.accuracy(FeatureClassifier.input(images), labels);
        metrics.log("classifier", preset.classifierSteps(), "test_accuracy", acc);
        return Map.of("test_accuracy", acc);
    }

    /** The latent MAE's size on the pixel images, its patch scaled by the VAE's downsampling factor. */
    private MaeConfig pixelMae(int[] pixelShape) throws IOException {
        try (LatentCache latents = LatentCache.open(cacheFile(false, true))) {
            int[] z = latents.latentShape();
            int patch = Models.mae(preset.mae(), z).patchSize() * (pixelShape[1] / z[1]);
            return Models.mae(preset.mae(), pixelShape, patch);
        }
    }

    private Map<String, Object> generative(String name, boolean sit, String pretrainStage, Long seed, Dataset train,
                                           Dataset test) throws IOException {
        boolean usp = pretrainStage != null;
        Path dir = Files.createDirectories(run.resolve(name));
        Path ckpt = dir.resolve("train.ckpt.safetensors");
        FeatureClassifier net = FeatureClassifier.loadOrTrain(run.resolve("classifier.safetensors"), train,
                new FeatureClassifier.Settings(preset.classifierSteps(), FeatureClassifier.Settings.defaults()
                        .batchSize(), FeatureClassifier.Settings.defaults().lr(),
                        FeatureClassifier.Settings.defaults().seed()), this::say, device);
        Fid fid = new Fid(net);
        List<Image> real = new ArrayList<>();
        for (int i = 0; i < Math.min(preset.fidSamples(), test.size()); i++) {
            real.add(test.get(i).image());
        }
        var realStats = fid.stats(real);
        AutoencoderKL vae = loadVae();
        Path evalFile = dir.resolve("evals.json");
        List<Object> evals = new ArrayList<>(Files.exists(evalFile) ? Json.parseObject(
                Files.readString(evalFile)).get("evals") instanceof List<?> l ? l : List.of() : List.of());
        try (LatentCache c = LatentCache.open(cacheFile(true))) {
            GenerativeTrainer t;
            if (Files.exists(ckpt)) {
                t = GenerativeTrainer.resume(ckpt, c, ckpt, device);
                say("  " + name + ": resuming at step " + t.step());
            } else {
                DiT model = build(c, sit, usp, train.classes().size());
                if (usp) {
                    var report = UspTransfer.intoDiT(MaskedLatentTrainer.readPretrained(
                            pretrainCheckpoint(pretrainStage), false), model);
                    say("  USP transfer: " + report.summary());
                }
                GenerativeConfig cfg = GenerativeConfig.defaults().withBatchSize(preset.genBatch())
                        .withLr(preset.genLr())
                        .withEmaDecay(preset.emaDecay()).withLogEvery((int) Math.max(1, preset.genSteps() / 100))
                        .withCheckpointEvery((int) Math.max(1, preset.genSteps() / 4));
                model.to(device);  // after the transfer (on the host), before the trainer builds its optimiser
                t = GenerativeTrainer.start(model, c, seed == null ? cfg : cfg.withSeed(seed), ckpt);
            }
            String samplerSpec = sit ? preset.sitSampler() : preset.ditSampler();
            for (long at : preset.evalSteps()) {
                boolean recorded = evals.stream().anyMatch(e -> e instanceof Map<?, ?> m
                        && ((Number) m.get("step")).longValue() == at);
                if (recorded && at != preset.evalSteps().getLast()) {
                    continue; // evaluated before an interruption: the EMA of that step is gone, keep its numbers
                }
                try (Progress bar = Progress.of("  " + name + " train", at, t.step(), "it", out)) {
                    t.train(at, new TrainingListener() {
                        @Override
                        public void onMetrics(TrainingMetrics m) {
                            metrics.log(name, m.step(), "loss", m.loss());
                            bar.update(m.step(), String.format(Locale.ROOT, "loss %.4f", m.loss()));
                        }
                    });
                }
                DiT ema = t.emaModel();
                long[] labels = LatentSampling.uniformLabels(preset.fidSamples(), ema.config().numClasses(), at);
                List<Image> samples;
                try (Progress bar = Progress.of("  " + name + " sample@" + at, labels.length, 0, "img", out)) {
                    samples = new LatentSampling(ema, Samplers.parse(samplerSpec), preset.cfgScale(), 64)
                            .images(labels, at, vae, vae.scalingFactor(), bar::update);
                }
                double f = Fid.of(realStats, fid.stats(samples));
                double acc = net.accuracy(FeatureClassifier.input(samples), labels);
                metrics.log(name, at, "fid", f);
                metrics.log(name, at, "sample_accuracy", acc);
                say(String.format(Locale.ROOT, "  %s step %d: FID (classifier features) %.3f, sample accuracy %.3f",
                        name, at, f, acc));
                if (!recorded) {
                    evals.add(Map.of("step", at, "fid", f, "accuracy", acc, "trained_steps", t.step()));
                    AtomicFiles.writeString(evalFile, Json.write(Map.of("evals", evals)));
                }
                if (at == preset.evalSteps().getLast()) {
                    List<Image> shown = samples.subList(0, Math.min(32, samples.size()));
                    List<String> captions = new ArrayList<>();
                    for (int i = 0; i < shown.size(); i++) {
                        captions.add(train.classes().get((int) labels[i]));
                    }
                    new ImageGrid().writePng(shown, captions, dir.resolve("samples.png"));
                }
            }
        }
        return Map.of("evals", evals, "sampler", sit ? preset.sitSampler() : preset.ditSampler());
    }

    private DiT build(LatentCache c, boolean sit, boolean usp, int classes) {
        return dev.usp4j.usp.Models.generative(sit, preset.ditSize(), usp, c.latentShape(), classes);
    }

    private Map<String, Object> probe(int classes) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        for (boolean random : new boolean[] {false, true}) {
            Path ckpt = Files.createDirectories(run.resolve("probe")).resolve((random ? "random" : "usp")
                    + ".ckpt.safetensors");
            double top1 = linearProbe(ckpt, "pretrain", random, false, classes);
            String key = random ? "random_top1" : "usp_top1";
            metrics.log("probe", preset.probeSteps(), key, top1);
            r.put(key, top1);
        }
        return r;
    }

    /**
     * Linear-probe top-1 on the test cache of the encoder that stage {@code pretrainStage} pretrained (or, with
     * {@code random}, of a randomly initialised encoder of its size), on the latents or the pixel caches; the probe
     * checkpoints to {@code ckpt} and resumes from it.
     */
    double linearProbe(Path ckpt, String pretrainStage, boolean random, boolean pixels, int classes)
            throws IOException {
        Path pre = pretrainCheckpoint(pretrainStage);
        try (LatentCache c = LatentCache.open(cacheFile(pixels, true));
             LatentCache e = LatentCache.open(cacheFile(pixels, false))) {
            long steps = preset.probeSteps();
            LinearProbe p;
            if (Files.exists(ckpt)) {
                p = LinearProbe.resume(ckpt, c, ckpt, device);
            } else {
                LinearProbeConfig d = LinearProbeConfig.defaults(LinearProbe.vitForPretrained(pre, c, classes));
                p = new LinearProbe(d.withTrain(d.train().withBatchSize(preset.probeBatch())
                        .withPlan(LrPlan.steps(Math.max(1, steps / 10), steps))
                        .withCheckpointEvery(Math.max(1, steps / 2))),
                        random ? null : MaskedLatentTrainer.readPretrained(pre, false), c, ckpt, device);
            }
            return trainAndScore(p, steps, "linear probe (" + encoderName(pretrainStage, random) + ")",
                    () -> p.evaluate(e));
        }
    }

    /**
     * Fine-tuning top-1 on the test cache: the whole encoder of {@code pretrainStage} (or a random one of its size)
     * with an average-pooled linear head, MAE's recipe (layer decay 0.75, label smoothing 0.1, drop path 0.1),
     * {@code steps} steps at the probe's batch size; checkpoints to {@code ckpt} and resumes from it.
     */
    double fineTune(Path ckpt, String pretrainStage, boolean random, boolean pixels, long steps, int classes)
            throws IOException {
        Path pre = pretrainCheckpoint(pretrainStage);
        try (LatentCache c = LatentCache.open(cacheFile(pixels, true));
             LatentCache e = LatentCache.open(cacheFile(pixels, false))) {
            FineTune f;
            if (Files.exists(ckpt)) {
                f = FineTune.resume(ckpt, c, ckpt, device);
            } else {
                FineTuneConfig cfg = FineTuneConfig.forClassifier(LinearProbe.vitForPretrained(pre, c, classes),
                        preset.probeBatch(), 1e-3, steps, 0.75, 0.1, 0.1);
                f = new FineTune(cfg, random ? null : MaskedLatentTrainer.readPretrained(pre, false), c, ckpt,
                        device);
            }
            return trainAndScore(f, steps, "fine-tune (" + encoderName(pretrainStage, random) + ")",
                    () -> f.evaluate(e));
        }
    }

    /** Top-1 on the test images of a logistic regression on raw pixels ({@code steps} AdamW steps, probe batch). */
    double logisticRegression(long steps, int classes) throws IOException {
        try (LatentCache c = LatentCache.open(cacheFile(true, true));
             LatentCache e = LatentCache.open(cacheFile(true, false))) {
            // blr 1e-3 at the MAE rule's reference batch 256: lr 1e-3·batch/256
            LogisticRegression lr = new LogisticRegression(new TrainSettings(preset.probeBatch(), 1e-3, 0, 1e-4,
                    LrPlan.steps(Math.max(1, steps / 10), steps), 0, 0), classes, c, null, device);
            return trainAndScore(lr, steps, "logistic regression on raw pixels", () -> lr.evaluate(e));
        }
    }

    /** Trains {@code t} up to {@code steps} under a progress bar, then reports and returns its test top-1. */
    private double trainAndScore(LatentTrainer t, long steps, String label,
                                 DoubleSupplier top1) throws IOException {
        try (Progress bar = Progress.of("  " + label, steps, t.step(), "it", out)) {
            t.train(steps, m -> bar.update(m.step(), String.format(Locale.ROOT, "loss %.4f", m.loss())));
        }
        double v = top1.getAsDouble();
        say(String.format(Locale.ROOT, "  %s: top-1 %.4f", label, v));
        return v;
    }

    private static String encoderName(String pretrainStage, boolean random) {
        return random ? "random encoder" : pretrainStage.equals("pretrain") ? "USP encoder" : pretrainStage;
    }

    void say(String line) {
        out.println(line);
        out.flush();
    }
}
