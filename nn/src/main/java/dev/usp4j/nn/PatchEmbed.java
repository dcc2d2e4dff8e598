package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.Conv2dSpec;
import java.util.Arrays;

/**
 * Image (or latent) to patch tokens as timm 0.9.12's {@code PatchEmbed}: {@code proj}, a Conv2d(in_chans, embed_dim)
 * with kernel = stride = patch, then the [B, D, H/p, W/p] map flattened to [B, N, D] tokens in row-major order,
 * then {@code norm} (identity). USP's "PatchConv" and DiT's {@code x_embedder} are this with patch 2 on 4-channel
 * latents. Sizes are fixed at construction (timm's strict_img_size): the image must be divisible by the patch, and
 * inputs must have exactly that size.
 */
public final class PatchEmbed extends UnaryModule {
    public final Conv2d proj;
    public final Identity norm;
    private final int imgH;
    private final int imgW;
    private final int patchH;
    private final int patchW;
    private final int inChans;

    /** Square images and patches, with bias. */
    public PatchEmbed(int imgSize, int patchSize, int inChans, int embedDim) {
        this(imgSize, imgSize, patchSize, patchSize, inChans, embedDim, true);
    }

    public PatchEmbed(int imgH, int imgW, int patchH, int patchW, int inChans, int embedDim, boolean bias) {
        if (patchH <= 0 || patchW <= 0 || imgH <= 0 || imgW <= 0 || imgH % patchH != 0 || imgW % patchW != 0) {
            throw new IllegalArgumentException("PatchEmbed: image size " + imgH + "x" + imgW
                    + " must be a positive multiple of the patch size " + patchH + "x" + patchW);
        }
        this.imgH = imgH;
        this.imgW = imgW;
        this.patchH = patchH;
        this.patchW = patchW;
        this.inChans = inChans;
        Conv2dSpec spec = Conv2dSpec.defaults().withStride(patchH, patchW);
        this.proj = registerModule("proj", new Conv2d(inChans, embedDim, patchH, patchW, spec, bias));
        this.norm = registerModule("norm", new Identity());
    }

    /** Patches per column and per row: {H/p, W/p}. */
    public int[] gridSize() {
        return new int[] {imgH / patchH, imgW / patchW};
    }

    public int numPatches() {
        return imgH / patchH * (imgW / patchW);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4 || x.size(1) != inChans || x.size(2) != imgH || x.size(3) != imgW) {
            throw new IllegalArgumentException("PatchEmbed(img " + imgH + "x" + imgW + ", patch " + patchH + "x"
                    + patchW + "): expects [B, " + inChans + ", " + imgH + ", " + imgW + "], got "
                    + Arrays.toString(x.shape()));
        }
        return norm.forward(proj.forward(x).flatten(2, 3).transpose(1, 2));
    }
}
