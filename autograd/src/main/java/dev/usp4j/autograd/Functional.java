package dev.usp4j.autograd;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;

/**
 * {@code torch.nn.functional} for {@link Tensor}s: the differentiable convolution, normalisation, resampling,
 * pooling, padding and loss building blocks that layers are written with. Shapes and semantics are those of
 * {@link dev.usp4j.tensor.Functional}; each op records its backward rule. (Being implemented.)
 */
public final class Functional {
    private Functional() {
    }

    private static UnsupportedOperationException todo(String op) {
        return new UnsupportedOperationException(op + ": gradient not implemented yet");
    }

    /** F.conv2d; bias may be null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dSpec spec) {
        throw todo("conv2d");
    }

    /** F.conv_transpose2d; weight is [Cin, Cout/groups, kH, kW]; bias may be null. */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, Conv2dSpec spec) {
        throw todo("conv_transpose2d");
    }

    /** F.layer_norm over the trailing {@code normalizedShape}; weight and bias may be null. */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        throw todo("layer_norm");
    }

    /** F.group_norm of x [N, C, *]; weight and bias [C] may be null. */
    public static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        throw todo("group_norm");
    }

    /** F.interpolate to a size. */
    public static Tensor interpolate(Tensor x, int outH, int outW, InterpolationMode mode, boolean alignCorners) {
        throw todo("interpolate");
    }

    /** F.interpolate by scale factors. */
    public static Tensor interpolate(Tensor x, double scaleH, double scaleW, InterpolationMode mode,
                                     boolean alignCorners) {
        throw todo("interpolate");
    }

    /** F.avg_pool2d. */
    public static Tensor avgPool2d(Tensor x, Pool2dSpec spec) {
        throw todo("avg_pool2d");
    }

    /** F.pad; pads in F.pad's order. */
    public static Tensor pad(Tensor x, int[] pads, PadMode mode, double value) {
        throw todo("pad");
    }
}
