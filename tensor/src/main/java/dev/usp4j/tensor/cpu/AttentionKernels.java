package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import jdk.incubator.vector.FloatVector;

/**
 * Fused scaled-dot-product attention, forward and backward, for q [B, H, Nq, D], k [B, H, Nk, D] and
 * v [B, H, Nk, Dv] (F32, any strides whose last one is 1, so timm's permuted qkv views need no copy); the output and
 * the gradients may be such views too (rows of the [B, N, H·D] layout the projection reads, or of one packed
 * [B, N, 3·H·D] qkv gradient), which saves the copies that transposing back would cost.
 *
 * <p>Forward, for each (batch·head, block of up to {@link #BLOCK_Q} query rows): S = Q_blk·Kᵀ (one packed GEMM
 * into a per-thread [rows, Nk] scratch, K transposed once per head so the GEMM reads row-major panels), then per
 * row a stable softmax in vector passes (max; e = exp(s·scale − m·scale) with the sum; scale by 1/Σ), the row's
 * log-sum-exp m·scale + log Σ saved, and O_blk = P·V (a second GEMM written straight into the output). Only one
 * block's scores exist per thread at a time, never the B·H·Nq·Nk score tensor. Units are independent, so the work
 * is split over (batch·head, query block) pairs.
 *
 * <p>Backward recomputes each block's probabilities from the saved log-sum-exp, P = exp(S·scale − lse), and with
 * Δ = rowsum(dO∘O): dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P∘(dP − Δ)·scale, dQ = dS·K, dK += dSᵀ·Q. dK and dV collect
 * contributions from every query block of a head, so one thread owns a head and adds its blocks in order: the
 * backward is parallel over batch·heads, and every element is summed in an order fixed by the sizes alone. The
 * query block size depends only on Nq and Nk, never on the thread count, so results are bit-identical for any
 * number of threads. With {@link KernelPath#SCALAR} the GEMMs take their reference path and the row passes their
 * scalar loops.
 */
final class AttentionKernels {
    /** Query rows per block: 64 rows of 64-dim queries are one 16 KiB panel that the GEMMs reuse from L1/L2. */
    static final int BLOCK_Q = 64;
    /** At most this many scores per block (256 KiB): long key sequences get shorter query blocks. */
    private static final int SCORE_BUDGET = 1 << 16;
    /** Smallest query block that the budget may force (rows of very long key sequences). */
    private static final int MIN_BLOCK_Q = 8;
    /** Multiply-adds a parallel block should hold to pay for the fork. */
    private static final long BLOCK_MACS = 1L << 18;

    private AttentionKernels() {
    }

    /** Where head {@code unit} (= b·H + h) of a [B, H, N, D] array starts, and its row stride. */
    record Heads(float[] a, int off, int batchStride, int headStride, int row, int heads) {
        static Heads of(NDArray x) {
            return new Heads(CpuStorage.of(x).floats(), x.offset(), x.stride(0), x.stride(1), x.stride(2),
                    x.size(1));
        }

        int base(int unit) {
            return off + (unit / heads) * batchStride + (unit % heads) * headStride;
        }
    }

    /** Query rows per block for these sizes (a function of the sizes only: results must not depend on threads). */
    static int queryBlock(int nq, int nk) {
        int br = BLOCK_Q;
        while (br > MIN_BLOCK_Q && (long) br * nk > SCORE_BUDGET) {
            br /= 2;
        }
        return Math.max(1, Math.min(br, nq));
    }

    private static void check(String op, NDArray... arrays) {
        for (NDArray x : arrays) {
            if (x != null && (x.dtype() != DType.F32 || x.rank() < 1 || x.stride(x.rank() - 1) != 1
                    && x.size(x.rank() - 1) > 1)) {
                throw new IllegalStateException(op + ": the CPU kernel takes F32 arrays with unit last stride, got "
                        + x.dtype() + " with strides " + java.util.Arrays.toString(x.strides()));
            }
        }
    }

