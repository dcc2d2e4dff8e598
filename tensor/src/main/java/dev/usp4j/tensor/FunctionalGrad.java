package dev.usp4j.tensor;

import java.util.Arrays;

/**
 * The gradients of {@link Functional}'s ops, behind its public {@code ...Grad} / {@code ...Backward} entry points:
 * shape checks against the forward's geometry (errors name the op, the shapes and what was expected), F32
 * contiguous inputs, and one backend call each (the input gradients of the convolutions are convolutions).
 */
final class FunctionalGrad {
    private FunctionalGrad() {
    }

    /** Checks that the gradient has the shape the forward produced. */
    private static void expectShape(String op, NDArray gradOut, int[] expected, int[] inputShape) {
        if (!Arrays.equals(gradOut.shape(), expected)) {
            throw new IllegalArgumentException(op + ": output gradient of shape " + Shape.str(gradOut.shape())
                    + " does not match the forward output " + Shape.str(expected) + " of an input of shape "
                    + Shape.str(inputShape));
        }
    }

    /** [N,C,H,W] of a batched input shape, [1,C,H,W] of an unbatched one. */
    private static int[] shape4d(String op, int[] s) {
        if (s.length == 3) {
            return new int[] {1, s[0], s[1], s[2]};
        }
        if (s.length != 4) {
            throw new IllegalArgumentException(op + ": expects a 3-D (C,H,W) or 4-D (N,C,H,W) input shape, got "
                    + Shape.str(s));
        }
        return s.clone();
    }

    /** The forward output shape with the input's batching: [N,C,oh,ow] or [C,oh,ow]. */
    private static int[] outShape(int[] in, int c, int oh, int ow) {
        return in.length == 3 ? new int[] {c, oh, ow} : new int[] {in[0], c, oh, ow};
    }

    private static NDArray as4d(NDArray a) {
        return a.rank() == 3 ? a.unsqueeze(0) : a;
    }

    private static NDArray unbatch(int[] inputShape, NDArray out) {
        return inputShape.length == 3 ? out.squeeze(0) : out;
    }

    private static void checkWeight(String op, int[] weightShape) {
        if (weightShape.length != 4) {
            throw new IllegalArgumentException(op + ": weight shape must be 4-D, got " + Shape.str(weightShape));
        }
    }

    // ---- convolutions ---------------------------------------------------------------------------------------

    static NDArray conv2dInputGrad(NDArray gradOut, NDArray weight, int[] inputShape, Conv2dSpec s) {
        String op = "conv2d_backward";
        int[] x4 = shape4d(op, inputShape);
        checkWeight(op, weight.shape());
        int kh = weight.size(2);
        int kw = weight.size(3);
        int oh = s.convOutH(x4[2], kh);
        int ow = s.convOutW(x4[3], kw);
        expectShape(op, gradOut, outShape(inputShape, weight.size(0), oh, ow), inputShape);
        // Input rows (and padding) below the last window are never read: they get zero gradient through the
        // output padding, which makes the transposed convolution's output exactly the input's extent.
        int rh = x4[2] + s.padTop() + s.padBottom() - s.dilationH() * (kh - 1) - 1 - (oh - 1) * s.strideH();
        int rw = x4[3] + s.padLeft() + s.padRight() - s.dilationW() * (kw - 1) - 1 - (ow - 1) * s.strideW();
        NDArray gx = Functional.convTranspose2d(gradOut, weight, null, s.withOutputPadding(rh, rw));
        return gx;
    }

    static NDArray convTranspose2dInputGrad(NDArray gradOut, NDArray weight, int[] inputShape, Conv2dSpec s) {
        String op = "conv_transpose2d_backward";
        int[] x4 = shape4d(op, inputShape);
        checkWeight(op, weight.shape());
        int oh = s.transposedOutH(x4[2], weight.size(2));
        int ow = s.transposedOutW(x4[3], weight.size(3));
        expectShape(op, gradOut, outShape(inputShape, weight.size(1) * s.groups(), oh, ow), inputShape);
        NDArray gx = Functional.conv2d(gradOut, weight, null, s.withOutputPadding(0, 0));
        // With an output padding of at least the stride (allowed when dilation is larger), the convolution of the
        // gradient has rows past the input: those read only the output padding and are dropped.
        int hd = gx.rank() - 2;
        if (gx.size(hd) != x4[2]) {
            gx = gx.narrow(hd, 0, x4[2]);
        }
        if (gx.size(hd + 1) != x4[3]) {
            gx = gx.narrow(hd + 1, 0, x4[3]);
        }
        return gx.contiguous();
    }

