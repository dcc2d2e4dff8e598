package dev.usp4j.usp.gen;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.diffusion.gaussian.Diffusions;
import dev.usp4j.diffusion.gaussian.GaussianDiffusion;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.transport.Transport;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.nn.optim.EMA;
import dev.usp4j.nn.optim.GradientClipping;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.StepArena;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a DiT (DiT's Gaussian diffusion) or a SiT (USP's transport) on the latents of a {@link LatentCache}, as
 * DiT's and SiT's train.py do (usp-spec §3.4, §4.8): each step takes the next batch of a per-epoch shuffle (drop
 * last), a random horizontal flip per sample when the cache stores flips, a posterior sample
 * scale·(μ + σ·ε) per latent, the cached labels (dropped to the null class with the model's class_dropout_prob),
 * random timesteps, the process's loss averaged over the batch, AdamW, optional gradient clipping, and an EMA
 * update. The EMA starts as an exact copy of the model as it is handed over, so a DiT already filled by
 * {@code UspTransfer} starts its EMA from the transferred weights (usp-spec §2.1 step 6).
 *
 * <p>All randomness comes from generators derived from the config's seed: the epoch permutations are a pure
 * function of (seed, epoch), and the per-step draws ("noise") and the label dropout ("label_dropout") are
 * generators whose positions go into the checkpoint. So {@link #train} to N in one go and training to N/2, saving,
 * {@link #resume resuming} and training to N give bit-identical weights.
 */
public final class GenerativeTrainer {
    private final DiT model;
    private final GenerativeKind kind;
    private final LatentCache cache;
    private final GenerativeConfig config;
    private final Path checkpointFile;
    private final AdamW optimizer;
    private final EMA ema;
    private final Generator noise;
    private final Generator labelDropout;
    private final GaussianDiffusion diffusion;
    private final Transport transport;
    private final int stepsPerEpoch;
    private long step;
    private long orderEpoch = -1;
    private int[] order;
    private double lastGradNorm = Double.NaN;

    private GenerativeTrainer(DiT model, LatentCache cache, GenerativeConfig config, Path checkpointFile) {
        this.model = Objects.requireNonNull(model, "model");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.config = Objects.requireNonNull(config, "config");
        this.checkpointFile = checkpointFile;
        this.kind = GenerativeKind.of(model);
        checkCache(model.config(), cache, config.batchSize());
        this.stepsPerEpoch = cache.size() / config.batchSize();
        this.noise = new Generator(GenerativeCheckpoints.mix(config.seed(), 1, 0));
        this.labelDropout = new Generator(GenerativeCheckpoints.mix(config.seed(), 2, 0));
        model.yEmbedder.setGenerator(labelDropout);
        this.optimizer = new AdamW(List.of(new ParamGroup("all", model.parameters(), config.lr(),
                config.weightDecay(), 1.0)), config.beta1(), config.beta2(), config.eps());
        this.ema = new EMA(model, config.emaDecay());
        DiTConfig mc = model.config();
        // create_diffusion(timestep_respacing=""): all 1000 steps; the variance is learned when the model says so.
        this.diffusion = kind == GenerativeKind.DIT
                ? Diffusions.create("", "linear", false, false, false, mc.learnSigma(), false, 1000) : null;
        this.transport = kind == GenerativeKind.SIT ? Transport.usp() : null;
        model.train();
    }

    /**
     * A new run of {@code model} (a DiT or SiT, freshly initialised or transferred from a USP checkpoint) on
     * {@code cache}; checkpoints go to {@code checkpointFile} (null: none are written).
     */
    public static GenerativeTrainer start(DiT model, LatentCache cache, GenerativeConfig config,
                                          Path checkpointFile) {
        return new GenerativeTrainer(model, cache, config, checkpointFile);
    }

    /** Continues the run saved in {@code checkpoint}, writing later checkpoints to the same file. */
    public static GenerativeTrainer resume(Path checkpoint, LatentCache cache) throws IOException {
        return resume(checkpoint, cache, checkpoint);
    }

    /**
     * Continues the run saved in {@code checkpoint} (model, EMA, optimiser, generators, step and config all restored)
     * on {@code cache}, which must be the cache it was trained on; later checkpoints go to {@code checkpointFile}.
     */
    public static GenerativeTrainer resume(Path checkpoint, LatentCache cache, Path checkpointFile)
            throws IOException {
        return resume(checkpoint, cache, checkpointFile, Device.CPU);
    }

    /**
     * As {@link #resume(Path, LatentCache, Path)}, training on {@code device}: the model moves there before the
     * checkpoint's weights, EMA and optimiser state are loaded into it (each load copies to its destination's
     * device).
     */
    public static GenerativeTrainer resume(Path checkpoint, LatentCache cache, Path checkpointFile, Device device)
            throws IOException {
        GenerativeCheckpoints.Header h = GenerativeCheckpoints.readHeader(checkpoint);
        String differs = GenerativeCheckpoints.cacheDifference(h.cache(), cache);
        if (differs != null) {
            throw new IllegalArgumentException(checkpoint + ": trained on another latent cache than "
                    + cache.file() + " (" + differs + ")");
        }
        DiT model = h.kind().build(h.model(), new Generator(0));
        model.to(device);
        GenerativeTrainer t = new GenerativeTrainer(model, cache, h.train(), checkpointFile);
        TrainingCheckpoint.Restored r = t.checkpoint().load(checkpoint);
        t.step = r.step();
        return t;
    }

    private static void checkCache(DiTConfig mc, LatentCache cache, int batchSize) {
        if (cache.size() == 0) {
            throw new IllegalArgumentException("GenerativeTrainer: the latent cache " + cache.file()
                    + " is empty");
        }
        if (cache.size() < batchSize) {
            throw new IllegalArgumentException("GenerativeTrainer: the latent cache " + cache.file() + " holds "
                    + cache.size() + " latents, fewer than one batch of " + batchSize + " (batches drop the last"
                    + " partial one)");
        }
        int[] s = cache.latentShape();
        if (s.length != 3 || s[0] != mc.inChannels() || s[1] != mc.inputSize() || s[2] != mc.inputSize()) {
            throw new IllegalArgumentException("GenerativeTrainer: the model takes latents [" + mc.inChannels() + ", "
                    + mc.inputSize() + ", " + mc.inputSize() + "], the cache " + cache.file() + " holds "
                    + java.util.Arrays.toString(s));
        }
        for (int i = 0; i < cache.size(); i++) {
            long y = cache.label(i);
            if (y < 0 || y >= mc.numClasses()) {
                throw new IllegalArgumentException("GenerativeTrainer: latent " + i + " of " + cache.file()
                        + " has label " + y + ", outside the model's " + mc.numClasses() + " classes");
            }
        }
    }

    // ---- training -------------------------------------------------------------------------------------------------

    /** Optimiser steps taken so far. */
    public long step() {
        return step;
    }

    /** One optimiser step on the next batch; returns the batch's mean loss. */
    public double trainStep() {
        // The step's activations, temporaries and gradients go back to the pool at its end (StepArena): the
        // next step reuses their arrays instead of fresh, JVM-cleared memory.
        try (StepArena scope = StepArena.open()) {
            int b = config.batchSize();
            int[] idx = batchIndices(step);
            boolean[] flips = cache.spec().flip() ? NDArray.rand(noise, b).lt(0.5).toBooleanArray() : null;
            Device device = device();
            NDArray x = cache.sample(idx, flips, noise).to(device);
            NDArray y = cache.labels(idx).to(device);
            Tensor loss;
            if (kind == GenerativeKind.DIT) {
                NDArray t = NDArray.randint(noise, device, 0, diffusion.numTimesteps(), b);
                loss = diffusion.trainingLosses((xt, ts) -> model.forward(xt, ts, y), x, t, noise).loss().mean();
            } else {
                loss = transport.trainingLosses((xt, ts) -> model.forward(xt, ts, y), x, noise).mean();
            }
            optimizer.zeroGrad();
            loss.backward();
            if (config.gradClip() > 0) {
                lastGradNorm = GradientClipping.clipGradNorm(model.parameters(), config.gradClip());
            }
            optimizer.step();
            ema.update(model);
            step++;
            return loss.item();
        }
    }

    /** Where the model lives (and so where batches are moved): the device of its parameters. */
    public Device device() {
        return model.parameters().get(0).data().device();
    }

    /** The cache indices of batch {@code s}: position s mod E of epoch s / E's permutation (E = ⌊N/B⌋). */
    private int[] batchIndices(long s) {
        long epoch = s / stepsPerEpoch;
        if (epoch != orderEpoch) {
            order = NDArray.randperm(new Generator(GenerativeCheckpoints.mix(config.seed(), 3, epoch)), cache.size())
                    .toIntArray();
            orderEpoch = epoch;
        }
        int start = (int) (s % stepsPerEpoch) * config.batchSize();
        return java.util.Arrays.copyOfRange(order, start, start + config.batchSize());
    }

    /**
     * Trains until {@link #step()} reaches {@code untilStep}: metrics every {@code log_every} steps, a checkpoint
     * every {@code checkpoint_every} steps and at the end (when a checkpoint file was given and the last step was not
     * already saved). Returns at once when the run is already there.
     */
    public void train(long untilStep, TrainingListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (untilStep < 0) {
            throw new IllegalArgumentException("GenerativeTrainer.train: untilStep must be >= 0, got " + untilStep);
        }
        double lossSum = 0;
        int window = 0;
        long t0 = System.nanoTime();
        long savedAt = -1;
        while (step < untilStep) {
            lossSum += trainStep();
            window++;
            if (step % config.logEvery() == 0) {
                double seconds = (System.nanoTime() - t0) / 1e9;
                listener.onMetrics(new TrainingMetrics(step, lossSum / window, optimizer.paramGroups().get(0).lr(),
                        window * (double) config.batchSize() / Math.max(seconds, 1e-9), lastGradNorm));
                lossSum = 0;
                window = 0;
                t0 = System.nanoTime();
            }
            if (checkpointFile != null && step % config.checkpointEvery() == 0) {
                saveCheckpoint(checkpointFile);
                savedAt = step;
                listener.onCheckpoint(step, checkpointFile);
            }
        }
        if (checkpointFile != null && savedAt != step) {
            saveCheckpoint(checkpointFile);
            listener.onCheckpoint(step, checkpointFile);
        }
    }

    /** Writes everything needed to resume (and the EMA weights for sampling) to {@code file}, atomically. */
    public void saveCheckpoint(Path file) throws IOException {
        checkpoint().save(file, step, GenerativeCheckpoints.config(kind, model.config(), config, cache));
    }

    private TrainingCheckpoint checkpoint() {
        return new TrainingCheckpoint(model).withEma(ema::stateDict, ema::loadStateDict).withOptimizer(optimizer)
                .withGenerator("noise", noise).withGenerator("label_dropout", labelDropout);
    }

    // ---- access ---------------------------------------------------------------------------------------------------

    /** The network being trained (train mode). */
    public DiT model() {
        return model;
    }

    public GenerativeKind kind() {
        return kind;
    }

    public GenerativeConfig config() {
        return config;
    }

    public EMA ema() {
        return ema;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public LatentCache cache() {
        return cache;
    }

    /**
     * A new network of the same kind holding the EMA weights, in eval mode, on the trainer's device: what sampling
     * uses (so samples are drawn where the model trained).
     */
    public DiT emaModel() {
        DiT copy = kind.build(model.config(), new Generator(0));
        copy.to(device());  // first, so the EMA's weights are copied device to device rather than through the host
        ema.copyTo(copy);
        copy.eval();
        return copy;
    }

    /** The EMA network saved in a trainer checkpoint, in eval mode (see {@link GenerativeCheckpoints#loadEma}). */
    public static DiT loadEmaModel(Path checkpoint) throws IOException {
        return GenerativeCheckpoints.loadEma(checkpoint, null);
    }

    /** The trainer's checkpoint config (model kind and config, training settings, cache identity) as JSON. */
    public Map<String, Object> checkpointConfig() {
        return GenerativeCheckpoints.config(kind, model.config(), config, cache);
    }
}