    static void attention(NDArray q, NDArray k, NDArray v, float scale, NDArray out, NDArray lse) {
        check("scaled_dot_product_attention", q, k, v, out, lse);
        int units = q.size(0) * q.size(1);
        int nq = q.size(2);
        int d = q.size(3);
        int nk = k.size(2);
        int dv = v.size(3);
        if (units == 0 || nq == 0) {
            return;
        }
        if (nk == 0) {
            // Softmax over no keys: PyTorch's composition gives an empty weighted sum (0) and log Σ = −inf.
            CopyKernels.fill(out, 0);
            CopyKernels.fill(lse, Double.NEGATIVE_INFINITY);
            return;
        }
        Heads qh = Heads.of(q);
        Heads kh = Heads.of(k);
        Heads vh = Heads.of(v);
        Heads oh = Heads.of(out);
        float[] ls = CpuStorage.of(lse).floats();
        int lOff = lse.offset();
        if (ShortAttention.applies(nq, nk)) {
            ShortAttention.forward(units, nq, nk, d, dv, qh, kh, vh, oh, ls, lOff, scale);
            return;
        }
        int br = queryBlock(nq, nk);
        int blocks = (nq + br - 1) / br;
        long macs = (long) br * nk * (d + dv);
        Parallel.forRange(units * blocks, (int) Math.max(1, BLOCK_MACS / macs), (start, end) -> {
            float[] s = new float[br * nk];
            float[] kT = new float[d * nk];
            float[] lanes = new float[LANES];
            int transposed = -1;
            for (int u = start; u < end; u++) {
                int unit = u / blocks;
                int q0 = (u % blocks) * br;
                int rows = Math.min(br, nq - q0);
                if (unit != transposed) {
                    transpose(kh.a, kh.base(unit), kh.row, nk, d, kT, nk);
                    transposed = unit;
                }
                PackedGemm.sgemm(rows, nk, d, qh.a, qh.base(unit) + q0 * qh.row, qh.row, 1, kT, 0, nk, 1,
                        s, 0, nk, false);
                int lo = lOff + unit * nq + q0;
                for (int r = 0; r < rows; r++) {
                    ls[lo + r] = softmaxRow(s, r * nk, nk, scale, lanes);
                }
                PackedGemm.sgemm(rows, dv, nk, s, 0, nk, 1, vh.a, vh.base(unit), vh.row, 1,
                        oh.a, oh.base(unit) + q0 * oh.row, oh.row, false);
            }
        });
    }

    /**
     * Gradients of {@link #attention} from its output, the output gradient and the saved log-sum-exp; gradQ, gradK
     * and gradV (any strides with a unit last one) may each be null (not needed).
     */
    static void attentionBackward(NDArray q, NDArray k, NDArray v, NDArray out, NDArray gradOut, NDArray lse,
                                  float scale, NDArray gradQ, NDArray gradK, NDArray gradV) {
        check("scaled_dot_product_attention_backward", q, k, v, out, gradOut, lse, gradQ, gradK, gradV);
        int units = q.size(0) * q.size(1);
        int nq = q.size(2);
        int d = q.size(3);
        int nk = k.size(2);
        int dv = v.size(3);
        if (units == 0 || nq == 0 || nk == 0) {
            // Nothing flows back: zero gradients (otherwise every element is written below: dQ by each query
            // block, dK and dV overwritten by the first block and accumulated by the rest).
            for (NDArray g : new NDArray[] {gradQ, gradK, gradV}) {
                if (g != null) {
                    CopyKernels.fill(g, 0);
                }
            }
            return;
        }
        Heads qh = Heads.of(q);
        Heads kh = Heads.of(k);
        Heads vh = Heads.of(v);
        Heads oh = Heads.of(out);
        Heads gh = Heads.of(gradOut);
        float[] ls = CpuStorage.of(lse).floats();
        int lOff = lse.offset();
        boolean needQ = gradQ != null;
        boolean needK = gradK != null;
        boolean needV = gradV != null;
        boolean needS = needQ || needK;
        Heads gqh = needQ ? Heads.of(gradQ) : null;
        Heads gkh = needK ? Heads.of(gradK) : null;
        Heads gvh = needV ? Heads.of(gradV) : null;
        if (ShortAttention.applies(nq, nk)) {
            ShortAttention.backward(units, nq, nk, d, dv, qh, kh, vh, oh, gh, ls, lOff, scale, gqh, gkh, gvh);
            return;
        }
        int br = queryBlock(nq, nk);
        long macs = (long) nq * nk * (2L * d + 3L * dv);
        Parallel.forRange(units, (int) Math.max(1, BLOCK_MACS / macs), (start, end) -> {
            float[] p = new float[br * nk];
            float[] ds = needS ? new float[br * nk] : null;
            float[] kT = new float[d * nk];
            float[] vT = needS ? new float[dv * nk] : null;
            float[] delta = new float[br];
            float[] lanes = new float[LANES];
            for (int unit = start; unit < end; unit++) {
                int qb = qh.base(unit);
                int gb = gh.base(unit);
                transpose(kh.a, kh.base(unit), kh.row, nk, d, kT, nk);
                if (needS) {
                    transpose(vh.a, vh.base(unit), vh.row, nk, dv, vT, nk);
                }
                for (int q0 = 0; q0 < nq; q0 += br) {
                    int rows = Math.min(br, nq - q0);
                    boolean first = q0 == 0;
                    int qRows = qb + q0 * qh.row;
                    int gRows = gb + q0 * gh.row;
                    PackedGemm.sgemm(rows, nk, d, qh.a, qRows, qh.row, 1, kT, 0, nk, 1, p, 0, nk, false);
                    int lo = lOff + unit * nq + q0;
                    for (int r = 0; r < rows; r++) {
                        probabilityRow(p, r * nk, nk, scale, ls[lo + r]);
                    }
                    if (needV) {
                        // dV[key, c] += Σ_rows P[row, key]·dO[row, c]: P read transposed through its strides.
                        PackedGemm.sgemm(nk, dv, rows, p, 0, 1, nk, gh.a, gRows, gh.row, 1,
                                gvh.a, gvh.base(unit), gvh.row, !first);
                    }
                    if (!needS) {
                        continue;
                    }
                    PackedGemm.sgemm(rows, nk, dv, gh.a, gRows, gh.row, 1, vT, 0, nk, 1, ds, 0, nk, false);
                    for (int r = 0; r < rows; r++) {
                        delta[r] = dot(gh.a, gRows + r * gh.row, oh.a, oh.base(unit) + (q0 + r) * oh.row, dv,
                                lanes);
                    }
                    for (int r = 0; r < rows; r++) {
                        scoreGradRow(p, ds, r * nk, nk, delta[r], scale);
                    }
                    if (needQ) {
                        PackedGemm.sgemm(rows, d, nk, ds, 0, nk, 1, kh.a, kh.base(unit), kh.row, 1,
                                gqh.a, gqh.base(unit) + q0 * gqh.row, gqh.row, false);
                    }
                    if (needK) {
                        PackedGemm.sgemm(nk, d, rows, ds, 0, 1, nk, qh.a, qRows, qh.row, 1,
                                gkh.a, gkh.base(unit), gkh.row, !first);
                    }
                }
            }
        });
    }

