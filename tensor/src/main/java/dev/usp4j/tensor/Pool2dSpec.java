package dev.usp4j.tensor;

/**
 * Geometry of {@code avg_pool2d}, with PyTorch's meaning for every field: kernel, stride, symmetric padding,
 * {@code ceil_mode} (a last window may start inside the padded input and hang over its end),
 * {@code count_include_pad} and {@code divisor_override} (0 for none).
 */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                         boolean ceilMode, boolean countIncludePad, int divisorOverride) {

    public Pool2dSpec {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0 || divisorOverride < 0) {
            throw new IllegalArgumentException("avg_pool2d: invalid geometry " + this);
        }
        if (padH * 2 > kernelH || padW * 2 > kernelW) {
            throw new IllegalArgumentException("avg_pool2d: padding should be at most half the kernel, got " + this);
        }
    }

    /** Kernel k, stride k, no padding: {@code nn.AvgPool2d(k)}. */
    public static Pool2dSpec of(int k) {
        return new Pool2dSpec(k, k, k, k, 0, 0, false, true, 0);
    }

    /** Output extent along one axis, following PyTorch's pooling_output_shape. */
    public static int outSize(int in, int k, int pad, int stride, boolean ceil) {
        int num = in + 2 * pad - k + (ceil ? stride - 1 : 0);
        int out = Math.floorDiv(num, stride) + 1;
        if (ceil && (out - 1) * stride >= in + pad) {
            out--;
        }
        return out;
    }

    public int outH(int h) {
        return outSize(h, kernelH, padH, strideH, ceilMode);
    }

    public int outW(int w) {
        return outSize(w, kernelW, padW, strideW, ceilMode);
    }
}
