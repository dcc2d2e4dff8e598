package dev.usp4j.usp.pretrain;

import dev.usp4j.nn.ConfigArgs;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.nn.vit.MaeConfigs;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What {@link MaskedLatentTrainer} trains (usp-spec §1.10): the MAE (its mask ratio, 0.75, and norm_pix_loss, on,
 * live in {@link MaeConfig}), the shared {@link TrainSettings}, AdamW's betas (0.9, 0.95) and an optional EMA of the
 * weights (decay 0 = none; USP's pretraining keeps none).
 *
 * <p>{@link #defaults} is the official recipe — blr 1.5e-4, weight decay 0.05, 40 warmup epochs of 800, cosine to
 * min_lr 0, seed 0 — except the batch: the recipe's effective 4096 (64 GPUs × 64) is ImageNet-sized, so one process
 * runs the recipe's per-GPU batch, 64, and the lr rule blr · batch / 256 scales the lr down with it. Checkpoints
 * every 1000 steps by default (the recipe writes one every 40 epochs). Map form ({@link #toMap}, {@link #fromMap}):
 * "model" (an MAE config map or a name such as "MAE-ViT-B/2"), the {@link TrainSettings} keys, beta1, beta2,
 * ema_decay.
 */
public record PretrainConfig(MaeConfig model, TrainSettings train, double beta1, double beta2, double emaDecay) {
    /** The trainer kind written into checkpoints. */
    public static final String KIND = "usp-pretrain";

    private static final Set<String> KEYS;

    static {
        Set<String> k = new HashSet<>(TrainSettings.KEYS);
        k.addAll(Set.of("kind", "model", "beta1", "beta2", "ema_decay"));
        KEYS = Set.copyOf(k);
    }

    public PretrainConfig {
        if (model == null || train == null) {
            throw new IllegalArgumentException("PretrainConfig: model and train settings are required");
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("PretrainConfig: betas must be in [0, 1), got (" + beta1 + ", " + beta2
                    + ")");
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("PretrainConfig: ema_decay must be in [0, 1) (0 = no EMA), got "
                    + emaDecay);
        }
    }

    /** USP's pretraining recipe for {@code model}, with the per-GPU batch of 64 (see the class comment). */
    public static PretrainConfig defaults(MaeConfig model) {
        return new PretrainConfig(model, new TrainSettings(64, 1.5e-4, 0.0, 0.05, LrPlan.epochs(40, 800), 1000, 0),
                0.9, 0.95, 0.0);
    }

    public PretrainConfig withTrain(TrainSettings t) {
        return new PretrainConfig(model, t, beta1, beta2, emaDecay);
    }

    public PretrainConfig withEmaDecay(double decay) {
        return new PretrainConfig(model, train, beta1, beta2, decay);
    }

    /** Whether an EMA of the weights is kept. */
    public boolean hasEma() {
        return emaDecay > 0;
    }

    /** The config as JSON-ready values, "kind" first. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", KIND);
        m.put("model", model.toMap());
        m.putAll(train.toMap());
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        m.put("ema_decay", emaDecay);
        return m;
    }

    /** A config from a map: "model" is required, every other key defaults to {@link #defaults}. */
    @SuppressWarnings("unchecked")
    public static PretrainConfig fromMap(Map<String, Object> map) {
        ConfigArgs a = new ConfigArgs("PretrainConfig", map, KEYS);
        if (a.has("kind") && !KIND.equals(a.raw("kind"))) {
            throw new IllegalArgumentException("PretrainConfig: kind is " + ConfigArgs.describe(a.raw("kind"))
                    + ", expected \"" + KIND + "\"");
        }
        Object m = a.raw("model");
        MaeConfig model = switch (m) {
            case String name -> MaeConfigs.named(name);
            case Map<?, ?> json -> MaeConfigs.fromMap((Map<String, Object>) json);
            case null -> throw new IllegalArgumentException("PretrainConfig: \"model\" (an MAE config or name) is"
                    + " required");
            default -> throw new IllegalArgumentException("PretrainConfig: \"model\" must be a name or a map, got "
                    + ConfigArgs.describe(m));
        };
        PretrainConfig d = defaults(model);
        return new PretrainConfig(model, TrainSettings.fromArgs(a, d.train), a.doubleArg("beta1", d.beta1),
                a.doubleArg("beta2", d.beta2), a.doubleArg("ema_decay", d.emaDecay));
    }
}
