package dev.usp4j.tensor;

import java.util.Arrays;

/**
 * The neural-network ops of {@code torch.nn.functional} over {@link NDArray}s: convolutions, normalisations,
 * resampling, pooling and padding, and their gradients ({@code ...InputGrad}, {@code ...WeightGrad},
 * {@code ...Backward}, checked in {@code FunctionalGrad}). Each checks shapes and geometry against PyTorch's rules,
 * with errors that name the op and the shapes, and calls one backend kernel on contiguous F32 inputs. The fused
 * activation derivatives ({@link #geluBackward} and its siblings) are elementwise: they broadcast and take views.
 */
public final class Functional {
    private Functional() {
    }

    /** A floating array as contiguous F32 (null passes through), or an error naming the op. */
    static NDArray f32(String op, NDArray x) {
        if (x == null) {
            return null;
        }
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": needs floating arrays, got " + x.dtype() + " of shape "
                    + Shape.str(x.shape()));
        }
        return Elementwise.asCompute(x, DType.F32).contiguous();
    }

    /** Every non-null array on x's device, or an error naming the op and both devices. */
    static void sameDevice(String op, NDArray x, NDArray... others) {
        for (NDArray o : others) {
            if (o != null) {
                Elementwise.checkDevices(op, x, o);
            }
        }
    }

    /** A 4-D view of a batched [N,C,H,W] or unbatched [C,H,W] input. */
    private static NDArray batched4d(String op, NDArray x) {
        if (x.rank() == 3) {
            return x.unsqueeze(0);
        }
        if (x.rank() != 4) {
            throw new IllegalArgumentException(op + ": expects a 3-D (C,H,W) or 4-D (N,C,H,W) input, got shape "
                    + Shape.str(x.shape()));
        }
        return x;
    }

    private static NDArray unbatch(NDArray in, NDArray out) {
        return in.rank() == 3 ? out.squeeze(0) : out;
    }

    /** 2-D convolution (F.conv2d); bias may be null. */
    public static NDArray conv2d(NDArray input, NDArray weight, NDArray bias, Conv2dSpec spec) {
        String op = "conv2d";
        sameDevice(op, input, weight, bias);
        NDArray x = f32(op, batched4d(op, input));
        NDArray w = f32(op, weight);
        if (w.rank() != 4) {
            throw new IllegalArgumentException(op + ": weight must be 4-D (Cout, Cin/groups, kH, kW), got shape "
                    + Shape.str(w.shape()));
        }
        int g = spec.groups();
        int cin = x.size(1);
        int cout = w.size(0);
        if (cin % g != 0 || cout % g != 0 || w.size(1) * g != cin) {
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(input.shape()) + " has " + cin
                    + " channels; weight of shape " + Shape.str(w.shape()) + " with groups=" + g + " expects "
                    + w.size(1) * g + " (and Cout divisible by groups)");
        }
        checkBias(op, bias, cout);
        int oh = spec.convOutH(x.size(2), w.size(2));
        int ow = spec.convOutW(x.size(3), w.size(3));
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(input.shape())
                    + " is too small for kernel " + w.size(2) + "x" + w.size(3) + " with " + spec
                    + " (output would be " + oh + "x" + ow + ")");
        }
        NDArray out = Creation.output(DType.F32, x.device(), x.size(0), cout, oh, ow);
        x.backend().conv2d(x, w, f32(op, bias), spec, out);
        return unbatch(input, out);
    }

    /** 2-D transposed convolution (F.conv_transpose2d); weight is [Cin, Cout/groups, kH, kW]. */
    public static NDArray convTranspose2d(NDArray input, NDArray weight, NDArray bias, Conv2dSpec spec) {
        String op = "conv_transpose2d";
        sameDevice(op, input, weight, bias);
        NDArray x = f32(op, batched4d(op, input));
        NDArray w = f32(op, weight);
        if (w.rank() != 4) {
            throw new IllegalArgumentException(op + ": weight must be 4-D (Cin, Cout/groups, kH, kW), got shape "
                    + Shape.str(w.shape()));
        }
        int g = spec.groups();
        int cin = x.size(1);
        if (w.size(0) != cin || cin % g != 0) {
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(input.shape()) + " has " + cin
                    + " channels; weight of shape " + Shape.str(w.shape()) + " expects " + w.size(0)
                    + " (divisible by groups=" + g + ")");
        }
        if (spec.outputPaddingH() >= Math.max(spec.strideH(), spec.dilationH())
                || spec.outputPaddingW() >= Math.max(spec.strideW(), spec.dilationW())) {
            throw new IllegalArgumentException(op + ": output padding must be smaller than either stride or"
                    + " dilation, got " + spec);
        }
        int cout = w.size(1) * g;
        checkBias(op, bias, cout);
        int oh = spec.transposedOutH(x.size(2), w.size(2));
        int ow = spec.transposedOutW(x.size(3), w.size(3));
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(op + ": output size " + oh + "x" + ow + " is not positive for input "
                    + Shape.str(input.shape()) + " and " + spec);
        }
        NDArray out = Creation.output(DType.F32, x.device(), x.size(0), cout, oh, ow);
        x.backend().convTranspose2d(x, w, f32(op, bias), spec, out);
        return unbatch(input, out);
    }

    private static void checkBias(String op, NDArray bias, int cout) {
        if (bias != null && (bias.rank() != 1 || bias.size(0) != cout)) {
            throw new IllegalArgumentException(op + ": bias must have shape [" + cout + "], got "
                    + Shape.str(bias.shape()));
        }
    }

    /** F.linear: x [..., in] · weightᵀ + bias, weight [out, in], bias [out] or null (added by the GEMM itself). */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return LinearAlgebra.linear(x, weight, bias);
    }

    /** F.layer_norm over the trailing {@code normalizedShape}; weight and bias may be null. */
    public static NDArray layerNorm(NDArray x, int[] normalizedShape, NDArray weight, NDArray bias, double eps) {
        return layerNormWithStats(x, normalizedShape, weight, bias, eps).out();
    }

    /** LayerNorm that also returns the per-row mean and rstd, shaped like x's leading dims. */
    public static NormResult layerNormWithStats(NDArray x, int[] normalizedShape, NDArray weight, NDArray bias,
                                                double eps) {
        String op = "layer_norm";
        sameDevice(op, x, weight, bias);
        int k = normalizedShape.length;
        int[] s = x.shape();
        if (k == 0 || k > s.length
                || !Arrays.equals(Arrays.copyOfRange(s, s.length - k, s.length), normalizedShape)) {
            throw new IllegalArgumentException(op + ": normalized_shape " + Arrays.toString(normalizedShape)
                    + " must be the trailing dims of the input's shape " + Shape.str(s));
        }
        for (NDArray p : new NDArray[] {weight, bias}) {
            if (p != null && !Arrays.equals(p.shape(), normalizedShape)) {
                throw new IllegalArgumentException(op + ": weight and bias must have shape "
                        + Arrays.toString(normalizedShape) + ", got " + Shape.str(p.shape()));
            }
        }
        NDArray xc = f32(op, x);
        int cols = Shape.numel(normalizedShape);
        int rows = cols == 0 ? 0 : xc.numel() / cols;
        int[] lead = Arrays.copyOf(s, s.length - k);
        NDArray out = Creation.output(DType.F32, x.device(), s);
        NDArray mean = Creation.output(DType.F32, x.device(), lead);
        NDArray rstd = Creation.output(DType.F32, x.device(), lead);
        x.backend().layerNorm(xc, rows, f32(op, weight), f32(op, bias), (float) eps, out, mean, rstd);
        return new NormResult(out, mean, rstd);
    }

    /**
     * DiT's modulate(layer_norm(x), shift, scale) as one op: LN(x)·(1 + scale) + shift for tokens x [N, T, D],
     * LayerNorm over D with optional weight and bias [D], and per-sample shift and scale [N, D]; also returns the
     * LayerNorm's mean and rstd [N, T], from which {@link #layerNormModulateBackward} recomputes the normalised
     * tokens (nothing of size [N, T, D] needs keeping but x).
     */
    public static NormResult layerNormModulateWithStats(NDArray x, NDArray weight, NDArray bias, NDArray shift,
                                                        NDArray scale, double eps) {
        return FunctionalModulation.layerNormModulate(x, weight, bias, shift, scale, eps);
    }

    /**
     * Gradients {input, weight, bias, shift, scale} of {@link #layerNormModulateWithStats}, each computed only when
     * {@code needs} (five flags, in that order) asks for it and the parameter exists (null otherwise).
     */
    public static NDArray[] layerNormModulateBackward(NDArray gradOut, NDArray x, NDArray mean, NDArray rstd,
                                                      NDArray weight, NDArray bias, NDArray scale, double eps,
                                                      boolean... needs) {
        if (needs.length != 5) {
            throw new IllegalArgumentException("layer_norm_modulate_backward: five flags (input, weight, bias,"
                    + " shift, scale) expected, got " + needs.length);
        }
        return FunctionalModulation.layerNormModulateBackward(gradOut, x, mean, rstd, weight, bias, scale, eps,
                needs);
    }

    /** DiT's gated residual x + gate·branch for x and branch [N, T, D] and a per-sample gate [N, D]. */
    public static NDArray gatedAdd(NDArray x, NDArray branch, NDArray gate) {
        return FunctionalModulation.gatedAdd(x, branch, gate);
    }

    /**
     * Gradients {branch, gate} of {@link #gatedAdd} (x's is the output gradient itself), each only when asked for.
     */
    public static NDArray[] gatedAddBackward(NDArray gradOut, NDArray branch, NDArray gate, boolean branchGrad,
                                             boolean gateGrad) {
        return FunctionalModulation.gatedAddBackward(gradOut, branch, gate, branchGrad, gateGrad);
    }

    /**
     * F.cross_entropy's per-row losses for logits [R, C] and integer class targets [R], fused: with smoothing ε a
     * row's loss is (1 − ε)·(lse − x_y) + ε·(lse − mean_c x_c), where lse = log Σ_c exp(x_c); rows whose target
     * equals {@code ignoreIndex} get 0. Returns {loss [R], lse [R]}; the backward needs only lse besides the inputs.
     */
    public static NDArray[] softmaxCrossEntropy(NDArray logits, NDArray target, long ignoreIndex, double smoothing) {
        return FunctionalLoss.softmaxCrossEntropy(logits, target, ignoreIndex, smoothing);
    }

    /**
     * Gradient of {@link #softmaxCrossEntropy} for the logits: g_r·(softmax(x_r) − (1 − ε)·onehot(y_r) − ε/C) per
     * row, 0 for ignored rows, from the loss gradient [R] and the forward's lse.
     */
    public static NDArray softmaxCrossEntropyBackward(NDArray gradLoss, NDArray logits, NDArray target, NDArray lse,
                                                      long ignoreIndex, double smoothing) {
        return FunctionalLoss.softmaxCrossEntropyBackward(gradLoss, logits, target, lse, ignoreIndex, smoothing);
    }

    /** F.group_norm of x [N, C, *]; weight and bias [C] may be null. */
    public static NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
        return groupNormWithStats(x, groups, weight, bias, eps).out();
    }

    /** GroupNorm that also returns mean and rstd of shape [N, groups]. */
    public static NormResult groupNormWithStats(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
        return groupNormWithStats("group_norm", x, groups, weight, bias, eps, false);
    }

    /**
     * F.silu(F.group_norm(x)) in one pass (the norm → SiLU pairs of the VAE's blocks), with the GroupNorm's mean and
     * rstd of shape [N, groups]; {@link #groupNormSiluBackward} takes them and recomputes the normalised input, so
     * only x needs keeping for the backward.
     */
    public static NormResult groupNormSiluWithStats(NDArray x, int groups, NDArray weight, NDArray bias,
                                                    double eps) {
        return groupNormWithStats("group_norm_silu", x, groups, weight, bias, eps, true);
    }

    private static NormResult groupNormWithStats(String op, NDArray x, int groups, NDArray weight, NDArray bias,
                                                 double eps, boolean silu) {
        sameDevice(op, x, weight, bias);
        if (x.rank() < 2) {
            throw new IllegalArgumentException(op + ": expects an input of shape (N, C, *), got "
                    + Shape.str(x.shape()));
        }
        int c = x.size(1);
        if (groups <= 0 || c % groups != 0) {
            throw new IllegalArgumentException(op + ": " + c + " channels (shape " + Shape.str(x.shape())
                    + ") are not divisible into " + groups + " groups");
        }
        for (NDArray p : new NDArray[] {weight, bias}) {
            if (p != null && (p.rank() != 1 || p.size(0) != c)) {
                throw new IllegalArgumentException(op + ": weight and bias must have shape [" + c + "], got "
                        + Shape.str(p.shape()));
            }
        }
        NDArray xc = f32(op, x);
        NDArray out = Creation.output(DType.F32, x.device(), x.shape());
        NDArray mean = Creation.output(DType.F32, x.device(), x.size(0), groups);
        NDArray rstd = Creation.output(DType.F32, x.device(), x.size(0), groups);
        if (silu) {
            x.backend().groupNormSilu(xc, groups, f32(op, weight), f32(op, bias), (float) eps, out, mean, rstd);
        } else {
            x.backend().groupNorm(xc, groups, f32(op, weight), f32(op, bias), (float) eps, out, mean, rstd);
        }
        return new NormResult(out, mean, rstd);
    }

    /**
     * Fused scaled-dot-product attention, softmax(q·kᵀ·scale)·v over the last two dims, for q [..., Nq, D],
     * k [..., Nk, D] and v [..., Nk, Dv] with the same leading dims (F.scaled_dot_product_attention without mask or
     * dropout; its default scale is 1/√D). Per (batch·head, block of queries) it computes the scores, a stable
     * softmax and the weighted sum without materialising every head's score matrix. F32 result [..., Nq, Dv].
     */
    public static NDArray scaledDotProductAttention(NDArray q, NDArray k, NDArray v, double scale) {
        return FunctionalAttention.forward(q, k, v, scale).out();
    }

    /** {@link #scaledDotProductAttention} that also returns each query row's log-sum-exp [..., Nq] for backward. */
    public static AttentionResult attentionWithStats(NDArray q, NDArray k, NDArray v, double scale) {
        return FunctionalAttention.forward(q, k, v, scale);
    }

    /** F.interpolate to an output size (mode NEAREST, BILINEAR or BICUBIC) of x [N,C,H,W] or [C,H,W]. */
    public static NDArray interpolate(NDArray x, int outH, int outW, InterpolationMode mode, boolean alignCorners) {
        NDArray x4 = batched4d("interpolate", x);
        return resample(x, x4, outH, outW, (double) x4.size(2) / outH, (double) x4.size(3) / outW, mode,
                alignCorners);
    }

    /**
     * F.interpolate by scale factors: the output is floor(in·scale), and the coordinate mapping uses 1/scale as
     * PyTorch does when {@code recompute_scale_factor} is not set.
     */
    public static NDArray interpolate(NDArray x, double scaleH, double scaleW, InterpolationMode mode,
                                      boolean alignCorners) {
        if (!(scaleH > 0) || !(scaleW > 0) || Double.isInfinite(scaleH) || Double.isInfinite(scaleW)) {
            throw new IllegalArgumentException("interpolate: scale factors must be positive, got " + scaleH + ", "
                    + scaleW);
        }
        NDArray x4 = batched4d("interpolate", x);
        int oh = (int) Math.floor(x4.size(2) * scaleH);
        int ow = (int) Math.floor(x4.size(3) * scaleW);
        return resample(x, x4, oh, ow, 1 / scaleH, 1 / scaleW, mode, alignCorners);
    }

    private static NDArray resample(NDArray input, NDArray x4, int oh, int ow, double sh, double sw,
                                    InterpolationMode mode, boolean alignCorners) {
        String op = "interpolate";
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(op + ": output size " + oh + "x" + ow + " must be positive (input "
                    + Shape.str(input.shape()) + ")");
        }
        if (x4.size(2) <= 0 || x4.size(3) <= 0) {
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(input.shape())
                    + " must have non-empty spatial dims");
        }
        if (alignCorners && mode == InterpolationMode.NEAREST) {
            throw new IllegalArgumentException(op + ": align_corners only applies to BILINEAR and BICUBIC");
        }
        NDArray xc = f32(op, x4);
        NDArray out = Creation.output(DType.F32, xc.device(), xc.size(0), xc.size(1), oh, ow);
        xc.backend().interpolate(xc, mode, alignCorners, sh, sw, out);
        return unbatch(input, out);
    }

    /**
     * The sinusoidal timestep embedding [N, dim] (F32) of N timesteps t (1-D, any numeric dtype, may be
     * fractional), computed where t lives ({@link Backend#timestepEmbedding}).
     */
    public static NDArray timestepEmbedding(NDArray t, int dim, double maxPeriod) {
        if (t.rank() != 1) {
            throw new IllegalArgumentException("timestep embedding: expects a 1-D array of N timesteps, got shape "
                    + Shape.str(t.shape()));
        }
        if (dim <= 0 || !(maxPeriod > 0)) {
            throw new IllegalArgumentException("timestep embedding: dim (" + dim + ") and max_period (" + maxPeriod
                    + ") must be positive");
        }
        NDArray ts = switch (t.dtype()) {
            case F32, I32, I64 -> t.contiguous();
            default -> t.to(DType.F32).contiguous();
        };
        NDArray out = Creation.output(DType.F32, t.device(), t.size(0), dim);
        if (dim % 2 != 0) {
            out.fill(0);  // the odd last column
        }
        if (t.size(0) > 0) {
            t.backend().timestepEmbedding(ts, maxPeriod, out);
        }
        return out;
    }

    /** F.avg_pool2d of x [N,C,H,W] or [C,H,W]. */
    public static NDArray avgPool2d(NDArray x, Pool2dSpec spec) {
        String op = "avg_pool2d";
        NDArray x4 = f32(op, batched4d(op, x));
        if (x4.size(1) <= 0 || x4.size(2) <= 0 || x4.size(3) <= 0) {
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(x.shape())
                    + " must have non-empty channel and spatial dims");
        }
        int oh = spec.outH(x4.size(2));
        int ow = spec.outW(x4.size(3));
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(x.shape()) + " is too small for "
                    + spec + " (output would be " + oh + "x" + ow + ")");
        }
        NDArray out = Creation.output(DType.F32, x4.device(), x4.size(0), x4.size(1), oh, ow);
        x4.backend().avgPool2d(x4, spec, out);
        return unbatch(x, out);
    }

    /** F.pad: {@code pads} are (left, right) of the last dim, then of the dim before, and so on. */
    public static NDArray pad(NDArray x, int[] pads, PadMode mode, double value) {
        String op = "pad";
        if (pads.length % 2 != 0 || pads.length / 2 > x.rank()) {
            throw new IllegalArgumentException(op + ": padding " + Arrays.toString(pads) + " must have an even"
                    + " length of at most 2x the input's " + x.rank() + " dims (shape " + Shape.str(x.shape()) + ")");
        }
        int[] shape = x.shape();
        for (int i = 0; i < pads.length / 2; i++) {
            int d = shape.length - 1 - i;
            int lo = pads[2 * i];
            int hi = pads[2 * i + 1];
            int n = x.size(d);
            if (mode != PadMode.CONSTANT) {
                if (lo < 0 || hi < 0) {
                    throw new IllegalArgumentException(op + ": negative padding " + Arrays.toString(pads)
                            + " is only allowed in CONSTANT mode");
                }
                int limit = mode == PadMode.REFLECT ? n - 1 : (mode == PadMode.CIRCULAR ? n : Integer.MAX_VALUE);
                if ((lo > limit || hi > limit) || (n == 0 && (lo > 0 || hi > 0))) {
                    throw new IllegalArgumentException(op + ": " + mode + " padding (" + lo + ", " + hi + ") of dim "
                            + d + " must be at most " + limit + " for an extent of " + n + " (shape "
                            + Shape.str(shape) + ")");
                }
            }
            shape[d] = n + lo + hi;
            if (shape[d] < 0) {
                throw new IllegalArgumentException(op + ": padding " + Arrays.toString(pads)
                        + " gives a negative extent in dim " + d + " (shape " + Shape.str(x.shape()) + ")");
            }
        }
        // Padding only moves data, so every dtype keeps its own (BF16 stays BF16, as in PyTorch).
        DType t = x.dtype();
        NDArray xc = x.contiguous();
        NDArray out = Creation.output(t, x.device(), shape);
        x.backend().pad(xc, pads.clone(), mode, value, out);
        return out;
    }

    // ---- gradients (the backward passes of the ops above) -------------------------------------------------------

    /**
     * Gradient of {@link #conv2d} with respect to its input (of shape {@code inputShape}, 3-D or 4-D): the
     * transposed convolution of {@code gradOut} with the same weight and geometry, with the output padding that
     * restores the input's extent (rows no window read get 0).
     */
    public static NDArray conv2dInputGrad(NDArray gradOut, NDArray weight, int[] inputShape, Conv2dSpec spec) {
        return FunctionalGrad.conv2dInputGrad(gradOut, weight, inputShape, spec);
    }

    /** Gradient of {@link #conv2d} with respect to its weight of shape [Cout, Cin/groups, kH, kW]. */
    public static NDArray conv2dWeightGrad(NDArray input, NDArray gradOut, int[] weightShape, Conv2dSpec spec) {
        return FunctionalGrad.conv2dWeightGrad(input, gradOut, weightShape, spec);
    }

    /** Gradient of {@link #convTranspose2d} with respect to its input: conv2d of gradOut with the same geometry. */
    public static NDArray convTranspose2dInputGrad(NDArray gradOut, NDArray weight, int[] inputShape,
                                                   Conv2dSpec spec) {
        return FunctionalGrad.convTranspose2dInputGrad(gradOut, weight, inputShape, spec);
    }

    /** Gradient of {@link #convTranspose2d} with respect to its weight of shape [Cin, Cout/groups, kH, kW]. */
    public static NDArray convTranspose2dWeightGrad(NDArray input, NDArray gradOut, int[] weightShape,
                                                    Conv2dSpec spec) {
        return FunctionalGrad.convTranspose2dWeightGrad(input, gradOut, weightShape, spec);
    }

    /**
     * Gradients of {@link #layerNorm} from the mean and rstd of {@link #layerNormWithStats}: {input, weight, bias}
     * (F32), each computed only when asked for (null otherwise).
     */
    public static NDArray[] layerNormBackward(NDArray gradOut, NDArray x, int[] normalizedShape, NDArray mean,
                                              NDArray rstd, NDArray weight, boolean inputGrad, boolean weightGrad,
                                              boolean biasGrad) {
        return FunctionalGrad.layerNormBackward(gradOut, x, normalizedShape, mean, rstd, weight, inputGrad,
                weightGrad, biasGrad);
    }

    /**
     * Gradients of {@link #groupNormSiluWithStats} from the gradient of its output, its input, statistics, weight,
     * bias and eps: {input, weight, bias}, each computed only when asked for (null otherwise).
     */
    public static NDArray[] groupNormSiluBackward(NDArray gradOut, NDArray x, int groups, NDArray mean, NDArray rstd,
                                                  NDArray weight, NDArray bias, double eps, boolean inputGrad,
                                                  boolean weightGrad, boolean biasGrad) {
        return FunctionalGrad.groupNormBackward("group_norm_silu_backward", gradOut, x, groups, mean, rstd, weight,
                bias, eps, true, inputGrad, weightGrad, biasGrad);
    }

    /** Gradients of {@link #groupNorm} from {@link #groupNormWithStats}'s statistics: {input, weight, bias}. */
    public static NDArray[] groupNormBackward(NDArray gradOut, NDArray x, int groups, NDArray mean, NDArray rstd,
                                              NDArray weight, boolean inputGrad, boolean weightGrad,
                                              boolean biasGrad) {
        return FunctionalGrad.groupNormBackward(gradOut, x, groups, mean, rstd, weight, inputGrad, weightGrad,
                biasGrad);
    }

    /**
     * Multi-head self-attention straight from timm's fused projection: qkv [B, N, 3·H·D] (the last dim ordered
     * (3, H, D), as Attention's reshape reads it) gives softmax(q·kᵀ·scale)·v of every head, written side by side
     * as [B, N, H·D] (what {@code o.transpose(1, 2).reshape(B, N, H·D)} gives), with the log-sum-exp [B, H, N].
     */
    public static AttentionResult packedAttentionWithStats(NDArray qkv, int heads, double scale) {
        return FunctionalAttention.packedForward(qkv, heads, scale);
    }

    /** Gradient [B, N, 3·H·D] of {@link #packedAttentionWithStats}'s input from its output's gradient. */
    public static NDArray packedAttentionBackward(NDArray gradOut, NDArray qkv, NDArray out, NDArray logsumexp,
                                                  int heads, double scale) {
        return FunctionalAttention.packedBackward(gradOut, qkv, out, logsumexp, heads, scale);
    }

    /**
     * Gradients {query, key, value} (F32, null where not asked for) of {@link #attentionWithStats} from its output,
     * the output gradient and the saved log-sum-exp; the probabilities are recomputed block by block.
     */
    public static NDArray[] attentionBackward(NDArray gradOut, NDArray q, NDArray k, NDArray v, NDArray out,
                                              NDArray logsumexp, double scale, boolean queryGrad, boolean keyGrad,
                                              boolean valueGrad) {
        return FunctionalAttention.backward(gradOut, q, k, v, out, logsumexp, scale, queryGrad, keyGrad, valueGrad);
    }

    /** Gradient of {@link #interpolate(NDArray, int, int, InterpolationMode, boolean)} for an input shape. */
    public static NDArray interpolateBackward(NDArray gradOut, int[] inputShape, InterpolationMode mode,
                                              boolean alignCorners) {
        int oh = gradOut.rank() >= 2 ? gradOut.size(-2) : 0;
        int ow = gradOut.rank() >= 2 ? gradOut.size(-1) : 0;
        int n = inputShape.length;
        double sh = n >= 2 && oh > 0 ? (double) inputShape[n - 2] / oh : 0;
        double sw = n >= 2 && ow > 0 ? (double) inputShape[n - 1] / ow : 0;
        return FunctionalGrad.interpolateBackward(gradOut, inputShape, oh, ow, sh, sw, mode, alignCorners);
    }

    /** Gradient of {@link #interpolate(NDArray, double, double, InterpolationMode, boolean)} (by scale factors). */
    public static NDArray interpolateBackward(NDArray gradOut, int[] inputShape, double scaleH, double scaleW,
                                              InterpolationMode mode, boolean alignCorners) {
        if (!(scaleH > 0) || !(scaleW > 0) || Double.isInfinite(scaleH) || Double.isInfinite(scaleW)) {
            throw new IllegalArgumentException("interpolate_backward: scale factors must be positive, got " + scaleH
                    + ", " + scaleW);
        }
        int n = inputShape.length;
        int oh = n >= 2 ? (int) Math.floor(inputShape[n - 2] * scaleH) : 0;
        int ow = n >= 2 ? (int) Math.floor(inputShape[n - 1] * scaleW) : 0;
        return FunctionalGrad.interpolateBackward(gradOut, inputShape, oh, ow, 1 / scaleH, 1 / scaleW, mode,
                alignCorners);
    }

    /** Gradient of {@link #avgPool2d} for an input of shape {@code inputShape}. */
    public static NDArray avgPool2dBackward(NDArray gradOut, int[] inputShape, Pool2dSpec spec) {
        return FunctionalGrad.avgPool2dBackward(gradOut, inputShape, spec);
    }

    /**
     * Gradient of {@link #pad} for an input of shape {@code inputShape} (F32): each input element sums the output
     * elements copied from it; a CONSTANT pad's gradient is the interior window (zeros where it cropped).
     */
    public static NDArray padBackward(NDArray gradOut, int[] inputShape, int[] pads, PadMode mode) {
        return FunctionalGrad.padBackward(gradOut, inputShape, pads, mode);
    }

    /**
     * aten::tanh_backward: the input gradient of {@code y = x.tanh()} from the output gradient and that output,
     * gradOut·(1 − y²), in one pass (operands broadcast, floating dtypes computed in F32).
     */
    public static NDArray tanhBackward(NDArray gradOut, NDArray output) {
        return Elementwise.binary(BinaryOp.TANH_BACKWARD, gradOut, output);
    }

    /** aten::sigmoid_backward: gradOut·y·(1 − y) for {@code y = x.sigmoid()}, in one pass. */
    public static NDArray sigmoidBackward(NDArray gradOut, NDArray output) {
        return Elementwise.binary(BinaryOp.SIGMOID_BACKWARD, gradOut, output);
    }

    /** aten::silu_backward: gradOut·s·(1 + x·(1 − s)), s = sigmoid(x), from the forward's input x, in one pass. */
    public static NDArray siluBackward(NDArray gradOut, NDArray input) {
        return Elementwise.binary(BinaryOp.SILU_BACKWARD, gradOut, input);
    }

    /**
     * aten::gelu_backward from the forward's input x, in one pass: exact, gradOut·(Φ(x) + x·φ(x)), or with
     * {@code tanhApproximation} (approximate="tanh") the derivative of 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
     */
    public static NDArray geluBackward(NDArray gradOut, NDArray input, boolean tanhApproximation) {
        return Elementwise.binary(tanhApproximation ? BinaryOp.GELU_TANH_BACKWARD : BinaryOp.GELU_BACKWARD,
                gradOut, input);
    }

    /** F.one_hot: a new last dim of {@code numClasses} (-1: max + 1), I64. */
    public static NDArray oneHot(NDArray index, int numClasses) {
        return Indexing.oneHot(index, numClasses);
    }
}
