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
import dev.usp4j.tensor.NDArray;
import dev.usp4j.usp.DatasetSpec;
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
import dev.usp4j.usp.understand.LinearProbe;
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
import java.util.regex.Pattern;

/**
 * {@code ./usp pipeline}: the whole USP chain on one dataset, stage by stage — a VAE trained from scratch, latent
 * caches, USP pretraining, a feature classifier for the FID, DiT and SiT each from scratch and from USP at the same
 * budget (FID in classifier features and sample accuracy at every evaluation step), and a linear probe of the USP
 * encoder against a random one — then {@code report.md} and a self-contained {@code report.html} with plots drawn
 * from {@code metrics.jsonl}. Each stage is skipped when its inputs' hash matches what the ledger recorded, and every
 * trainer resumes from its own checkpoint, so re-running after an interruption continues where it stopped. Every
 * logged number also goes to {@code metrics.jsonl}; every long loop shows a {@link Progress} bar.
 */
public final class Pipeline {
    private static final List<String> GENERATIVE = Plots.GENERATIVE;
    private static final Pattern ENCODED = Pattern.compile("encoded (\\d+)/(\\d+) images");
    private static final Pattern CLASSIFIER_STEP = Pattern.compile("classifier: step (\\d+)/(\\d+), (loss \\S+)");

