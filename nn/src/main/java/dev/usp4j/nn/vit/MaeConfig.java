package dev.usp4j.nn.vit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sizes of a {@link MaskedAutoencoderViT}, named after the constructor arguments of MAE's
 * {@code MaskedAutoencoderViT} (img_size, patch_size, in_chans, embed_dim, depth, num_heads, decoder_embed_dim,
 * decoder_depth, decoder_num_heads, mlp_ratio, norm_pix_loss) plus the mask ratio its forward takes. On USP's
 * latents img_size is the latent side (28 for 224-px images), patch_size 2 and in_chans 4 (usp-spec §1.4, §1.6).
 * {@link MaeConfigs} holds the named sizes and reads JSON maps; the parameter counts here are the config's
 * arithmetic, so the full-size models can be sized without allocating them.
 */
public record MaeConfig(int imgSize, int patchSize, int inChans, int embedDim, int depth, int numHeads,
                        int decoderEmbedDim, int decoderDepth, int decoderNumHeads, double mlpRatio,
                        boolean normPixLoss, double maskRatio) {

    /** MAE's and USP's mask ratio. */
    public static final double DEFAULT_MASK_RATIO = 0.75;

    public MaeConfig {
        positive("img_size", imgSize);
        positive("patch_size", patchSize);
        positive("in_chans", inChans);
        positive("embed_dim", embedDim);
        positive("num_heads", numHeads);
        positive("decoder_embed_dim", decoderEmbedDim);
        positive("decoder_num_heads", decoderNumHeads);
        if (depth < 0 || decoderDepth < 0) {
            throw new IllegalArgumentException("MaeConfig: depth (" + depth + ") and decoder_depth (" + decoderDepth
                    + ") must not be negative");
        }
        if (imgSize % patchSize != 0) {
            throw new IllegalArgumentException("MaeConfig: img_size " + imgSize + " must be a multiple of patch_size "
                    + patchSize);
        }
        if (embedDim % numHeads != 0 || decoderEmbedDim % decoderNumHeads != 0) {
            throw new IllegalArgumentException("MaeConfig: embed_dim " + embedDim + " / num_heads " + numHeads
                    + " and decoder_embed_dim " + decoderEmbedDim + " / decoder_num_heads " + decoderNumHeads
                    + " must divide evenly");
        }
        if (embedDim % 4 != 0 || decoderEmbedDim % 4 != 0) {
            throw new IllegalArgumentException("MaeConfig: embed_dim " + embedDim + " and decoder_embed_dim "
                    + decoderEmbedDim + " must be multiples of 4 (the 2-D sin-cos position embedding)");
        }
        if (!(mlpRatio > 0) || (int) (embedDim * mlpRatio) <= 0 || (int) (decoderEmbedDim * mlpRatio) <= 0) {
            throw new IllegalArgumentException("MaeConfig: mlp_ratio must give a positive MLP width, got " + mlpRatio);
        }
        if (!(maskRatio >= 0 && maskRatio < 1)) {
            throw new IllegalArgumentException("MaeConfig: mask_ratio must be in [0, 1), got " + maskRatio);
        }
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException("MaeConfig: " + name + " must be positive, got " + v);
        }
    }

    /** Patches per side. */
    public int gridSize() {
        return imgSize / patchSize;
    }

    /** Tokens per image, L = (img/patch)². */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** Values per patch, p²·C (the decoder's output and the loss target's width). */
    public int patchDim() {
        return patchSize * patchSize * inChans;
    }

    /** Visible tokens per image: int(L·(1 − mask_ratio)), as MAE's random_masking. */
    public int keepCount(double ratio) {
        return (int) (numPatches() * (1 - ratio));
    }

    public MaeConfig withImgSize(int size) {
        return new MaeConfig(size, patchSize, inChans, embedDim, depth, numHeads, decoderEmbedDim, decoderDepth,
                decoderNumHeads, mlpRatio, normPixLoss, maskRatio);
    }

    public MaeConfig withNormPixLoss(boolean value) {
        return new MaeConfig(imgSize, patchSize, inChans, embedDim, depth, numHeads, decoderEmbedDim, decoderDepth,
                decoderNumHeads, mlpRatio, value, maskRatio);
    }

    public MaeConfig withMaskRatio(double ratio) {
        return new MaeConfig(imgSize, patchSize, inChans, embedDim, depth, numHeads, decoderEmbedDim, decoderDepth,
                decoderNumHeads, mlpRatio, normPixLoss, ratio);
    }

    /** Parameters of one timm Block of width {@code dim}: two LayerNorms, qkv, proj, fc1, fc2. */
    public static long blockParameterCount(int dim, double mlpRatio) {
        long d = dim;
        long h = (int) (dim * mlpRatio);
        return 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d);
    }

    /** Encoder parameters: patch embed, cls token, pos_embed (frozen, counted), blocks, final norm. */
    public long encoderParameterCount() {
        long d = embedDim;
        long patch = (long) patchDim() * d + d;
        return patch + d + (numPatches() + 1L) * d + depth * blockParameterCount(embedDim, mlpRatio) + 2 * d;
    }

    /** Decoder parameters: decoder_embed, mask_token, decoder_pos_embed (frozen), blocks, norm, pred. */
    public long decoderParameterCount() {
        long d = embedDim;
        long dd = decoderEmbedDim;
        return d * dd + dd + dd + (numPatches() + 1L) * dd
                + decoderDepth * blockParameterCount(decoderEmbedDim, mlpRatio) + 2 * dd
                + dd * patchDim() + patchDim();
    }

    /** All parameters, as {@code parameterCount()} of the built model (frozen pos embeddings included). */
    public long parameterCount() {
        return encoderParameterCount() + decoderParameterCount();
    }

    /** The parameters that train (everything except the two fixed sin-cos tables). */
    public long trainableParameterCount() {
        return parameterCount() - (numPatches() + 1L) * (embedDim + decoderEmbedDim);
    }

    /** This config as a JSON-ready map with MAE's argument names (what {@link MaeConfigs#fromMap} reads). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("img_size", imgSize);
        m.put("patch_size", patchSize);
        m.put("in_chans", inChans);
        m.put("embed_dim", embedDim);
        m.put("depth", depth);
        m.put("num_heads", numHeads);
        m.put("decoder_embed_dim", decoderEmbedDim);
        m.put("decoder_depth", decoderDepth);
        m.put("decoder_num_heads", decoderNumHeads);
        m.put("mlp_ratio", mlpRatio);
        m.put("norm_pix_loss", normPixLoss);
        m.put("mask_ratio", maskRatio);
        return m;
    }
}
