package dev.usp4j.tensor;

import dev.usp4j.tensor.random.Distribution;

/**
 * The primitive operations a device implements; the seam where a second device (CUDA) plugs in.
 *
 * <p>{@link NDArray} does all the shape work (broadcasting, dim wrapping, output shapes, dtype promotion, checks
 * with clear errors) and calls these methods with outputs already allocated on this backend. A backend therefore
 * only computes. Conventions every implementation keeps:
 * <ul>
 *   <li>Outputs ({@code out}, {@code values}, ...) are freshly allocated and contiguous unless a method says
 *       otherwise; in-place callers pass an input as {@code out} only to the elementwise methods, which must
 *       support that aliasing when the two have the same layout.</li>
 *   <li>The elementwise, copy, reduction and matmul methods accept inputs of any strides, including stride 0 for
 *       broadcast dims. The others (norms, softmax, conv, pooling, interpolation, pad, sort, index) receive
 *       contiguous inputs.</li>
 *   <li>Float kernels see only F32 inputs (NDArray converts BF16/F16 first); integer kernels I32/I64.</li>
 *   <li>Results are deterministic and independent of thread count.</li>
 * </ul>
 * The CPU backend is the reference; every other backend is tested against it on random inputs.
 */
public interface Backend {

    /** The device this backend computes on. */
    Device device();

    /** A zero-filled storage of {@code size} elements. */
    Storage allocate(DType dtype, int size);

    /**
     * A storage of {@code size} elements for an op that writes every one of them before anything reads it (an
     * elementwise or matmul output, say): its contents are unspecified, so a backend may skip zero-filling. The
     * default zero-fills.
     */
    default Storage allocateForOutput(DType dtype, int size) {
        return allocate(dtype, size);
    }

    /**
     * Takes back a storage that nothing will read or write again (the autograd engine's spent gradients), so that
     * a later {@link #allocateForOutput} of the same size can reuse it instead of fresh memory, as PyTorch's caching
     * allocator does. The default ignores it (the GC frees it).
     */
    default void recycle(Storage storage) {
    }

    /** Copies a CPU storage to this device (the CPU backend returns it unchanged). */
    Storage fromHost(Storage host);

    /** Copies a storage of this device to the CPU (the CPU backend returns it unchanged). */
    Storage toHost(Storage storage);

    // ---- data movement ------------------------------------------------------------------------------------

    /** dst[i] = convert(src[i]) for same-shaped arrays of any dtypes and strides; dst may be a strided view. */
    void copy(NDArray src, NDArray dst);

    /** Sets every element of {@code dst} (any strides) to {@code value} converted to its dtype. */
    void fill(NDArray dst, double value);

    /** out[i] = start + i·step for a contiguous 1-D out (computed in double, then converted). */
    void arange(double start, double step, NDArray out);

    /**
     * Fills a contiguous {@code out} from the Philox stream of {@code seed} starting at block {@code firstBlock}
     * (see {@link Distribution} for how each element is defined).
     */
    void random(Distribution distribution, double a, double b, long seed, long firstBlock, NDArray out);

    // ---- elementwise --------------------------------------------------------------------------------------

    /** out = op(x; p0, p1), same shape. */
    void unary(UnaryOp op, NDArray x, float p0, float p1, NDArray out);

    /** out = a op b; a and b are already broadcast to out's shape (stride-0 views). */
    void binary(BinaryOp op, NDArray a, NDArray b, NDArray out);

    /** out (BOOL) = a op b, operands broadcast to out's shape. */
    void compare(CompareOp op, NDArray a, NDArray b, NDArray out);

    /** out = cond ? a : b, all broadcast to out's shape. */
    void where(NDArray cond, NDArray a, NDArray b, NDArray out);

    // ---- reductions and scans -----------------------------------------------------------------------------

