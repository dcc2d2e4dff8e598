package dev.usp4j.tensor;

/**
 * Geometry of a 2-D convolution or transposed convolution: strides, padding on each side (asymmetric allowed, as
 * the SD-VAE's (0,1,0,1) downsampling needs), dilation, groups and, for the transposed case, output padding.
 *
 * <p>For {@code conv2d} padding adds zeros around the input. For {@code conv_transpose2d} it follows PyTorch: the
 * full output has {@code (H−1)·stride + dilation·(kH−1) + 1} rows plus {@code outputPaddingH} at the bottom, and
 * padding crops {@code padTop} rows from its top and {@code padBottom} from its bottom (likewise for columns), so
 * the output height is {@code (H−1)·stride − padTop − padBottom + dilation·(kH−1) + outputPaddingH + 1}. PyTorch
 * itself only has symmetric transposed padding; asymmetric values crop the same way.
 */
public record Conv2dSpec(int strideH, int strideW, int padTop, int padBottom, int padLeft, int padRight,
                         int dilationH, int dilationW, int groups, int outputPaddingH, int outputPaddingW) {

    public Conv2dSpec {
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || groups < 1) {
            throw new IllegalArgumentException("conv2d: stride, dilation and groups must be >= 1, got " + this);
        }
        if (padTop < 0 || padBottom < 0 || padLeft < 0 || padRight < 0 || outputPaddingH < 0 || outputPaddingW < 0) {
            throw new IllegalArgumentException("conv2d: padding must be >= 0, got " + this);
        }
    }

    /** Stride 1, no padding, no dilation, one group. */
    public static Conv2dSpec defaults() {
        return new Conv2dSpec(1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0);
    }

    /** Symmetric geometry as in {@code nn.Conv2d(stride=s, padding=p)}. */
    public static Conv2dSpec of(int stride, int padding) {
        return new Conv2dSpec(stride, stride, padding, padding, padding, padding, 1, 1, 1, 0, 0);
    }

    public Conv2dSpec withStride(int h, int w) {
        return new Conv2dSpec(h, w, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups,
                outputPaddingH, outputPaddingW);
    }

    /** Padding in the order of {@code F.pad}: left, right, top, bottom. */
    public Conv2dSpec withPadding(int left, int right, int top, int bottom) {
        return new Conv2dSpec(strideH, strideW, top, bottom, left, right, dilationH, dilationW, groups,
                outputPaddingH, outputPaddingW);
    }

    public Conv2dSpec withDilation(int h, int w) {
        return new Conv2dSpec(strideH, strideW, padTop, padBottom, padLeft, padRight, h, w, groups,
                outputPaddingH, outputPaddingW);
    }

    public Conv2dSpec withGroups(int g) {
        return new Conv2dSpec(strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, g,
                outputPaddingH, outputPaddingW);
    }

    public Conv2dSpec withOutputPadding(int h, int w) {
        return new Conv2dSpec(strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups,
                h, w);
    }

    /** Output height of conv2d over an input of height {@code h} with a kernel of height {@code k}. */
    public int convOutH(int h, int k) {
        return Math.floorDiv(h + padTop + padBottom - dilationH * (k - 1) - 1, strideH) + 1;
    }

    /** Output width of conv2d. */
    public int convOutW(int w, int k) {
        return Math.floorDiv(w + padLeft + padRight - dilationW * (k - 1) - 1, strideW) + 1;
    }

    /** Output height of conv_transpose2d. */
    public int transposedOutH(int h, int k) {
        return (h - 1) * strideH - padTop - padBottom + dilationH * (k - 1) + outputPaddingH + 1;
    }

    /** Output width of conv_transpose2d. */
    public int transposedOutW(int w, int k) {
        return (w - 1) * strideW - padLeft - padRight + dilationW * (k - 1) + outputPaddingW + 1;
    }
}