    /**
     * dst[c·width + r] = src[base + r·row + c] for r &lt; n, c &lt; cols: one head's K (or V) as [cols, n], rows
     * width apart.
     */
    static void transpose(float[] src, int base, int row, int n, int cols, float[] dst, int width) {
        for (int r = 0; r < n; r++) {
            int s = base + r * row;
            for (int c = 0; c < cols; c++) {
                dst[c * width + r] = src[s + c];
            }
        }
    }

    /**
     * Replaces the n raw scores at {@code off} by softmax(s·scale) and returns the row's log-sum-exp. The shift is
     * the extreme that is largest after scaling (the max for scale ≥ 0), so every exponent is at most 0.
     */
    static float softmaxRow(float[] s, int off, int n, float scale, float[] lanes) {
        float ext = scale >= 0 ? FloatReduceKernels.maxSeg(s, off, n, lanes)
                : FloatReduceKernels.minSeg(s, off, n, lanes);
        // Infinite scores make the shifted exponents NaN, and so the whole row, as in PyTorch.
        float shift = ext * scale;
        // The exponentials in their own compiled method (./usp's flags keep it out of line): in one graph with the
        // sum, C2 reached its inlining node budget after the vector exp and left the lane sum's store a call, whose
        // vector went to the heap, in some JVMs and not others (5% of an MAE 16×16 step where it happened).
        probabilityRow(s, off, n, scale, shift);
        return (float) (shift + StrictMath.log(normalizeRow(s, off, n, lanes)));
    }

    /**
     * Divides the n values at {@code off} by their sum and returns the sum: the lanes summed vector by vector in
     * float, then across lanes and the tail in double (a fixed order).
     */
    private static double normalizeRow(float[] s, int off, int n, float[] lanes) {
        int i = 0;
        double sum = 0;
        if (!KernelPath.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (; i <= n - LANES; i += LANES) {
                acc = acc.add(FloatVector.fromArray(F, s, off + i));
            }
            acc.intoArray(lanes, 0);
            sum = VectorMath.sumLanes(lanes);
        }
        for (; i < n; i++) {
            sum += s[off + i];
        }
        float inv = (float) (1 / sum);
        i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector.fromArray(F, s, off + i).mul(inv).intoArray(s, off + i);
            }
        }
        for (; i < n; i++) {
            s[off + i] *= inv;
        }
        return sum;
    }

    /** Replaces the n raw scores at {@code off} by the probabilities exp(s·scale − lse). */
    static void probabilityRow(float[] s, int off, int n, float scale, float lse) {
        float neg = -lse;
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                VectorMath.exp(FloatVector.fromArray(F, s, off + i).fma(scale, neg)).intoArray(s, off + i);
            }
        }
        for (; i < n; i++) {
            s[off + i] = VectorMath.exp(Math.fma(s[off + i], scale, neg));
        }
    }

    /** ds = p∘(ds − delta)·scale over one row, ds holding dP = dO·Vᵀ on entry. */
    static void scoreGradRow(float[] p, float[] ds, int off, int n, float delta, float scale) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector.fromArray(F, ds, off + i).sub(delta).mul(FloatVector.fromArray(F, p, off + i))
                        .mul(scale).intoArray(ds, off + i);
            }
        }
        for (; i < n; i++) {
            ds[off + i] = (ds[off + i] - delta) * p[off + i] * scale;
        }
    }

    /** Σ a[ao + c]·b[bo + c] for c &lt; n, in lane order then the tail (fixed order). */
    static float dot(float[] a, int ao, float[] b, int bo, int n, float[] lanes) {
        int i = 0;
        double sum = 0;
        if (!KernelPath.SCALAR && n >= LANES) {
            FloatVector acc = FloatVector.zero(F);
            for (; i <= n - LANES; i += LANES) {
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            }
            acc.intoArray(lanes, 0);
            sum = VectorMath.sumLanes(lanes);
        }
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return (float) sum;
    }
}