    static NDArray conv2dWeightGrad(NDArray input, NDArray gradOut, int[] weightShape, Conv2dSpec s) {
        String op = "conv2d_weight_grad";
        Functional.sameDevice(op, input, gradOut);
        checkWeight(op, weightShape);
        int[] x4 = shape4d(op, input.shape());
        int g = s.groups();
        if (weightShape[0] % g != 0 || weightShape[1] * g != x4[1]) {
            throw new IllegalArgumentException(op + ": weight shape " + Shape.str(weightShape) + " with groups=" + g
                    + " does not fit an input of shape " + Shape.str(input.shape()));
        }
        int oh = s.convOutH(x4[2], weightShape[2]);
        int ow = s.convOutW(x4[3], weightShape[3]);
        expectShape(op, gradOut, outShape(input.shape(), weightShape[0], oh, ow), input.shape());
        NDArray x = Functional.f32(op, as4d(input));
        NDArray gy = Functional.f32(op, as4d(gradOut));
        NDArray gw = Creation.empty(DType.F32, input.device(), weightShape);
        x.backend().conv2dWeightGrad(x, gy, s, gw);
        return gw;
    }

    static NDArray convTranspose2dWeightGrad(NDArray input, NDArray gradOut, int[] weightShape, Conv2dSpec s) {
        String op = "conv_transpose2d_weight_grad";
        Functional.sameDevice(op, input, gradOut);
        checkWeight(op, weightShape);
        int[] x4 = shape4d(op, input.shape());
        int g = s.groups();
        if (weightShape[0] != x4[1] || x4[1] % g != 0) {
            throw new IllegalArgumentException(op + ": weight shape " + Shape.str(weightShape) + " with groups=" + g
                    + " does not fit an input of shape " + Shape.str(input.shape()));
        }
        int oh = s.transposedOutH(x4[2], weightShape[2]);
        int ow = s.transposedOutW(x4[3], weightShape[3]);
        expectShape(op, gradOut, outShape(input.shape(), weightShape[1] * g, oh, ow), input.shape());
        // The transposed conv's taps read its output in conv2d geometry: its output gradient plays the input.
        NDArray x = Functional.f32(op, as4d(gradOut));
        NDArray gy = Functional.f32(op, as4d(input));
        NDArray gw = Creation.empty(DType.F32, input.device(), weightShape);
        x.backend().conv2dWeightGrad(x, gy, s, gw);
        return gw;
    }

    // ---- normalisation -----------------------------------------------------------------------------------------

    static NDArray[] layerNormBackward(NDArray gradOut, NDArray x, int[] normalizedShape, NDArray mean,
                                       NDArray rstd, NDArray weight, boolean inputGrad, boolean weightGrad,
                                       boolean biasGrad) {
        String op = "layer_norm_backward";
        Functional.sameDevice(op, x, gradOut, mean, rstd, weight);
        int[] s = x.shape();
        int k = normalizedShape.length;
        if (k == 0 || k > s.length
                || !Arrays.equals(Arrays.copyOfRange(s, s.length - k, s.length), normalizedShape)) {
            throw new IllegalArgumentException(op + ": normalized_shape " + Arrays.toString(normalizedShape)
                    + " must be the trailing dims of the input's shape " + Shape.str(s));
        }
        expectShape(op, gradOut, s, s);
        int cols = Shape.numel(normalizedShape);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        checkStats(op, mean, rstd, rows, s);
        if (weight != null && !Arrays.equals(weight.shape(), normalizedShape)) {
            throw new IllegalArgumentException(op + ": weight must have shape " + Arrays.toString(normalizedShape)
                    + ", got " + Shape.str(weight.shape()));
        }
        NDArray gx = inputGrad ? Creation.output(DType.F32, x.device(), s) : null;
        NDArray gw = weightGrad ? Creation.empty(DType.F32, x.device(), normalizedShape) : null;
        NDArray gb = biasGrad ? Creation.empty(DType.F32, x.device(), normalizedShape) : null;
        if (gx != null || gw != null || gb != null) {
            x.backend().layerNormBackward(Functional.f32(op, x), Functional.f32(op, gradOut), Functional.f32(op, mean),
                    Functional.f32(op, rstd),
                    Functional.f32(op, weight), rows, gx, gw, gb);
        }
        return new NDArray[] {gx, gw, gb};
    }

    static NDArray[] groupNormBackward(NDArray gradOut, NDArray x, int groups, NDArray mean, NDArray rstd,
                                       NDArray weight, boolean inputGrad, boolean weightGrad, boolean biasGrad) {
        return groupNormBackward("group_norm_backward", gradOut, x, groups, mean, rstd, weight, null, 0, false,
                inputGrad, weightGrad, biasGrad);
    }

