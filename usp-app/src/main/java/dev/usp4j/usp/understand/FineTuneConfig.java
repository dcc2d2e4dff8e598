package dev.usp4j.usp.understand;

import dev.usp4j.nn.ConfigArgs;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.TrainSettings;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What {@link FineTune} trains (usp-spec §2.2, MAE's main_finetune): a ViT classifier (global average pooling +
 * fc_norm by default; drop_path is its {@code dropPathRate}), the shared {@link TrainSettings}, the layer-wise lr
 * decay (0.75), label smoothing (0.1) and AdamW's betas (timm's defaults 0.9, 0.999).
 *
 * <p>{@link #defaults}: blr 1e-3, weight decay 0.05, 5 warmup epochs of 50, cosine to min_lr 1e-6, drop_path 0.1,
 * seed 0, and the recipe's per-GPU batch 64 (its multi-GPU effective batch is ImageNet-sized; the lr rule
 * blr · batch / 256 scales with the batch). Mixup, CutMix, RandAugment and random erasing are pixel-space
 * augmentations of the recipe that a latent cache cannot apply; they are left out (the spec's defaults have mixup
 * and cutmix off). Map form: "model" (a ViT config map or a name such as "ViT-B/2"; a name gets drop_path 0.1),
 * "num_classes", "drop_path", the {@link TrainSettings} keys, layer_decay, smoothing, beta1, beta2.
 */
public record FineTuneConfig(VitConfig model, TrainSettings train, double layerDecay, double labelSmoothing,
                             double beta1, double beta2) {
    /** The trainer kind written into checkpoints. */
    public static final String KIND = "usp-finetune";

    private static final Set<String> KEYS;

    static {
        Set<String> k = new HashSet<>(TrainSettings.KEYS);
        k.addAll(Set.of("kind", "model", "num_classes", "drop_path", "layer_decay", "smoothing", "beta1", "beta2"));
        KEYS = Set.copyOf(k);
    }

    public FineTuneConfig {
        if (model == null || train == null) {
            throw new IllegalArgumentException("FineTuneConfig: model and train settings are required");
        }
        if (model.linearProbe()) {
            throw new IllegalArgumentException("FineTuneConfig: the model has the linear-probe head (BatchNorm +"
                    + " Linear); fine-tuning uses a plain Linear head");
        }
        if (!(layerDecay > 0 && layerDecay <= 1)) {
            throw new IllegalArgumentException("FineTuneConfig: layer_decay must be in (0, 1], got " + layerDecay);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("FineTuneConfig: smoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("FineTuneConfig: betas must be in [0, 1), got (" + beta1 + ", " + beta2
                    + ")");
        }
    }

    /** MAE's fine-tuning recipe (USP's main_finetune defaults) for {@code model}, keeping its drop_path. */
    public static FineTuneConfig defaults(VitConfig model) {
        return new FineTuneConfig(model, new TrainSettings(64, 1e-3, 1e-6, 0.05, LrPlan.epochs(5, 50), 1000, 0),
                0.75, 0.1, 0.9, 0.999);
    }

    /** {@link #defaults} with the recipe's drop_path 0.1 set on {@code model}. */
    public static FineTuneConfig recipe(VitConfig model) {
        return defaults(model.withDropPathRate(0.1));
    }

    /**
     * The recipe for a classifier of {@code probe}'s encoder size (average pooling, a plain Linear head):
     * {@code steps} steps of batch {@code batch} at base lr {@code blr} (a tenth of them warmup), the given layer
     * decay, label smoothing and drop path, a checkpoint every quarter.
     */
    public static FineTuneConfig forClassifier(VitConfig probe, int batch, double blr, long steps, double layerDecay,
                                               double labelSmoothing, double dropPath) {
        VitConfig vit = new VitConfig(probe.imgSize(), probe.patchSize(), probe.inChans(), probe.numClasses(),
                probe.embedDim(), probe.depth(), probe.numHeads(), probe.mlpRatio(), VitConfig.GlobalPool.AVG,
                dropPath, false);
        FineTuneConfig d = defaults(vit);
        TrainSettings t = d.train().withBatchSize(batch).withBlr(blr)
                .withPlan(LrPlan.steps(Math.max(1, steps / 10), steps)).withCheckpointEvery(Math.max(1, steps / 4));
        return new FineTuneConfig(vit, t, layerDecay, labelSmoothing, d.beta1(), d.beta2());
    }

    public FineTuneConfig withTrain(TrainSettings t) {
        return new FineTuneConfig(model, t, layerDecay, labelSmoothing, beta1, beta2);
    }

    /** The config as JSON-ready values, "kind" first. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", KIND);
        m.put("model", model.toMap());
        m.putAll(train.toMap());
        m.put("layer_decay", layerDecay);
        m.put("smoothing", labelSmoothing);
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        return m;
    }

    /** A config from a map: "model" is required, every other key defaults to {@link #recipe}'s. */
    public static FineTuneConfig fromMap(Map<String, Object> map) {
        ConfigArgs a = new ConfigArgs("FineTuneConfig", map, KEYS);
        LinearProbeConfig.checkKind(a, KIND);
        VitConfig model = LinearProbeConfig.vitModel(a, "FineTuneConfig");
        double dropPath = a.doubleArg("drop_path", a.raw("model") instanceof String ? 0.1 : model.dropPathRate());
        FineTuneConfig d = defaults(model.withDropPathRate(dropPath));
        return new FineTuneConfig(d.model, TrainSettings.fromArgs(a, d.train), a.doubleArg("layer_decay",
                d.layerDecay), a.doubleArg("smoothing", d.labelSmoothing), a.doubleArg("beta1", d.beta1),
                a.doubleArg("beta2", d.beta2));
    }
}
