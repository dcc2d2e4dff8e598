package dev.usp4j.usp.understand;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.losses.Losses;
import dev.usp4j.nn.losses.Reduction;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.nn.optim.ParamGroups;
import dev.usp4j.nn.vit.VisionTransformer;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.usp.pretrain.LatentBatches;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Full fine-tuning of pretrained MAE weights on latents (usp-spec §2.2, MAE's main_finetune): a
 * {@link VisionTransformer} with global average pooling and fc_norm (the head's weight trunc-normal std 2e-5), drop
 * path on a linear ramp, AdamW over MAE's layer-wise lr-decay groups ({@link ParamGroups#layerDecay}: layer id 0 for
 * cls_token, pos_embed and patch_embed, i + 1 for block i, the last id for the rest; lr scale decay^(L + 1 − id);
 * no weight decay for 1-D parameters and for timm's no_weight_decay names pos_embed, cls_token, dist_token), the lr
 * blr · batch / 256 under warmup + cosine, and cross-entropy with label smoothing. Inputs are the cache's scaled
 * posterior modes (flipped at random when the cache holds flips) with its labels; {@link #evaluate} gives top-1
 * accuracy on another cache.
 *
 * <p>The constructor seeds the default generator with the config's seed before building the model; drop path draws
 * from the default generator, whose state the checkpoints keep. Given a device, the ViT trains and evaluates there
 * (drop path draws its masks there, from the same generator); checkpoints are device-free.
 */
public final class FineTune extends EncoderClassifier<AdamW> {
    /** timm's VisionTransformer.no_weight_decay(), which MAE passes to param_groups_lrd. */
    private static final Set<String> NO_WEIGHT_DECAY = Set.of("pos_embed", "cls_token", "dist_token");

    private final FineTuneConfig config;

    /**
     * Fine-tuning of {@code pretrained} (an MAE state dict; null trains from scratch) on {@code cache}, checkpointing
     * to {@code checkpointFile} (null for none).
     */
    public FineTune(FineTuneConfig config, Map<String, NDArray> pretrained, LatentCache cache, Path checkpointFile) {
        this(config, pretrained, cache, checkpointFile, Device.CPU);
    }

    /** As {@link #FineTune(FineTuneConfig, Map, LatentCache, Path)}, training on {@code device}. */
    public FineTune(FineTuneConfig config, Map<String, NDArray> pretrained, LatentCache cache, Path checkpointFile,
                    Device device) {
        super("FineTune", FineTuneConfig.KIND, config.model(), config.train(), pretrained, cache, checkpointFile,
                device, model -> { }, model -> new AdamW(ParamGroups.layerDecay(model, config.train().lr(),
                        config.train().weightDecay(), NO_WEIGHT_DECAY, config.layerDecay()), config.beta1(),
                        config.beta2(), 1e-8));
        this.config = config;
    }

    /** A fine-tune rebuilt from the config in {@code checkpoint} and resumed from it. */
    public static FineTune resume(Path checkpoint, LatentCache cache, Path checkpointFile) throws IOException {
        return resume(checkpoint, cache, checkpointFile, Device.CPU);
    }

    /** As {@link #resume(Path, LatentCache, Path)}, on {@code device} (the checkpoint is loaded onto it). */
    public static FineTune resume(Path checkpoint, LatentCache cache, Path checkpointFile, Device device)
            throws IOException {
        FineTuneConfig config = FineTuneConfig.fromMap(readConfig(checkpoint, FineTuneConfig.KIND));
        FineTune f = new FineTune(config, null, cache, checkpointFile, device);
        f.resume(checkpoint);
        return f;
    }

    public FineTuneConfig config() {
        return config;
    }

    @Override
    protected Tensor loss(LatentBatches.Batch batch) {
        VisionTransformer model = model();
        model.train();
        return Losses.crossEntropy(model.forward(Tensor.of(batch.latents())), batch.labels(), Reduction.MEAN,
                config.labelSmoothing());
    }

    @Override
    public Map<String, Object> configMap() {
        return config.toMap();
    }
}
