package dev.usp4j.usp.understand;

import dev.usp4j.nn.ConfigArgs;
import dev.usp4j.nn.vit.MaeConfigs;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.TrainSettings;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What {@link LinearProbe} trains (usp-spec §2.2, MAE's main_linprobe): a ViT classifier with token pooling and the
 * BatchNorm1d + Linear head ({@link VitConfig#forLinearProbe}), the shared {@link TrainSettings}, and LARS's momentum
 * (0.9) and trust coefficient (0.001).
 *
 * <p>{@link #defaults}: blr 0.1, no weight decay, 10 warmup epochs of 90, cosine to 0, seed 0; the batch is the
 * recipe's per-GPU 512, since its effective batch (16384 in MAE's probe) is ImageNet-sized — the lr rule
 * blr · batch / 256 scales with it. Map form: "model" (a ViT config map or a name such as "ViT-B/2"),
 * "num_classes", the {@link TrainSettings} keys, momentum, trust_coefficient.
 */
public record LinearProbeConfig(VitConfig model, TrainSettings train, double momentum, double trustCoefficient) {
    /** The trainer kind written into checkpoints. */
    public static final String KIND = "usp-linear-probe";

    private static final Set<String> KEYS;

    static {
        Set<String> k = new HashSet<>(TrainSettings.KEYS);
        k.addAll(Set.of("kind", "model", "num_classes", "momentum", "trust_coefficient"));
        KEYS = Set.copyOf(k);
    }

    public LinearProbeConfig {
        if (model == null || train == null) {
            throw new IllegalArgumentException("LinearProbeConfig: model and train settings are required");
        }
        if (!model.linearProbe() || model.globalPool() != VitConfig.GlobalPool.TOKEN) {
            throw new IllegalArgumentException("LinearProbeConfig: the model must have token pooling and the"
                    + " BatchNorm head (use VitConfig.forLinearProbe()), got global_pool " + model.globalPool()
                    + ", linear_probe " + model.linearProbe());
        }
        if (!(momentum >= 0 && momentum < 1) || !(trustCoefficient > 0) || Double.isInfinite(trustCoefficient)) {
            throw new IllegalArgumentException("LinearProbeConfig: momentum must be in [0, 1) and trust_coefficient"
                    + " finite and > 0, got " + momentum + " and " + trustCoefficient);
        }
    }

    /** MAE's linear-probe recipe for {@code model} (turned into the probe form), per-GPU batch 512. */
    public static LinearProbeConfig defaults(VitConfig model) {
        return new LinearProbeConfig(model.forLinearProbe(),
                new TrainSettings(512, 0.1, 0.0, 0.0, LrPlan.epochs(10, 90), 1000, 0), 0.9, 0.001);
    }

    public LinearProbeConfig withTrain(TrainSettings t) {
        return new LinearProbeConfig(model, t, momentum, trustCoefficient);
    }

    /** The config as JSON-ready values, "kind" first. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", KIND);
        m.put("model", model.toMap());
        m.putAll(train.toMap());
        m.put("momentum", momentum);
        m.put("trust_coefficient", trustCoefficient);
        return m;
    }

    /** A config from a map: "model" is required, every other key defaults to {@link #defaults}. */
    public static LinearProbeConfig fromMap(Map<String, Object> map) {
        ConfigArgs a = new ConfigArgs("LinearProbeConfig", map, KEYS);
        checkKind(a, KIND);
        VitConfig model = vitModel(a, "LinearProbeConfig");
        LinearProbeConfig d = defaults(model);
        return new LinearProbeConfig(d.model, TrainSettings.fromArgs(a, d.train), a.doubleArg("momentum", d.momentum),
                a.doubleArg("trust_coefficient", d.trustCoefficient));
    }

    static void checkKind(ConfigArgs a, String kind) {
        if (a.has("kind") && !kind.equals(a.raw("kind"))) {
            throw new IllegalArgumentException("config kind is " + ConfigArgs.describe(a.raw("kind")) + ", expected \""
                    + kind + "\"");
        }
    }

    /** "model" as a ViT name or config map, with "num_classes" applied when given. */
    @SuppressWarnings("unchecked")
    static VitConfig vitModel(ConfigArgs a, String who) {
        Object m = a.raw("model");
        VitConfig model = switch (m) {
            case String name -> MaeConfigs.vit(name);
            case Map<?, ?> json -> VitConfig.fromMap((Map<String, Object>) json);
            case null -> throw new IllegalArgumentException(who + ": \"model\" (a ViT config or name) is required");
            default -> throw new IllegalArgumentException(who + ": \"model\" must be a name or a map, got "
                    + ConfigArgs.describe(m));
        };
        return model.withNumClasses(a.intArg("num_classes", model.numClasses()));
    }
}
