package dev.usp4j.nn.vit;

import dev.usp4j.nn.ConfigArgs;
import dev.usp4j.tensor.io.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The named sizes of USP's latent MAEs and ViT classifiers (usp-spec §1.6, §2.2) and the readers of JSON-style
 * argument maps. Names: {@code MAE-ViT-<size>/<patch>} and {@code ViT-<size>/<patch>} with sizes B (768 wide, 12
 * deep, 12 heads), L (1024, 24, 16), XL (1152, 28, 16; USP's non-standard size matching DiT-XL) and H (1280, 32, 16:
 * the effective second definition of vit_huge_patch_vae), all with the same 512-wide, 8-deep, 16-head decoder, and
 * three small sizes for CPU work that are usp4j's own: S (384, 12, 6 with a 256 × 4 decoder of 8 heads, the size of
 * the MAE peer benchmark in anchors.md), T (192, 12, 3 with a 128 × 2 decoder of 4 heads) and N (128, 4, 4 with a
 * 128 × 2 decoder of 4 heads: the encoder of DiT-N, for the quick pipeline). The patch is usually 2
 * (USP's /2 models; B/4 and L/4 are its "_2" variants). USP's code names (vit_base_patch_vae, vit_large_patch_vae,
 * vit_xlarge_patch_vae, vit_huge_patch_vae, vit_base_patch_vae_2, vit_large_patch_vae_2) are accepted too. Every
 * named config is on 4-channel latents of side 28 (224-px images, 196 tokens) with norm_pix_loss on, as the
 * official pretraining command; {@code withImgSize} changes the side.
 */
public final class MaeConfigs {
    /** The latent side of USP's 224-px pretraining. */
    public static final int DEFAULT_LATENT_SIZE = 28;

    private static final Set<String> MAE_KEYS = Set.of("model", "img_size", "patch_size", "in_chans", "embed_dim",
            "depth", "num_heads", "decoder_embed_dim", "decoder_depth", "decoder_num_heads", "mlp_ratio",
            "norm_pix_loss", "mask_ratio");

    private record Size(int width, int depth, int heads, int decWidth, int decDepth, int decHeads) {
    }

    private static final Map<String, Size> SIZES = new LinkedHashMap<>();
    private static final Map<String, String> CODE_NAMES = Map.of(
            "vit_base_patch_vae", "MAE-ViT-B/2",
            "vit_large_patch_vae", "MAE-ViT-L/2",
            "vit_xlarge_patch_vae", "MAE-ViT-XL/2",
            "vit_huge_patch_vae", "MAE-ViT-H/2",
            "vit_base_patch_vae_2", "MAE-ViT-B/4",
            "vit_large_patch_vae_2", "MAE-ViT-L/4");

    static {
        SIZES.put("T", new Size(192, 12, 3, 128, 2, 4));
        SIZES.put("N", new Size(128, 4, 4, 128, 2, 4));
        SIZES.put("S", new Size(384, 12, 6, 256, 4, 8));
        SIZES.put("B", new Size(768, 12, 12, 512, 8, 16));
        SIZES.put("L", new Size(1024, 24, 16, 512, 8, 16));
        SIZES.put("XL", new Size(1152, 28, 16, 512, 8, 16));
        SIZES.put("H", new Size(1280, 32, 16, 512, 8, 16));
    }

    private MaeConfigs() {
    }

    /** The names {@link #named} knows, with patch 2 (other patches are written the same way). */
    public static List<String> names() {
        return SIZES.keySet().stream().map(s -> "MAE-ViT-" + s + "/2").toList();
    }

    /** A named MAE on 28×28 latents, e.g. "MAE-ViT-B/2" or "vit_base_patch_vae". */
    public static MaeConfig named(String name) {
        return named(name, DEFAULT_LATENT_SIZE);
    }

    /** A named MAE on latents of side {@code latentSize}. */
    public static MaeConfig named(String name, int latentSize) {
        String full = CODE_NAMES.getOrDefault(name, name);
        if (!full.startsWith("MAE-ViT-")) {
            throw unknown(name);
        }
        int[] sizePatch = new int[1];
        Size s = parse(full.substring("MAE-ViT-".length()), sizePatch, name);
        return new MaeConfig(latentSize, sizePatch[0], 4, s.width, s.depth, s.heads, s.decWidth, s.decDepth,
                s.decHeads, 4.0, true, MaeConfig.DEFAULT_MASK_RATIO);
    }

    /** A named ViT classifier (global average pooling, 1000 classes) on 28×28 latents, e.g. "ViT-B/2". */
    public static VitConfig vit(String name) {
        if (!name.startsWith("ViT-")) {
            throw unknown(name);
        }
        int[] patch = new int[1];
        Size s = parse(name.substring("ViT-".length()), patch, name);
        return new VitConfig(DEFAULT_LATENT_SIZE, patch[0], 4, 1000, s.width, s.depth, s.heads, 4.0,
                VitConfig.GlobalPool.AVG, 0.0, false);
    }

    private static Size parse(String sizeSlashPatch, int[] patchOut, String name) {
        int slash = sizeSlashPatch.indexOf('/');
        if (slash < 0) {
            throw unknown(name);
        }
        Size s = SIZES.get(sizeSlashPatch.substring(0, slash).toUpperCase(Locale.ROOT));
        if (s == null) {
            throw unknown(name);
        }
        try {
            patchOut[0] = Integer.parseInt(sizeSlashPatch.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw unknown(name);
        }
        return s;
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown model name '" + name + "'; expected MAE-ViT-<size>/<patch> or"
                + " ViT-<size>/<patch> with size one of " + SIZES.keySet() + " (e.g. MAE-ViT-B/2), or one of "
                + CODE_NAMES.keySet());
    }

    /**
     * An MAE config from MAE's constructor arguments (plus mask_ratio). Missing arguments take MAE's constructor
     * defaults (img_size 224, patch_size 16, in_chans 3, embed_dim 1024, depth 24, num_heads 16, decoder 512/8/16,
     * mlp_ratio 4, norm_pix_loss false), or, when the map names a {@code "model"}, that named config's values.
     * Unknown keys are an error.
     */
    public static MaeConfig fromMap(Map<String, Object> json) {
        ConfigArgs a = new ConfigArgs("MAE config", json, MAE_KEYS);
        MaeConfig base = a.has("model") ? named(a.stringArg("model"))
                : new MaeConfig(224, 16, 3, 1024, 24, 16, 512, 8, 16, 4.0, false, MaeConfig.DEFAULT_MASK_RATIO);
        return new MaeConfig(a.intArg("img_size", base.imgSize()), a.intArg("patch_size", base.patchSize()),
                a.intArg("in_chans", base.inChans()), a.intArg("embed_dim", base.embedDim()),
                a.intArg("depth", base.depth()), a.intArg("num_heads", base.numHeads()),
                a.intArg("decoder_embed_dim", base.decoderEmbedDim()), a.intArg("decoder_depth", base.decoderDepth()),
                a.intArg("decoder_num_heads", base.decoderNumHeads()), a.doubleArg("mlp_ratio", base.mlpRatio()),
                a.boolArg("norm_pix_loss", base.normPixLoss()), a.doubleArg("mask_ratio", base.maskRatio()));
    }

    /** {@link #fromMap} of a JSON object's text. */
    public static MaeConfig fromJson(String json) {
        return fromMap(Json.parseObject(json));
    }
}
