package dev.usp4j.usp.understand;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.LoadReport;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.nn.optim.Optimizer;
import dev.usp4j.nn.vit.VisionTransformer;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.pretrain.LatentTrainer;
import dev.usp4j.usp.pretrain.TrainSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What {@link LinearProbe} and {@link FineTune} share: a {@link VisionTransformer} classifier over a latent cache,
 * built from the config's ViT after seeding the default generator with the train seed (so a run is repeatable and
 * a resumed one rebuilds the same model), loaded from MAE weights (or left random), moved to the device and trained
 * by an optimiser of the variant's choosing; checkpoints hold the model and that optimiser, and {@link #evaluate}
 * gives top-1 accuracy. The variants differ in pooling, which parameters train, the optimiser and the loss.
 *
 * @param <O> the optimiser: LARS over the head for the probe, layer-decayed AdamW for fine-tuning
 */
public abstract sealed class EncoderClassifier<O extends Optimizer> extends LatentTrainer
        permits FineTune, LinearProbe {
    private final String who;
    private final VisionTransformer model;
    private final O optimizer;
    private final LoadReport pretrainedReport;

    /**
     * {@code beforeDevice} changes the model after the weights are loaded on the host (the probe freezes its
     * backbone there); the optimiser is built last, on the device, since its state follows the parameters.
     */
    EncoderClassifier(String who, String kind, VitConfig vit, TrainSettings train, Map<String, NDArray> pretrained,
                      LatentCache cache, Path checkpointFile, Device device, Consumer<VisionTransformer> beforeDevice,
                      Function<VisionTransformer, O> optimizer) {
        super(kind, train, cache, checkpointFile);
        Top1.checkCache(who, cache, vit);
        this.who = who;
        Generator.manualSeed(train.seed());
        this.model = new VisionTransformer(vit, Generator.defaultGenerator());
        this.pretrainedReport = Top1.loadMae(who, model, pretrained);
        beforeDevice.accept(model);
        model.to(device);
        this.optimizer = optimizer.apply(model);
    }

    @Override
    public final VisionTransformer model() {
        return model;
    }

    @Override
    public final O optimizer() {
        return optimizer;
    }

    /** What loading the pretrained weights reported (null when the model started from random weights). */
    public final LoadReport pretrainedReport() {
        return pretrainedReport;
    }

    /** Top-1 accuracy in [0, 1] on every sample of {@code cache}, in eval mode. */
    public final double evaluate(LatentCache cache) {
        return Top1.evaluate(who, model, cache, settings().batchSize());
    }

    @Override
    protected final TrainingCheckpoint checkpointParts() {
        return new TrainingCheckpoint(model).withOptimizer(optimizer);
    }
}
