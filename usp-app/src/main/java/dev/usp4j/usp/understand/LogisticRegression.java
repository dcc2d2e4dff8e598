package dev.usp4j.usp.understand;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.nn.losses.Losses;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.pretrain.LatentBatches;
import dev.usp4j.usp.pretrain.LatentTrainer;
import dev.usp4j.usp.pretrain.TrainSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multinomial logistic regression on a cache's flattened samples (one Linear layer, softmax cross-entropy, AdamW):
 * the floor of the reproduction study's understanding table when run on a {@code PixelEncoder} cache, i.e. what a
 * linear classifier gets from raw pixels with no representation learning at all. It trains through the same
 * {@link LatentTrainer} loop as the probes (batch order, schedule and checkpoints from {@link TrainSettings}).
 */
public final class LogisticRegression extends LatentTrainer {
    /** The trainer kind written into checkpoints. */
    public static final String KIND = "usp-logistic-regression";

    private final Linear model;
    private final AdamW optimizer;
    private final int classes;

    /** A fresh classifier of {@code cache}'s samples into {@code classes} classes, checkpointing to the file (or not). */
    public LogisticRegression(TrainSettings settings, int classes, LatentCache cache, Path checkpointFile) {
        this(settings, classes, cache, checkpointFile, Device.CPU);
    }

    /** As {@link #LogisticRegression(TrainSettings, int, LatentCache, Path)}, training on {@code device}. */
    public LogisticRegression(TrainSettings settings, int classes, LatentCache cache, Path checkpointFile,
                              Device device) {
        super(KIND, settings, cache, checkpointFile);
        if (classes < 2) {
            throw new IllegalArgumentException("LogisticRegression: need at least 2 classes, got " + classes);
        }
        this.classes = classes;
        int features = features(cache);
        Generator.manualSeed(settings.seed());
        this.model = new Linear(features, classes);
        model.to(device);  // before the optimiser, whose state follows the parameters' device
        this.optimizer = new AdamW(List.of(new ParamGroup("linear", model.parameters(), settings.lr(),
                settings.weightDecay(), 1.0)), 0.9, 0.999, 1e-8);
    }

    private static int features(LatentCache cache) {
        int n = 1;
        for (int d : cache.latentShape()) {
            n *= d;
        }
        return n;
    }

    @Override
    public Linear model() {
        return model;
    }

    @Override
    public AdamW optimizer() {
        return optimizer;
    }

    @Override
    protected TrainingCheckpoint checkpointParts() {
        return new TrainingCheckpoint(model).withOptimizer(optimizer);
    }

    @Override
    protected Tensor loss(LatentBatches.Batch batch) {
        NDArray x = batch.latents();
        return Losses.crossEntropy(model.forward(Tensor.of(x.reshape(x.size(0), -1))), batch.labels());
    }

    /** Top-1 accuracy in [0, 1] on every sample of {@code cache}. */
    public double evaluate(LatentCache cache) {
        if (features(cache) != model.weight.data().size(1)) {
            throw new IllegalArgumentException("LogisticRegression: " + cache.file() + " holds samples of shape "
                    + java.util.Arrays.toString(cache.latentShape()) + ", the model was trained on "
                    + model.weight.data().size(1) + " features");
        }
        long correct = 0;
        int batch = settings().batchSize();
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int start = 0; start < cache.size(); start += batch) {
                int b = Math.min(batch, cache.size() - start);
                LatentBatches.Batch bt = LatentBatches.sequential(cache, start, b);
                NDArray x = bt.latents().to(device());
                long[] p = model.forward(Tensor.of(x.reshape(b, -1))).data().argmax(1, false).toLongArray();
                long[] y = bt.labels().toLongArray();
                for (int i = 0; i < b; i++) {
                    correct += p[i] == y[i] ? 1 : 0;
                }
            }
        }
        return (double) correct / cache.size();
    }

    @Override
    public Map<String, Object> configMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", KIND);
        m.put("num_classes", classes);
        m.putAll(settings().toMap());
        return m;
    }
}
