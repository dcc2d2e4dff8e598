package dev.usp4j.autograd;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;

/**
 * {@code torch.nn.functional} for {@link Tensor}s: the differentiable convolution, normalisation, resampling,
 * pooling, padding and loss building blocks that layers are written with. Shapes and semantics are those of
 * {@link dev.usp4j.tensor.Functional}; each op records its backward rule
 * ({@link ConvOps}, {@link NormOps}, {@link ResampleOps}).
 */
public final class Functional {
    private Functional() {
    }

    /** F.linear: x [..., in] · weightᵀ + bias, weight [out, in]; bias [out] may be null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return LinearOps.linear(x, weight, bias);
    }

    /** F.conv2d; bias may be null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dSpec spec) {
        return ConvOps.conv2d(x, weight, bias, spec);
    }

    /** F.conv_transpose2d; weight is [Cin, Cout/groups, kH, kW]; bias may be null. */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, Conv2dSpec spec) {
        return ConvOps.convTranspose2d(x, weight, bias, spec);
    }

    /** F.layer_norm over the trailing {@code normalizedShape}; weight and bias may be null. */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return NormOps.layerNorm(x, normalizedShape, weight, bias, eps);
    }

    /**
     * DiT's modulate(layer_norm(x), shift, scale) = LN(x)·(1 + scale) + shift as one op, for tokens x [N, T, D],
     * LayerNorm over D with optional weight and bias [D] and per-sample shift and scale [N, D]: the same values as
     * the composed ops, with neither the normalised tokens nor the scaled ones stored for the backward.
     */
    public static Tensor layerNormModulate(Tensor x, Tensor weight, Tensor bias, Tensor shift, Tensor scale,
                                           double eps) {
        return NormOps.layerNormModulate(x, weight, bias, shift, scale, eps);
    }

    /** DiT's gated residual x + gate·branch (x, branch [N, T, D], gate [N, D]) as one op: the same values. */
    public static Tensor gatedAdd(Tensor x, Tensor branch, Tensor gate) {
        return NormOps.gatedAdd(x, branch, gate);
    }

    /**
     * F.cross_entropy(reduction='none') for logits [R, C] and integer class targets [R], fused: per-row losses
     * (1 − ε)·(lse − x_y) + ε·(lse − mean_c x_c), 0 for targets equal to {@code ignoreIndex}, with a one-pass
     * backward that needs neither the log-probabilities nor one-hot targets stored.
     */
    public static Tensor softmaxCrossEntropy(Tensor logits, NDArray target, long ignoreIndex, double smoothing) {
        return ReductionOps.softmaxCrossEntropy(logits, target, ignoreIndex, smoothing);
    }

    /** F.group_norm of x [N, C, *]; weight and bias [C] may be null. */
    public static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        return NormOps.groupNorm(x, groups, weight, bias, eps);
    }

    /**
     * F.silu(F.group_norm(x)) as one op: the same values, but the normalised activation is neither stored for the
     * backward nor swept through memory a second time (the VAE's blocks pair every GroupNorm with a SiLU).
     */
    public static Tensor groupNormSilu(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        return NormOps.groupNormSilu(x, groups, weight, bias, eps);
    }

    /** F.interpolate to a size. */
    public static Tensor interpolate(Tensor x, int outH, int outW, InterpolationMode mode, boolean alignCorners) {
        return ResampleOps.interpolate(x, outH, outW, mode, alignCorners);
    }

    /** F.interpolate by scale factors. */
    public static Tensor interpolate(Tensor x, double scaleH, double scaleW, InterpolationMode mode,
                                     boolean alignCorners) {
        return ResampleOps.interpolate(x, scaleH, scaleW, mode, alignCorners);
    }

    /** F.avg_pool2d. */
    public static Tensor avgPool2d(Tensor x, Pool2dSpec spec) {
        return ResampleOps.avgPool2d(x, spec);
    }

    /** F.pad; pads in F.pad's order. */
    public static Tensor pad(Tensor x, int[] pads, PadMode mode, double value) {
        return ResampleOps.pad(x, pads, mode, value);
    }
}