    /** Reduces x over the dims flagged in {@code reduced}; out has x's rank with those dims of extent 1. */
    void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out);

    /** Variance with the given correction (N − correction in the denominator) over the flagged dims. */
    void variance(NDArray x, boolean[] reduced, double correction, NDArray out);

    /**
     * Max (or min) over one dim with the index of the first extreme; values and indices (I64) have x's rank with
     * that dim of extent 1. NaN counts as the extreme, as in PyTorch.
     */
    void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices);

    /** Inclusive running sum (or product) along dim; x contiguous. */
    void cumulative(boolean product, NDArray x, int dim, NDArray out);

    /** Softmax (or log-softmax) along dim, computed stably; x contiguous. */
    void softmax(NDArray x, int dim, boolean log, NDArray out);

    // ---- linear algebra, norms, convolution ---------------------------------------------------------------

    /** out[b] = a[b] · b[b] for a [B,M,K], b [B,K,N] of any strides, out [B,M,N] contiguous. */
    void matmul(NDArray a, NDArray b, NDArray out);

    /**
     * out[b] += a[b] · b[b], shapes as in {@link #matmul}: out holds the addend (a linear layer's bias, copied in
     * first), which the GEMM starts from instead of a separate pass adding it afterwards. The default computes the
     * product apart and adds it.
     */
    default void matmulAdd(NDArray a, NDArray b, NDArray out) {
        Storage storage = allocateForOutput(DType.F32, out.numel());
        StepArena.allocated(storage);
        NDArray product = NDArray.of(storage, out.shape());
        matmul(a, b, product);
        binary(BinaryOp.ADD, out, product, out);
    }

    /**
     * out = a·b + bias for one product, a [1, M, K] and b [1, K, N] with any strides as in {@link #matmul}, bias
     * [N] contiguous and out [1, M, N] contiguous (its contents on entry are ignored): a linear layer. The default
     * copies the bias into every row of out and runs {@link #matmulAdd}; a backend may add the bias in the GEMM.
     */
    default void matmulBias(NDArray a, NDArray b, NDArray bias, NDArray out) {
        copy(bias.broadcastTo(out.shape()), out);
        matmulAdd(a, b, out);
    }

    /**
     * A linear layer whose weights are stored as bfloat16: out [M, N] = x [M, K]·wᵀ (+ bias [N] when not null), x,
     * bias and out contiguous F32, w contiguous BF16 [N, K]. This default widens w to a float copy and multiplies;
     * a backend may read the half-width weights directly, which is what makes them worth having where a layer is
     * bound by reading its weights (few rows: batch-1 inference).
     */
    default void linearBf16(NDArray x, NDArray w, NDArray bias, NDArray out) {
        NDArray wT = w.to(DType.F32).mT().unsqueeze(0);
        if (bias == null) {
            matmul(x.unsqueeze(0), wT, out.unsqueeze(0));
        } else {
            matmulBias(x.unsqueeze(0), wT, bias, out.unsqueeze(0));
        }
    }

    /**
     * LayerNorm over the last {@code x.numel()/rows} elements of each of {@code rows} rows: x contiguous,
     * weight/bias (nullable) of that size. Also writes each row's mean and 1/sqrt(var+eps) (F32, [rows]), which
     * the backward pass reuses.
     */
    void layerNorm(NDArray x, int rows, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                   NDArray rstd);

    /**
     * GroupNorm of x [N, C, *] (contiguous) in {@code groups} groups, per-channel weight/bias (nullable); writes
     * mean and rstd of shape [N, groups].
     */
    void groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                   NDArray rstd);

    /**
     * SiLU of GroupNorm, out = silu(groupNorm(x)) (the norm → act pairs of diffusers' blocks), writing the
     * GroupNorm's mean and rstd. A backend may fuse the two; this default runs one after the other.
     */
    default void groupNormSilu(NDArray x, int groups, NDArray weight, NDArray bias, float eps, NDArray out,
                               NDArray mean, NDArray rstd) {
        groupNorm(x, groups, weight, bias, eps, out, mean, rstd);
        unary(UnaryOp.SILU, out, 0f, 0f, out);
    }

    /**
     * DiT's adaLN-modulated LayerNorm, modulate(LN(x), shift, scale): out[n, t, :] = LN(x[n, t, :])·(1 +
     * scale[n, :]) + shift[n, :] for x [N, T, D], LN over D with optional weight/bias [D], shift and scale [N, D]
     * (all contiguous); writes the LayerNorm's mean and rstd [N, T]. This default runs {@link #layerNorm} and then
     * the two broadcast ops; a backend may fuse them into the one pass.
     */
    default void layerNormModulate(NDArray x, NDArray weight, NDArray bias, NDArray shift, NDArray scale, float eps,
                                   NDArray out, NDArray mean, NDArray rstd) {
        layerNorm(x, x.size(0) * x.size(1), weight, bias, eps, out, mean, rstd);
        copy(out.mul(scale.unsqueeze(1).add(1.0)).add(shift.unsqueeze(1)), out);
    }

    /**
     * Backward of {@link #layerNormModulate} from the output gradient, its input x, the forward's mean and rstd,
     * weight, bias, scale and eps: gradShift = Σ_t g, gradScale = Σ_t g·LN(x), and the LayerNorm's gradients of
     * g·(1 + scale) into gradX and gradWeight, gradBias [D]; each is written only when not null. This default
     * recomputes LN(x) whole and composes the ops; a backend may fuse them.
     */
    default void layerNormModulateBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight,
                                           NDArray bias, NDArray scale, float eps, NDArray gradX,
                                           NDArray gradWeight, NDArray gradBias, NDArray gradShift,
                                           NDArray gradScale) {
        int rows = x.size(0) * x.size(1);
        if (gradShift != null) {
            copy(gradOut.sum(new int[] {1}, false), gradShift);
        }
        if (gradScale != null) {
            NDArray ln = Creation.output(DType.F32, x.device(), x.shape());
            layerNorm(x, rows, weight, bias, eps, ln, Creation.output(DType.F32, x.device(), mean.shape()),
                    Creation.output(DType.F32, x.device(), rstd.shape()));
            copy(gradOut.mul(ln).sum(new int[] {1}, false), gradScale);
        }
        if (gradX != null || gradWeight != null || gradBias != null) {
            NDArray g = gradOut.mul(scale.unsqueeze(1).add(1.0));
            layerNormBackward(x, g, mean, rstd, weight, rows, gradX, gradWeight, gradBias);
        }
    }

    /**
     * Softmax-cross-entropy per row of logits [R, C] (contiguous F32) against targets [R] (contiguous I64, each in
     * [0, C) or equal to ignoreIndex): lse[r] = log Σ_c exp(x[r, c]) and loss[r] = (1 − ε)·(lse − x[r, y]) +
     * ε·(lse − mean_c x[r, c]), 0 where y = ignoreIndex. This default composes log-softmax and a gather; a backend
     * may do each row in one pass.
     */
    default void softmaxCrossEntropy(NDArray logits, NDArray target, long ignoreIndex, float smoothing, NDArray loss,
                                     NDArray lse) {
        NDArray ignored = target.eq(ignoreIndex);
        NDArray logp = logits.logSoftmax(1);
        copy(logits.select(1, 0).sub(logp.select(1, 0)), lse);
        NDArray nll = logp.gather(1, target.maskedFill(ignored, 0).unsqueeze(1)).squeeze(1).neg();
        NDArray rowLoss = nll.mul(1 - smoothing).sub(logp.mean(new int[] {1}, false).mul(smoothing));
        copy(rowLoss.maskedFill(ignored, 0), loss);
    }

    /**
     * Gradient of {@link #softmaxCrossEntropy} for the logits: grad[r, c] = g[r]·(exp(x[r, c] − lse[r]) −
     * (1 − ε)·[c = y_r] − ε/C), 0 for ignored rows; gradLoss and lse are [R]. This default composes the ops.
     */
    default void softmaxCrossEntropyBackward(NDArray logits, NDArray target, NDArray lse, NDArray gradLoss,
                                             long ignoreIndex, float smoothing, NDArray gradLogits) {
        int classes = logits.size(1);
        NDArray ignored = target.eq(ignoreIndex);
        NDArray onehot = NDArray.arange(classes).to(logits.device()).unsqueeze(0)
                .eq(target.maskedFill(ignored, 0).unsqueeze(1)).to(DType.F32);
        NDArray p = logits.sub(lse.unsqueeze(1)).exp();
        NDArray g = p.sub(onehot.mul(1 - smoothing)).sub(smoothing / classes)
                .mul(gradLoss.maskedFill(ignored, 0).unsqueeze(1));
        copy(g, gradLogits);
    }

    /**
     * DiT's gated residual, out[n, t, :] = x[n, t, :] + gate[n, :]·branch[n, t, :] for x and branch [N, T, D] and
     * gate [N, D] (all contiguous). This default composes the two broadcast ops; a backend may fuse them.
     */
    default void gatedAdd(NDArray x, NDArray branch, NDArray gate, NDArray out) {
        copy(x.add(gate.unsqueeze(1).mul(branch)), out);
    }

    /**
     * Backward of {@link #gatedAdd} (x's gradient is the output gradient itself): gradBranch = g·gate and
     * gradGate = Σ_t g·branch, each written only when not null.
     */
    default void gatedAddBackward(NDArray gradOut, NDArray branch, NDArray gate, NDArray gradBranch,
                                  NDArray gradGate) {
        if (gradBranch != null) {
            copy(gate.unsqueeze(1).mul(gradOut), gradBranch);
        }
        if (gradGate != null) {
            copy(gradOut.mul(branch).sum(new int[] {1}, false), gradGate);
        }
    }

    /** conv2d of x [N,Cin,H,W] with w [Cout,Cin/groups,kH,kW] and optional bias [Cout]; all contiguous. */
    void conv2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out);

    /** conv_transpose2d of x [N,Cin,H,W] with w [Cin,Cout/groups,kH,kW] and optional bias [Cout]. */
    void convTranspose2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out);

    /**
     * Fused scaled-dot-product attention of q [B, H, Nq, D], k [B, H, Nk, D] and v [B, H, Nk, Dv] (F32; unlike the
     * other neural-network ops any strides are accepted as long as the last one is 1, so permuted qkv views need no
     * copy): out [B, H, Nq, Dv] = softmax(q·kᵀ·scale)·v and lse [B, H, Nq] = log Σ_j exp(q·k_jᵀ·scale), the row
     * log-sum-exp the backward pass recomputes the probabilities from; lse is contiguous, and so is out unless
     * {@link #stridedAttentionOutputs}. Without keys (Nk = 0) out is 0 and lse −inf.
     */
    void attention(NDArray q, NDArray k, NDArray v, float scale, NDArray out, NDArray lse);

    /**
     * Whether {@link #attention} and {@link #attentionBackward} accept an output and gradients that are strided
     * views with a unit last stride (rows of a [B, N, H·D] or [B, N, 3·H·D] array), not only contiguous arrays.
     * The default says no, and callers then pass contiguous arrays and copy.
     */
    default boolean stridedAttentionOutputs() {
        return false;
    }

    /**
     * Gradients of {@link #attention} from its inputs (same layouts), its output and the output gradient (any
     * strides with unit last stride) and the saved lse; writes gradQ, gradK and gradV (shaped like q, k and v;
     * contiguous unless {@link #stridedAttentionOutputs}), each only when not null.
     */
    void attentionBackward(NDArray q, NDArray k, NDArray v, NDArray out, NDArray gradOut, NDArray lse, float scale,
                           NDArray gradQ, NDArray gradK, NDArray gradV);

    // ---- resampling ----------------------------------------------------------------------------------------

    /**
     * Resizes the last two dims of x [N,C,H,W] into out's. {@code scaleH/scaleW} are the source-per-destination
     * ratios PyTorch uses (in/out, or 1/scale_factor when one was given).
     */
    void interpolate(NDArray x, InterpolationMode mode, boolean alignCorners, double scaleH, double scaleW,
                     NDArray out);

    /**
     * The sinusoidal timestep embedding out [N, dim] (F32, contiguous) of N timesteps t (1-D F32, I32 or I64):
     * out[r, i] = cos(t_r·f_i) and out[r, half + i] = sin(t_r·f_i) with f_i = {@link #timestepFrequencies}, half =
     * dim / 2, each evaluated in double and rounded once (a last column of zeros when dim is odd). This default
     * computes on the host from a host copy of t; a device backend computes in place, so that a diffusion model's
     * forward never waits to read its timesteps back.
     */
    default void timestepEmbedding(NDArray t, double maxPeriod, NDArray out) {
        int n = t.size(0);
        int dim = out.size(1);
        int half = dim / 2;
        double[] f = timestepFrequencies(half, maxPeriod);
        NDArray host = t.to(Device.CPU).to(t.dtype() == DType.F32 ? DType.F32 : DType.I64);
        double[] ts = new double[n];
        if (host.dtype() == DType.F32) {
            float[] v = host.toFloatArray();
            for (int r = 0; r < n; r++) {
                ts[r] = v[r];
            }
        } else {
            long[] v = host.toLongArray();
            for (int r = 0; r < n; r++) {
                ts[r] = v[r];
            }
        }
        float[] values = new float[n * dim];
        for (int i = 0; i < half; i++) {
            for (int r = 0; r < n; r++) {
                double a = ts[r] * f[i];
                values[r * dim + i] = (float) StrictMath.cos(a);
                values[r * dim + half + i] = (float) StrictMath.sin(a);
            }
        }
        copy(NDArray.of(values, n, dim).to(out.device()), out);
    }

    /** The frequencies of {@link #timestepEmbedding}: f_i = exp(−ln(maxPeriod)·i / half) for i in [0, half). */
    static double[] timestepFrequencies(int half, double maxPeriod) {
        double[] f = new double[half];
        for (int i = 0; i < half; i++) {
            f[i] = StrictMath.exp(-StrictMath.log(maxPeriod) * i / half);
        }
        return f;
    }

    /** avg_pool2d of x [N,C,H,W]. */
    void avgPool2d(NDArray x, Pool2dSpec spec, NDArray out);

    /**
     * Pads the trailing dims of x: {@code pads} in F.pad's order (last dim's left, right, then the dim before ...).
     * CONSTANT pads may be negative (cropping).
     */
    void pad(NDArray x, int[] pads, PadMode mode, double value, NDArray out);

    // ---- gradients of the neural-network ops ---------------------------------------------------------------

    /**
     * Weight gradient of conv2d: gradWeight [Cout, Cin/groups, kH, kW] = Σ over n, oy, ox of
     * gradOut[n, co, oy, ox] · x[n, ci, oy·sH − padTop + i·dH, ox·sW − padLeft + j·dW] (0 outside x), for x
     * [N, Cin, H, W] and gradOut [N, Cout, OH, OW] (OH, OW at most conv2d's output size; all contiguous).
     * gradWeight is overwritten. conv_transpose2d's weight gradient is this with x and gradOut swapped.
     */
    void conv2dWeightGrad(NDArray x, NDArray gradOut, Conv2dSpec spec, NDArray gradWeight);

    /**
     * LayerNorm backward over {@code rows} rows of x (contiguous), from the forward's per-row mean and rstd and an
     * optional weight; writes gradX (shaped like x), gradWeight and gradBias (the normalised shape), each only when
     * not null.
     */
    void layerNormBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight, int rows,
                           NDArray gradX, NDArray gradWeight, NDArray gradBias);

    /**
     * GroupNorm backward of x [N, C, *] in {@code groups} groups from the forward's mean and rstd [N, groups] and an
     * optional weight [C]; writes gradX, gradWeight and gradBias [C], each only when not null.
     */
    void groupNormBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight, int groups,
                           NDArray gradX, NDArray gradWeight, NDArray gradBias);

    /**
     * Backward of {@link #groupNormSilu} from the gradient of its output, its input x, the forward's mean and rstd,
     * weight and bias (nullable) and eps: the GroupNorm's output is recomputed, not kept from the forward. Writes
     * gradX, gradWeight and gradBias [C], each only when not null. This default recomputes it whole, applies the
     * SiLU derivative, then runs {@link #groupNormBackward}; a backend may fuse the three.
     */
    default void groupNormSiluBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight,
                                       NDArray bias, int groups, float eps, NDArray gradX, NDArray gradWeight,
                                       NDArray gradBias) {
        NDArray normed = Creation.output(DType.F32, x.device(), x.shape());
        groupNorm(x, groups, weight, bias, eps, normed, Creation.output(DType.F32, x.device(), mean.shape()),
                Creation.output(DType.F32, x.device(), rstd.shape()));
        NDArray g = Creation.output(DType.F32, x.device(), x.shape());
        binary(BinaryOp.SILU_BACKWARD, gradOut, normed, g);
        groupNormBackward(x, g, mean, rstd, weight, groups, gradX, gradWeight, gradBias);
    }

    /**
     * Gradient of {@link #interpolate}: gradIn [N,C,H,W] from gradOut [N,C,OH,OW] with the forward's mode and
     * scales (PyTorch's backward index rules).
     */
    void interpolateBackward(NDArray gradOut, InterpolationMode mode, boolean alignCorners, double scaleH,
                             double scaleW, NDArray gradIn);

    /** Gradient of {@link #avgPool2d}: gradIn [N,C,H,W] from gradOut [N,C,OH,OW]. */
    void avgPool2dBackward(NDArray gradOut, Pool2dSpec spec, NDArray gradIn);

    /**
     * Gradient of {@link #pad} (any mode, F32): each element of gradIn sums the elements of gradOut that the forward
     * copied from it.
     */
    void padBackward(NDArray gradOut, int[] pads, PadMode mode, NDArray gradIn);

    // ---- optimiser ------------------------------------------------------------------------------------------

    /**
     * One fused AdamW update in place over contiguous F32 {@code param}, {@code grad}, {@code expAvg} and
     * {@code expAvgSq} of one size, torch's rule with its Python-side scalars: p ·= keep (when {@code decay}),
     * m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², p += negStepSize · m / (√v / bias2Sqrt + eps). Returns false
     * when this backend has no fused kernel; the optimiser then composes the update from elementwise ops.
     */
    default boolean adamw(NDArray param, NDArray grad, NDArray expAvg, NDArray expAvgSq, boolean decay, float keep,
                          float beta1, float beta2, float bias2Sqrt, float eps, float negStepSize) {
        return false;
    }

    // ---- indexing and sorting ------------------------------------------------------------------------------

    /** out = x selected along dim by a 1-D index (I32 or I64, validated in range by the caller). */
    void indexSelect(NDArray x, int dim, NDArray index, NDArray out);

    /** out[...i_dim...] = x[...index[...]...] along dim (torch.gather); index same shape as out. */
    void gather(NDArray x, int dim, NDArray index, NDArray out);

    /** self[...index[...]...] += src[...] along dim, in place on the contiguous {@code self}. */
    void scatterAdd(NDArray self, int dim, NDArray index, NDArray src);

    /** Sorts along dim (stable; NaN last when ascending, first when descending); indices I64. */
    void sort(NDArray x, int dim, boolean descending, NDArray values, NDArray indices);

    /** The k largest (or smallest) along dim, sorted by value when {@code sorted}; indices I64. */
    void topk(NDArray x, int k, int dim, boolean largest, boolean sorted, NDArray values, NDArray indices);
}
