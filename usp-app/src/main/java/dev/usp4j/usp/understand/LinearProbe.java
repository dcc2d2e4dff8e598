package dev.usp4j.usp.understand;

import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.losses.Losses;
import dev.usp4j.nn.optim.LARS;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.nn.vit.VisionTransformer;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.usp.pretrain.LatentBatches;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Linear probing of pretrained MAE weights on latents (usp-spec §2.2, MAE's main_linprobe): a
 * {@link VisionTransformer} with token pooling whose backbone is frozen, so only the head — BatchNorm1d(D,
 * affine=False, eps 1e-6) then a Linear with trunc-normal std 0.01 weights — trains, with LARS (momentum 0.9, trust
 * 0.001; 1-D parameters get neither weight decay nor the trust scaling) at blr · batch / 256 under warmup + cosine
 * and plain cross-entropy. The model runs in train mode, so the BatchNorm's running statistics update; the frozen
 * backbone runs without a graph, which changes no number since nothing in it trains. Inputs are the cache's scaled
 * posterior modes (flipped at random when the cache holds flips) with its labels; {@link #evaluate} gives top-1
 * accuracy on another cache.
 *
 * <p>The constructor seeds the default generator with the config's seed before building the model. Given a device,
 * the probe (backbone and head) trains and evaluates there; checkpoints are device-free, so a run may resume on
 * another device.
 */
public final class LinearProbe extends EncoderClassifier<LARS> {
    private final LinearProbeConfig config;

    /**
     * A probe of {@code pretrained} (an MAE state dict, e.g. {@code MaskedLatentTrainer.readPretrained}; null for a
     * randomly initialised backbone) trained on {@code cache}, checkpointing to {@code checkpointFile} (null for
     * none).
     */
    public LinearProbe(LinearProbeConfig config, Map<String, NDArray> pretrained, LatentCache cache,
                       Path checkpointFile) {
        this(config, pretrained, cache, checkpointFile, Device.CPU);
    }

    /** As {@link #LinearProbe(LinearProbeConfig, Map, LatentCache, Path)}, training on {@code device}. */
    public LinearProbe(LinearProbeConfig config, Map<String, NDArray> pretrained, LatentCache cache,
                       Path checkpointFile, Device device) {
        super("LinearProbe", LinearProbeConfig.KIND, config.model(), config.train(), pretrained, cache,
                checkpointFile, device, VisionTransformer::freezeBackbone,
                model -> new LARS(List.of(new ParamGroup("head", model.head.parameters(), config.train().lr(),
                        config.train().weightDecay(), 1.0)), config.momentum(), config.trustCoefficient()));
        this.config = config;
    }

    /**
     * A probe rebuilt from the config in {@code checkpoint} and resumed from it (the backbone comes from the
     * checkpoint, so no pretrained weights are needed); further checkpoints go to {@code checkpointFile}.
     */
    public static LinearProbe resume(Path checkpoint, LatentCache cache, Path checkpointFile) throws IOException {
        return resume(checkpoint, cache, checkpointFile, Device.CPU);
    }

    /** As {@link #resume(Path, LatentCache, Path)}, on {@code device} (the checkpoint is loaded onto it). */
    public static LinearProbe resume(Path checkpoint, LatentCache cache, Path checkpointFile, Device device)
            throws IOException {
        LinearProbeConfig config = LinearProbeConfig.fromMap(readConfig(checkpoint, LinearProbeConfig.KIND));
        LinearProbe p = new LinearProbe(config, null, cache, checkpointFile, device);
        p.resume(checkpoint);
        return p;
    }

    public LinearProbeConfig config() {
        return config;
    }

    @Override
    protected Tensor loss(LatentBatches.Batch batch) {
        VisionTransformer model = model();
        model.train();
        NDArray features;
        try (GradMode.Scope s = GradMode.noGrad()) {
            features = model.forwardFeatures(Tensor.of(batch.latents())).data();
        }
        Tensor logits = model.head.forward(model.headDrop.forward(Tensor.of(features)));
        return Losses.crossEntropy(logits, batch.labels());
    }

    @Override
    public Map<String, Object> configMap() {
        return config.toMap();
    }

    /** The classifier ViT of the pretraining run's encoder (its recorded MAE config) on these latents. */
    public static VitConfig vitForPretrained(Path pretrainCheckpoint, LatentCache c, int classes)
            throws IOException {
        Map<String, String> meta;
        try (var f = dev.usp4j.tensor.io.Safetensors.open(pretrainCheckpoint)) {
            meta = f.metadata();
        }
        Object model = meta.containsKey("config")
                ? dev.usp4j.tensor.io.Json.parseObject(meta.get("config")).get("model") : null;
        if (!(model instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(pretrainCheckpoint + " records no MAE config (not a ./usp pretrain"
                    + " checkpoint?)");
        }
        int[] z = c.latentShape();
        return VitConfig.fromMap(Map.of("img_size", z[1], "patch_size", m.get("patch_size"), "in_chans", z[0],
                "num_classes", classes, "embed_dim", m.get("embed_dim"), "depth", m.get("depth"), "num_heads",
                m.get("num_heads"), "global_pool", "token", "linear_probe", true));
    }
}
