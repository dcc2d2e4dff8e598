package dev.usp4j.nn.vit;

import dev.usp4j.nn.ConfigArgs;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The sizes and head of a {@link VisionTransformer} classifier on latents (usp-spec §2.2), with timm's argument
 * names in {@link #fromMap}: img_size, patch_size, in_chans, num_classes, embed_dim, depth, num_heads, mlp_ratio,
 * global_pool ("avg" or "token", or MAE's boolean), drop_path_rate, and linear_probe (MAE's main_linprobe head:
 * BatchNorm1d(affine=False, eps 1e-6) before the Linear). qkv_bias is always on, LayerNorm eps 1e-6.
 */
public record VitConfig(int imgSize, int patchSize, int inChans, int numClasses, int embedDim, int depth,
                        int numHeads, double mlpRatio, GlobalPool globalPool, double dropPathRate,
                        boolean linearProbe) {

    /** How the token sequence becomes one feature vector. */
    public enum GlobalPool {
        /** Mean of the patch tokens (cls excluded), then {@code fc_norm}; the final {@code norm} is an identity. */
        AVG,
        /** The cls token after the final {@code norm}; {@code fc_norm} is an identity. */
        TOKEN
    }

    private static final Set<String> KEYS = Set.of("model", "img_size", "patch_size", "in_chans", "num_classes",
            "embed_dim", "depth", "num_heads", "mlp_ratio", "global_pool", "drop_path_rate", "linear_probe",
            "qkv_bias");

    public VitConfig {
        if (imgSize <= 0 || patchSize <= 0 || inChans <= 0 || numClasses <= 0 || embedDim <= 0 || numHeads <= 0
                || depth < 0) {
            throw new IllegalArgumentException("VitConfig: sizes must be positive (depth non-negative), got img_size="
                    + imgSize + ", patch_size=" + patchSize + ", in_chans=" + inChans + ", num_classes=" + numClasses
                    + ", embed_dim=" + embedDim + ", depth=" + depth + ", num_heads=" + numHeads);
        }
        if (imgSize % patchSize != 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("VitConfig: img_size " + imgSize + " must be a multiple of patch_size "
                    + patchSize + " and embed_dim " + embedDim + " of num_heads " + numHeads);
        }
        if (!(mlpRatio > 0) || (int) (embedDim * mlpRatio) <= 0) {
            throw new IllegalArgumentException("VitConfig: mlp_ratio must give a positive MLP width, got " + mlpRatio);
        }
        if (!(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("VitConfig: drop_path_rate must be in [0, 1), got " + dropPathRate);
        }
        if (globalPool == null) {
            throw new IllegalArgumentException("VitConfig: global_pool must be AVG or TOKEN");
        }
    }

    public int numPatches() {
        int g = imgSize / patchSize;
        return g * g;
    }

    public VitConfig withImgSize(int size) {
        return new VitConfig(size, patchSize, inChans, numClasses, embedDim, depth, numHeads, mlpRatio, globalPool,
                dropPathRate, linearProbe);
    }

    public VitConfig withNumClasses(int n) {
        return new VitConfig(imgSize, patchSize, inChans, n, embedDim, depth, numHeads, mlpRatio, globalPool,
                dropPathRate, linearProbe);
    }

    public VitConfig withDropPathRate(double rate) {
        return new VitConfig(imgSize, patchSize, inChans, numClasses, embedDim, depth, numHeads, mlpRatio,
                globalPool, rate, linearProbe);
    }

    /** MAE's linear probe: cls-token features and the BatchNorm1d + Linear head. */
    public VitConfig forLinearProbe() {
        return new VitConfig(imgSize, patchSize, inChans, numClasses, embedDim, depth, numHeads, mlpRatio,
                GlobalPool.TOKEN, dropPathRate, true);
    }

    /** Parameters of the built model, by arithmetic. */
    public long parameterCount() {
        long d = embedDim;
        long patch = (long) patchSize * patchSize * inChans * d + d;
        long body = patch + d + (numPatches() + 1L) * d + depth * MaeConfig.blockParameterCount(embedDim, mlpRatio)
                + 2 * d;
        return body + d * numClasses + numClasses;
    }

    /** A config from timm/MAE argument names; missing ones come from the named {@code "model"}, else ViT-B/2's. */
    public static VitConfig fromMap(Map<String, Object> json) {
        ConfigArgs a = new ConfigArgs("ViT config", json, KEYS);
        VitConfig b = MaeConfigs.vit(a.has("model") ? a.stringArg("model") : "ViT-B/2");
        if (!a.boolArg("qkv_bias", true)) {
            throw new IllegalArgumentException("ViT config: qkv_bias=false is not supported (USP's ViTs use it)");
        }
        GlobalPool pool = b.globalPool;
        Object gp = a.raw("global_pool");
        if (gp instanceof Boolean bool) {
            pool = bool ? GlobalPool.AVG : GlobalPool.TOKEN;
        } else if (gp != null) {
            pool = switch (String.valueOf(gp)) {
                case "avg" -> GlobalPool.AVG;
                case "token" -> GlobalPool.TOKEN;
                default -> throw new IllegalArgumentException("ViT config: global_pool must be \"avg\", \"token\","
                        + " true or false, got " + ConfigArgs.describe(gp));
            };
        }
        return new VitConfig(a.intArg("img_size", b.imgSize), a.intArg("patch_size", b.patchSize),
                a.intArg("in_chans", b.inChans), a.intArg("num_classes", b.numClasses),
                a.intArg("embed_dim", b.embedDim), a.intArg("depth", b.depth), a.intArg("num_heads", b.numHeads),
                a.doubleArg("mlp_ratio", b.mlpRatio), pool, a.doubleArg("drop_path_rate", b.dropPathRate),
                a.boolArg("linear_probe", b.linearProbe));
    }

    /** This config as a JSON-ready map (what {@link #fromMap} reads). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("img_size", imgSize);
        m.put("patch_size", patchSize);
        m.put("in_chans", inChans);
        m.put("num_classes", numClasses);
        m.put("embed_dim", embedDim);
        m.put("depth", depth);
        m.put("num_heads", numHeads);
        m.put("mlp_ratio", mlpRatio);
        m.put("global_pool", globalPool == GlobalPool.AVG ? "avg" : "token");
        m.put("drop_path_rate", dropPathRate);
        m.put("linear_probe", linearProbe);
        return m;
    }
}