    private final Path run;
    private final Preset preset;
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
        checkRunFolder(runDir, preset);
        this.run = Files.createDirectories(runDir);
        this.preset = preset;
        this.out = out;
        this.ledger = new StageLedger(run);
        ledger.sweepTempFiles();
        this.metrics = new MetricsLog(run);
    }

    private static void checkRunFolder(Path runDir, Preset preset) throws IOException {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new IllegalArgumentException(runDir + " is a file, not a run folder; choose another --out");
        }
        Path f = runDir.resolve("preset.json");
        if (Files.exists(f)) {
            Object had = dev.usp4j.tensor.io.Json.parseObject(Files.readString(f)).get("name");
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
        Files.createDirectories(runDir);
        Path tmp = runDir.resolve("preset.json.tmp");
        Files.writeString(tmp, dev.usp4j.tensor.io.Json.write(preset.toMap()) + "\n");
        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Runs (or skips) every stage, then writes the report; returns its path. */
    public Path run() throws IOException {
        long t0 = System.nanoTime();
        Dataset train = DatasetSpec.open(preset.dataset(), true);
        Dataset test = DatasetSpec.open(preset.dataset(), false);
        stage("vae", List.of(), () -> vae(train));
        stage("latents", List.of("vae"), () -> latents(train, test));
        stage("pretrain", List.of("latents"), this::pretrain);
        stage("classifier", List.of(), () -> classifier(train, test));
        for (String g : GENERATIVE) {
            stage(g, g.endsWith("usp") ? List.of("latents", "pretrain", "classifier") : List.of("latents",
                    "classifier"), () -> generative(g, train, test));
        }
        stage("probe", List.of("latents", "pretrain"), () -> probe(train.classes().size()));
        Path report = Report.write(run, preset, results, (System.nanoTime() - t0) / 1e9);
        say("report: " + report);
        return report;
    }

    @FunctionalInterface
    private interface Work {
        Map<String, Object> run() throws IOException;
    }

    private void stage(String name, List<String> upstream, Work work) throws IOException {
        Map<String, Object> inputs = new LinkedHashMap<>(StageInputs.settings(name, preset));
        for (String u : upstream) {
            inputs.put("after:" + u, hashes.get(u));
        }
        inputs.put("stage", name);
        String hash = StageLedger.hash(inputs);
        Map<String, Object> done = ledger.done(name, hash);
        if (done != null) {
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

    private static Transform input(Dataset ds) {
        return ds.get(0).image().width() == 28 ? Pad.all(2) : Transform.identity();
    }

    private Map<String, Object> vae(Dataset train) throws IOException {
        AutoencoderKL vae = new AutoencoderKL(VaeConfigs.named(preset.vae()));
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

    private AutoencoderKL loadVae() throws IOException {
        return dev.usp4j.usp.Models.loadVae(run.resolve("vae").resolve("model"));
    }

    private Map<String, Object> latents(Dataset train, Dataset test) throws IOException {
        AutoencoderKL vae = loadVae();
        VaeLatentEncoder enc = new VaeLatentEncoder(preset.vae(), vae);
        Map<String, Object> r = new LinkedHashMap<>();
        for (boolean isTrain : new boolean[] {true, false}) {
            Dataset ds = isTrain ? Subset.first(train, Math.toIntExact(preset.latentImages())) : test;
            try (ProgressLog log = new ProgressLog(isTrain ? "  encode train" : "  encode test", "img", ENCODED, out,
                    this::say); LatentCache c = LatentCache.openOrBuild(cacheFile(isTrain), ds, input(ds),
                    input(ds) == Transform.identity() ? "none" : "pad 2", ToTensor.symmetric(), enc,
                    vae.scalingFactor(), isTrain && preset.latentFlip(), 64, log)) {
                r.put(isTrain ? "train" : "test", (long) c.size());
            }
        }
        return r;
    }

    private Path cacheFile(boolean train) {
        return run.resolve("latents").resolve(train ? "train.safetensors" : "test.safetensors");
    }

    private Map<String, Object> pretrain() throws IOException {
        Path ckpt = Files.createDirectories(run.resolve("pretrain")).resolve("pretrain.ckpt.safetensors");
        try (LatentCache c = LatentCache.open(cacheFile(true))) {
            MaskedLatentTrainer t;
            if (Files.exists(ckpt)) {
                t = MaskedLatentTrainer.resume(ckpt, c, ckpt);
                say("  pretrain: resuming at step " + t.step());
            } else {
                MaeConfig mae = dev.usp4j.usp.Models.mae(preset.mae(), c.latentShape());
                PretrainConfig d = PretrainConfig.defaults(mae);
                long steps = preset.pretrainSteps();
                t = new MaskedLatentTrainer(d.withTrain(d.train().withBatchSize(preset.pretrainBatch())
                        .withPlan(LrPlan.steps(Math.max(1, steps / 20), steps))
                        .withCheckpointEvery(Math.max(1, steps / 4))), c, ckpt);
            }
            dev.usp4j.usp.pretrain.TrainMetrics last;
            try (Progress bar = Progress.of("  pretrain", preset.pretrainSteps(), t.step(), "it", out)) {
                last = t.train(preset.pretrainSteps(), m -> {
                    metrics.log("pretrain", m.step(), "loss", m.loss());
                    bar.update(m.step(), String.format(Locale.ROOT, "loss %.4f", m.loss()));
                });
            }
            return Map.of("loss", last == null ? Double.NaN : last.loss());
        }
    }

    private Map<String, Object> classifier(Dataset train, Dataset test) throws IOException {
        FeatureClassifier.Settings d = FeatureClassifier.Settings.defaults();
        FeatureClassifier net;
        try (ProgressLog log = new ProgressLog("  classifier", "it", CLASSIFIER_STEP, out, this::say)) {
            net = FeatureClassifier.loadOrTrain(run.resolve("classifier.safetensors"), train,
                    new FeatureClassifier.Settings(preset.classifierSteps(), d.batchSize(), d.lr(), d.seed()), log);
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

    private Map<String, Object> generative(String name, Dataset train, Dataset test) throws IOException {
        boolean sit = name.startsWith("sit");
        boolean usp = name.endsWith("usp");
        Path dir = Files.createDirectories(run.resolve(name));
        Path ckpt = dir.resolve("train.ckpt.safetensors");
        FeatureClassifier net = FeatureClassifier.loadOrTrain(run.resolve("classifier.safetensors"), train,
                new FeatureClassifier.Settings(preset.classifierSteps(), FeatureClassifier.Settings.defaults()
                        .batchSize(), FeatureClassifier.Settings.defaults().lr(),
                        FeatureClassifier.Settings.defaults().seed()), this::say);
        Fid fid = new Fid(net);
        List<Image> real = new ArrayList<>();
        for (int i = 0; i < Math.min(preset.fidSamples(), test.size()); i++) {
            real.add(test.get(i).image());
        }
        var realStats = fid.stats(real);
        AutoencoderKL vae = loadVae();
        Path evalFile = dir.resolve("evals.json");
        List<Object> evals = new ArrayList<>(Files.exists(evalFile) ? dev.usp4j.tensor.io.Json.parseObject(
                Files.readString(evalFile)).get("evals") instanceof List<?> l ? l : List.of() : List.of());
        try (LatentCache c = LatentCache.open(cacheFile(true))) {
            GenerativeTrainer t;
            if (Files.exists(ckpt)) {
                t = GenerativeTrainer.resume(ckpt, c);
                say("  " + name + ": resuming at step " + t.step());
            } else {
                DiT model = build(c, sit, usp, train.classes().size());
                if (usp) {
                    var report = UspTransfer.intoDiT(MaskedLatentTrainer.readPretrained(run.resolve("pretrain")
                            .resolve("pretrain.ckpt.safetensors"), false), model);
                    say("  USP transfer: " + report.summary());
                }
                GenerativeConfig cfg = GenerativeConfig.defaults().withBatchSize(preset.genBatch())
                        .withLr(preset.genLr())
                        .withEmaDecay(preset.emaDecay()).withLogEvery((int) Math.max(1, preset.genSteps() / 100))
                        .withCheckpointEvery((int) Math.max(1, preset.genSteps() / 4));
                t = GenerativeTrainer.start(model, c, cfg, ckpt);
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
                    Path tmp = dir.resolve("evals.json.tmp");
                    Files.writeString(tmp, dev.usp4j.tensor.io.Json.write(Map.of("evals", evals)));
                    Files.move(tmp, evalFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
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
        Path pre = run.resolve("pretrain").resolve("pretrain.ckpt.safetensors");
        Map<String, NDArray> state = MaskedLatentTrainer.readPretrained(pre, false);
        Map<String, Object> r = new LinkedHashMap<>();
        try (LatentCache c = LatentCache.open(cacheFile(true)); LatentCache e = LatentCache.open(cacheFile(false))) {
            for (boolean random : new boolean[] {false, true}) {
                VitConfig vit = LinearProbe.vitForPretrained(pre, c, classes);
                LinearProbeConfig d = LinearProbeConfig.defaults(vit);
                long steps = preset.probeSteps();
                Path ckpt = Files.createDirectories(run.resolve("probe")).resolve((random ? "random" : "usp")
                        + ".ckpt.safetensors");
                LinearProbe p = Files.exists(ckpt) ? LinearProbe.resume(ckpt, c, ckpt)
                        : new LinearProbe(d.withTrain(d.train().withBatchSize(preset.probeBatch())
                        .withPlan(LrPlan.steps(Math.max(1, steps / 10), steps))
                        .withCheckpointEvery(Math.max(1, steps / 2))), random ? null : state, c, ckpt);
                try (Progress bar = Progress.of(random ? "  probe (random)" : "  probe (USP)", steps, p.step(), "it",
                        out)) {
                    p.train(steps, m -> bar.update(m.step(), String.format(Locale.ROOT, "loss %.4f", m.loss())));
                }
                double top1 = p.evaluate(e);
                metrics.log("probe", steps, random ? "random_top1" : "usp_top1", top1);
                say(String.format(Locale.ROOT, "  linear probe (%s encoder): top-1 %.4f", random ? "random" : "USP",
                        top1));
                r.put(random ? "random_top1" : "usp_top1", top1);
            }
        }
        return r;
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
