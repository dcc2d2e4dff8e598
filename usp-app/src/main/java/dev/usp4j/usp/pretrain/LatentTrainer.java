package dev.usp4j.usp.pretrain;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.nn.optim.Optimizer;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.nn.optim.WarmupCosine;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.StepArena;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import dev.usp4j.usp.Models;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The loop shared by USP's latent trainers (MAE pretraining, linear probe, fine-tuning), as MAE's
 * {@code train_one_epoch}: before each step the learning rate of the warmup + cosine schedule at MAE's fractional
 * epoch is set on every param group (each then steps with lr · its layer scale), the subclass computes the loss of
 * the step's batch, a non-finite loss stops training with an error (MAE exits), then backward, the optimiser step
 * and the subclass's after-step work (an EMA update). Metrics go to a {@link TrainListener} after every step.
 *
 * <p>Checkpoints ({@link TrainingCheckpoint}: model, EMA, optimiser, generators, step and the trainer's config as
 * JSON) are written every {@code checkpointEvery} steps and at the end of each {@link #train} call when a checkpoint
 * file was given. Batches depend only on (seed, step) ({@link LatentBatches}) and everything random besides is in
 * the checkpoint, so N steps in one go equal N/2 steps, a save, a {@link #resume} in a fresh trainer and N/2 more,
 * bit for bit.
 *
 * <p>Training runs where the model's weights are (subclasses move the model before building their optimiser, whose
 * state follows the parameters): each step's batch is drawn on the host and moved to that device whole, once.
 */
public abstract class LatentTrainer {
    private static final String DATA_KEY = "data";
    private final String kind;
    private final TrainSettings settings;
    private final LatentBatches batches;
    private final WarmupCosine schedule;
    private final Path checkpointFile;
    /** What the training cache was built from, kept in checkpoints under "data" so a resume on other data fails. */
    private final Map<String, Object> dataInfo;
    private long step;
    private long savedStep = -1;

    /**
     * @param kind           the trainer's name in its checkpoints' config (e.g. "usp-pretrain"); a checkpoint of
     *                       another kind is refused
     * @param checkpointFile where checkpoints go, or null for none
     */
    protected LatentTrainer(String kind, TrainSettings settings, LatentCache cache, Path checkpointFile) {
        LatentBatches.checkNotEmpty(cache, kind);
        this.kind = kind;
        this.settings = settings;
        this.batches = new LatentBatches(cache, settings.batchSize(), settings.seed());
        this.schedule = settings.plan().schedule(settings.lr(), settings.minLr());
        this.checkpointFile = checkpointFile;
        LatentCache.Spec spec = cache.spec();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("encoder", spec.encoder());
        data.put("scale_factor", spec.scaleFactor());
        data.put("dataset", spec.dataset());
        data.put("dataset_fingerprint", spec.datasetFingerprint());
        data.put("transform", spec.transform());
        data.put("flip", spec.flip());
        data.put("count", (long) cache.size());
        this.dataInfo = Json.parseObject(Json.write(data));
    }

    /** The optimiser the loop steps and the schedule sets (its param groups show the lr each parameter gets). */
    public abstract Optimizer optimizer();

    /** The model being trained. */
    public abstract Module model();

    /** The checkpoint contents: model, EMA, optimiser and named generators of this trainer. */
    protected abstract TrainingCheckpoint checkpointParts();

    /** The loss of one batch with a graph to the trainable parameters (the model put in train mode). */
    protected abstract Tensor loss(LatentBatches.Batch batch);

    /** After each optimiser step (EMA update); nothing by default. */
    protected void afterStep() {
    }

    /** The trainer's full configuration as JSON-ready values (stored in checkpoints, compared on resume). */
    public abstract Map<String, Object> configMap();

    /**
     * The param group of every trainable parameter, by state-dict name (frozen parameters are in none): shows which
     * names decay and the lr scale each one steps with.
     */
    public final Map<String, ParamGroup> paramGroupsByName() {
        Map<Tensor, ParamGroup> byTensor = new IdentityHashMap<>();
        for (ParamGroup g : optimizer().paramGroups()) {
            for (Tensor p : g.params()) {
                byTensor.put(p, g);
            }
        }
        Map<String, ParamGroup> out = new LinkedHashMap<>();
        model().namedParameters().forEach((name, p) -> {
            ParamGroup g = byTensor.get(p);
            if (g != null) {
                out.put(name, g);
            }
        });
        return out;
    }

    /** Where the model trains (and so where batches are moved): the device of its parameters. */
    public final Device device() {
        return Models.deviceOf(model());
    }

    public final String kind() {
        return kind;
    }

    public final TrainSettings settings() {
        return settings;
    }

    /** Optimiser steps done so far. */
    public final long step() {
        return step;
    }

    /** Full batches per epoch of the training cache. */
    public final int itersPerEpoch() {
        return batches.itersPerEpoch();
    }

    /** The steps of the whole schedule (where the cosine reaches min_lr). */
    public final long totalSteps() {
        return settings.plan().totalSteps(itersPerEpoch());
    }

    /** The learning rate (before layer scales) that step {@code s} (0-based) trains with. */
    public final double lrAt(long s) {
        return schedule.lr(settings.plan().position(s, itersPerEpoch()));
    }

    /** The batch of step {@code s}, as training draws it. */
    public final LatentBatches.Batch batchAt(long s) {
        return batches.batch(s);
    }

    /**
     * Trains until {@link #step()} reaches {@code untilStep} (past the schedule's end the lr stays at min_lr),
     * reporting each step to {@code listener}; returns the last step's metrics (null when no step ran).
     */
    public final TrainMetrics train(long untilStep, TrainListener listener) throws IOException {
        if (untilStep < step) {
            throw new IllegalArgumentException(kind + ": train until step " + untilStep + ", but " + step
                    + " steps are already done");
        }
        TrainListener out = listener == null ? TrainListener.none() : listener;
        int ipe = itersPerEpoch();
        TrainMetrics last = null;
        while (step < untilStep) {
            long t0 = System.nanoTime();
            double lr = schedule.apply(optimizer(), settings.plan().position(step, ipe));
            double value;
            // The step's activations, temporaries and gradients go back to the pool at its end (StepArena).
            try (StepArena scope = StepArena.open()) {
                Tensor loss = loss(batches.batch(step).to(device()));
                value = loss.item();
                if (!Double.isFinite(value)) {
                    throw new IllegalStateException(kind + ": loss is " + value + " at step " + step
                            + ", stopping training");
                }
                Optimizer opt = optimizer();
                opt.zeroGrad();
                loss.backward();
                opt.step();
                afterStep();
            }
            step++;
            double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
            last = new TrainMetrics(step, (double) step / ipe, value, lr, settings.batchSize() / seconds);
            out.onStep(last);
            if (checkpointFile != null && settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0) {
                save(checkpointFile, out);
            }
        }
        if (checkpointFile != null && last != null && savedStep != step) {
            save(checkpointFile, out);
        }
        return last;
    }

    private void save(Path file, TrainListener out) throws IOException {
        saveCheckpoint(file);
        out.onCheckpoint(step, file);
    }

    /** Writes a checkpoint of the current state to {@code file} (temp file, then rename). */
    public final void saveCheckpoint(Path file) throws IOException {
        Map<String, Object> config = new LinkedHashMap<>(configMap());
        config.put(DATA_KEY, dataInfo);
        checkpointParts().save(file, step, config);
        savedStep = step;
    }

    /**
     * Continues from a checkpoint written by a trainer of the same kind and configuration (checkpoint_every may
     * differ): restores model, EMA, optimiser, generators and the step; returns the step. A checkpoint of another
     * trainer or model, with other settings or trained on another latent cache, is an error naming what differs,
     * and nothing is loaded.
     */
    public final long resume(Path file) throws IOException {
        Map<String, Object> saved = readSaved(file);
        Object savedData = saved.remove(DATA_KEY);
        Object savedKind = saved.get("kind");
        if (!kind.equals(savedKind)) {
            throw new IllegalArgumentException(file + ": a checkpoint of '" + savedKind + "', not of '" + kind
                    + "' (nothing was loaded)");
        }
        Map<String, Object> own = Json.parseObject(Json.write(configMap()));
        List<String> diffs = new ArrayList<>();
        for (String k : new TreeSet<>(union(own.keySet(), saved.keySet()))) {
            if (!k.equals("checkpoint_every") && !Objects.equals(own.get(k), saved.get(k))) {
                diffs.add(k + ": checkpoint " + Json.write(saved.get(k)) + ", trainer " + Json.write(own.get(k)));
            }
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException(file + ": the checkpoint's " + kind + " configuration differs"
                    + " (nothing was loaded): " + String.join("; ", diffs));
        }
        if (savedData != null && !savedData.equals(dataInfo)) {
            throw new IllegalArgumentException(file + ": the checkpoint was trained on another latent cache"
                    + " (nothing was loaded): checkpoint " + Json.write(savedData) + ", trainer "
                    + Json.write(dataInfo));
        }
        TrainingCheckpoint.Restored r = checkpointParts().load(file);
        step = r.step();
        savedStep = step;
        return step;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    /**
     * The trainer config stored in a checkpoint (it says which trainer wrote it under "kind"), as the trainer's
     * {@code configMap()} gave it: what the config records' {@code fromMap} read.
     */
    public static Map<String, Object> readConfig(Path file) throws IOException {
        Map<String, Object> c = readSaved(file);
        c.remove(DATA_KEY);
        return c;
    }

    /** What the checkpoint's training cache was built from (encoder, dataset, fingerprint, count, ...), or null. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readDataInfo(Path file) throws IOException {
        return readSaved(file).get(DATA_KEY) instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    private static Map<String, Object> readSaved(Path file) throws IOException {
        try (SafetensorsFile f = Safetensors.open(file)) {
            return new LinkedHashMap<>(parseConfig(file, f));
        }
    }

    /** {@link #readConfig(Path)}, failing unless the checkpoint was written by a trainer of {@code kind}. */
    public static Map<String, Object> readConfig(Path file, String kind) throws IOException {
        Map<String, Object> c = readConfig(file);
        if (!kind.equals(c.get("kind"))) {
            throw new IllegalArgumentException(file + ": a checkpoint of '" + c.get("kind") + "', not of '" + kind
                    + "'");
        }
        return c;
    }

    private static Map<String, Object> parseConfig(Path file, SafetensorsFile f) throws IOException {
        Map<String, String> meta = f.metadata();
        if (!TrainingCheckpoint.FORMAT.equals(meta.get("format"))) {
            throw new IOException(file + ": not a usp4j training checkpoint (format '" + meta.get("format") + "')");
        }
        try {
            return Json.parseObject(meta.getOrDefault("config", "{}"));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": its config is not a JSON object: " + e.getMessage(), e);
        }
    }

    /**
     * The model weights ({@code part} "model") or the EMA's ("ema") in a checkpoint written by a trainer of
     * {@code kind}, by state-dict name.
     */
    public static Map<String, NDArray> readWeights(Path file, String kind, String part) throws IOException {
        try (SafetensorsFile f = Safetensors.open(file)) {
            Object k = parseConfig(file, f).get("kind");
            if (!kind.equals(k)) {
                throw new IllegalArgumentException(file + ": a checkpoint of '" + k + "', expected '" + kind + "'");
            }
            String prefix = part + ".";
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String name : f.names()) {
                if (name.startsWith(prefix)) {
                    out.put(name.substring(prefix.length()), f.get(name));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(file + ": holds no '" + part + "' weights");
            }
            return out;
        }
    }
}