    /** GroupNorm's backward, or with {@code silu} that of SiLU(GroupNorm(x)) (bias and eps only read then). */
    static NDArray[] groupNormBackward(String op, NDArray gradOut, NDArray x, int groups, NDArray mean, NDArray rstd,
                                       NDArray weight, NDArray bias, double eps, boolean silu, boolean inputGrad,
                                       boolean weightGrad, boolean biasGrad) {
        Functional.sameDevice(op, x, gradOut, mean, rstd, weight);
        int[] s = x.shape();
        if (s.length < 2 || groups <= 0 || s[1] % groups != 0) {
            throw new IllegalArgumentException(op + ": expects an input of shape (N, C, *) with C divisible into "
                    + groups + " groups, got " + Shape.str(s));
        }
        expectShape(op, gradOut, s, s);
        checkStats(op, mean, rstd, s[0] * groups, s);
        int c = s[1];
        for (NDArray p : new NDArray[] {weight, bias}) {
            if (p != null && (p.rank() != 1 || p.size(0) != c)) {
                throw new IllegalArgumentException(op + ": weight and bias must have shape [" + c + "], got "
                        + Shape.str(p.shape()));
            }
        }
        NDArray gx = inputGrad ? Creation.output(DType.F32, x.device(), s) : null;
        NDArray gw = weightGrad ? Creation.empty(DType.F32, x.device(), c) : null;
        NDArray gb = biasGrad ? Creation.empty(DType.F32, x.device(), c) : null;
        if (gx != null || gw != null || gb != null) {
            if (silu) {
                Functional.sameDevice(op, x, bias);
                x.backend().groupNormSiluBackward(Functional.f32(op, x).contiguous(), Functional.f32(op, gradOut),
                        Functional.f32(op, mean), Functional.f32(op, rstd), Functional.f32(op, weight),
                        Functional.f32(op, bias), groups, (float) eps, gx, gw, gb);
            } else {
                x.backend().groupNormBackward(Functional.f32(op, x), Functional.f32(op, gradOut),
                        Functional.f32(op, mean), Functional.f32(op, rstd), Functional.f32(op, weight), groups, gx,
                        gw, gb);
            }
        }
        return new NDArray[] {gx, gw, gb};
    }

    private static void checkStats(String op, NDArray mean, NDArray rstd, int count, int[] inputShape) {
        if (mean.numel() != count || rstd.numel() != count) {
            throw new IllegalArgumentException(op + ": mean " + Shape.str(mean.shape()) + " and rstd "
                    + Shape.str(rstd.shape()) + " must hold " + count + " statistics for an input of shape "
                    + Shape.str(inputShape));
        }
    }

    // ---- resampling, pooling, padding --------------------------------------------------------------------------

    static NDArray interpolateBackward(NDArray gradOut, int[] inputShape, int oh, int ow, double sh, double sw,
                                       InterpolationMode mode, boolean alignCorners) {
        String op = "interpolate_backward";
        int[] x4 = shape4d(op, inputShape);
        expectShape(op, gradOut, outShape(inputShape, x4[1], oh, ow), inputShape);
        if (alignCorners && mode == InterpolationMode.NEAREST) {
            throw new IllegalArgumentException(op + ": align_corners only applies to BILINEAR and BICUBIC");
        }
        NDArray g = Functional.f32(op, as4d(gradOut));
        NDArray gx = Creation.output(DType.F32, gradOut.device(), x4);
        if (gx.numel() > 0) {
            g.backend().interpolateBackward(g, mode, alignCorners, sh, sw, gx);
        }
        return unbatch(inputShape, gx);
    }

    static NDArray avgPool2dBackward(NDArray gradOut, int[] inputShape, Pool2dSpec spec) {
        String op = "avg_pool2d_backward";
        int[] x4 = shape4d(op, inputShape);
        expectShape(op, gradOut, outShape(inputShape, x4[1], spec.outH(x4[2]), spec.outW(x4[3])), inputShape);
        NDArray g = Functional.f32(op, as4d(gradOut));
        NDArray gx = Creation.output(DType.F32, gradOut.device(), x4);
        if (gx.numel() > 0) {
            g.backend().avgPool2dBackward(g, spec, gx);
        }
        return unbatch(inputShape, gx);
    }

    static NDArray padBackward(NDArray gradOut, int[] inputShape, int[] pads, PadMode mode) {
        String op = "pad_backward";
        if (pads.length % 2 != 0 || pads.length / 2 > inputShape.length) {
            throw new IllegalArgumentException(op + ": padding " + Arrays.toString(pads) + " must have an even"
                    + " length of at most 2x the input's " + inputShape.length + " dims");
        }
        int[] expected = inputShape.clone();
        for (int i = 0; i < pads.length / 2; i++) {
            int d = expected.length - 1 - i;
            expected[d] += pads[2 * i] + pads[2 * i + 1];
        }
        expectShape(op, gradOut, expected, inputShape);
        for (int i = 0; i < pads.length / 2 && mode != PadMode.CONSTANT; i++) {
            int n = inputShape[inputShape.length - 1 - i];
            int limit = mode == PadMode.REFLECT ? n - 1 : (mode == PadMode.CIRCULAR ? n : Integer.MAX_VALUE);
            int lo = pads[2 * i];
            int hi = pads[2 * i + 1];
            if (lo < 0 || hi < 0 || lo > limit || hi > limit || (n == 0 && lo + hi > 0)) {
                throw new IllegalArgumentException(op + ": " + mode + " padding " + Arrays.toString(pads)
                        + " is not valid for an input of shape " + Shape.str(inputShape));
            }
        }
        NDArray g = Functional.f32(op, gradOut);
        NDArray gx = Creation.output(DType.F32, gradOut.device(), inputShape);
        g.backend().padBackward(g, pads.clone(), mode, gx);
        return gx;
    }
}
