package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.cpu.AttentionKernels.Heads;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The fused attention kernels' path for very short key sequences (at most {@link #MAX_KEYS} keys), such as the
 * 5 tokens MAE's encoder sees on 8×8 latents at 75% masking, where each product of a head is a few hundred
 * multiply-adds and {@link AttentionKernels}' blocked GEMMs spend most of their time in per-call set-up. A row of
 * scores fits in one vector, so each product is written out directly: the scores of a query row are built
 * lane-per-key from Kᵀ (a head's K transposed once, padded to a whole vector), four rows at a time so that four
 * FMA chains hide the FMA latency; the softmax works on that vector; and every product whose result is a row of
 * the head dimension (O = P·V, dQ = dS·K, dK = dSᵀ·Q, dV = Pᵀ·dO) is a chain of broadcast-times-row FMAs.
 *
 * <p>Measured at [64, 6, 5, 64] (2 threads, outputs preallocated, medians of 400 calls): forward 260–270 →
 * 150–155 µs, backward 465–480 → 230 µs. From 16 keys on the blocked path is as fast or faster (its backward by up to
 * 30%), hence the limit (bench/RESULTS.md, tenth session).
 *
 * <p>Every sum runs in an order fixed by the sizes (over the head dimension for scores, over keys or queries for
 * rows), one thread owns a head, and the scores the backward recomputes are the forward's very floats: results are
 * bit-identical for any number of threads. The floats differ from the blocked path's in the last bits (another
 * summation order), as any two GEMMs' do; the attention tests hold both to the same double-precision reference.
 */
final class ShortAttention {
    /** Longest key sequence this path takes. */
    static final int MAX_KEYS = 8;
    /** Longest query sequence: the scratch holds a whole head's probabilities (nq × 16 floats). */
    private static final int MAX_QUERIES = 1024;
    /** Query rows whose scores are built together (independent FMA chains). */
    private static final int ROWS = 4;
    /** Multiply-adds a parallel block should hold to pay for the fork. */
    private static final long BLOCK_MACS = 1L << 18;

    private ShortAttention() {
    }

    static boolean applies(int nq, int nk) {
        return !KernelPath.SCALAR && nk <= MAX_KEYS && nq <= MAX_QUERIES;
    }

    /** Lanes of the last score vector past the nk keys (none when nk is a whole number of vectors). */
    private static VectorMask<Float> padding(int nk, int width) {
        return F.indexInRange(width - LANES, nk).not();
    }

    static void forward(int units, int nq, int nk, int d, int dv, Heads qh, Heads kh, Heads vh, Heads oh,
                        float[] ls, int lOff, float scale) {
        int width = (nk + LANES - 1) / LANES * LANES;
        VectorMask<Float> pad = padding(nk, width);
        long macs = (long) nq * nk * (d + dv);
        Parallel.forRange(units, (int) Math.max(1, BLOCK_MACS / macs), (start, end) -> {
            float[] kT = new float[d * width];
            float[] s = new float[ROWS * width];
            for (int unit = start; unit < end; unit++) {
                AttentionKernels.transpose(kh.a(), kh.base(unit), kh.row(), nk, d, kT, width);
                int qb = qh.base(unit);
                int ob = oh.base(unit);
                for (int i0 = 0; i0 < nq; i0 += ROWS) {
                    int rows = Math.min(ROWS, nq - i0);
                    scores(qh.a(), qb + i0 * qh.row(), qh.row(), rows, d, kT, width, s);
                    for (int r = 0; r < rows; r++) {
                        ls[lOff + unit * nq + i0 + r] = softmax(s, r * width, width, scale, pad);
                        weightedRows(s, r * width, 1, nk, vh.a(), vh.base(unit), vh.row(), dv,
                                oh.a(), ob + (i0 + r) * oh.row());
                    }
                }
            }
        });
    }

    static void backward(int units, int nq, int nk, int d, int dv, Heads qh, Heads kh, Heads vh, Heads oh,
                         Heads gh, float[] ls, int lOff, float scale, Heads gqh, Heads gkh, Heads gvh) {
        int width = (nk + LANES - 1) / LANES * LANES;
        VectorMask<Float> pad = padding(nk, width);
        boolean needS = gqh != null || gkh != null;
        long macs = (long) nq * nk * (2L * d + 3L * dv);
        Parallel.forRange(units, (int) Math.max(1, BLOCK_MACS / macs), (start, end) -> {
            float[] kT = new float[d * width];
            float[] vT = needS ? new float[dv * width] : null;
            float[] p = new float[nq * width];
            float[] ds = needS ? new float[nq * width] : null;
            float[] lanes = new float[LANES];
            for (int unit = start; unit < end; unit++) {
                int qb = qh.base(unit);
                int gb = gh.base(unit);
                AttentionKernels.transpose(kh.a(), kh.base(unit), kh.row(), nk, d, kT, width);
                if (needS) {
                    AttentionKernels.transpose(vh.a(), vh.base(unit), vh.row(), nk, dv, vT, width);
                }
                for (int i0 = 0; i0 < nq; i0 += ROWS) {
                    int rows = Math.min(ROWS, nq - i0);
                    // P = exp(S·scale − lse) from the forward's scores (the same floats: same order).
                    scores(qh.a(), qb + i0 * qh.row(), qh.row(), rows, d, kT, width, p, i0 * width);
                    for (int r = 0; r < rows; r++) {
                        probabilities(p, (i0 + r) * width, width, scale, ls[lOff + unit * nq + i0 + r], pad);
                    }
                    if (!needS) {
                        continue;
                    }
                    // dS = P∘(dO·Vᵀ − Δ)·scale, Δ = rowsum(dO∘O).
                    scores(gh.a(), gb + i0 * gh.row(), gh.row(), rows, dv, vT, width, ds, i0 * width);
                    for (int r = 0; r < rows; r++) {
                        int i = i0 + r;
                        float delta = AttentionKernels.dot(gh.a(), gb + i * gh.row(), oh.a(),
                                oh.base(unit) + i * oh.row(), dv, lanes);
                        AttentionKernels.scoreGradRow(p, ds, i * width, width, delta, scale);
                    }
                }
                if (gvh != null) {
                    // dV[j] = Σ_i P[i, j]·dO[i]
                    for (int j = 0; j < nk; j++) {
                        weightedRows(p, j, width, nq, gh.a(), gb, gh.row(), dv, gvh.a(),
                                gvh.base(unit) + j * gvh.row());
                    }
                }
                if (gqh != null) {
                    // dQ[i] = Σ_j dS[i, j]·K[j]
                    for (int i = 0; i < nq; i++) {
                        weightedRows(ds, i * width, 1, nk, kh.a(), kh.base(unit), kh.row(), d,
                                gqh.a(), gqh.base(unit) + i * gqh.row());
                    }
                }
                if (gkh != null) {
                    // dK[j] = Σ_i dS[i, j]·Q[i]
                    for (int j = 0; j < nk; j++) {
                        weightedRows(ds, j, width, nq, qh.a(), qb, qh.row(), d, gkh.a(),
                                gkh.base(unit) + j * gkh.row());
                    }
                }
            }
        });
    }

    private static void scores(float[] x, int xOff, int xRow, int rows, int d, float[] t, int width, float[] s) {
        scores(x, xOff, xRow, rows, d, t, width, s, 0);
    }

    /**
     * s[sOff + r·width + j] = Σ_c x(r, c)·t[c·width + j] for r &lt; rows (at most {@link #ROWS}) and every lane j,
     * each sum in c order: the scores of a few query rows against a transposed, padded K (or dO·Vᵀ against Vᵀ).
     * A full group of rows takes independent chains side by side; fewer rows take one chain each, with the same
     * operations per row.
     */
    private static void scores(float[] x, int xOff, int xRow, int rows, int d, float[] t, int width, float[] s,
                               int sOff) {
        for (int j = 0; j < width; j += LANES) {
            if (rows == ROWS) {
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int c = 0; c < d; c++) {
                    FloatVector tv = FloatVector.fromArray(F, t, c * width + j);
                    int xc = xOff + c;
                    a0 = tv.fma(FloatVector.broadcast(F, x[xc]), a0);
                    a1 = tv.fma(FloatVector.broadcast(F, x[xc + xRow]), a1);
                    a2 = tv.fma(FloatVector.broadcast(F, x[xc + 2 * xRow]), a2);
                    a3 = tv.fma(FloatVector.broadcast(F, x[xc + 3 * xRow]), a3);
                }
                a0.intoArray(s, sOff + j);
                a1.intoArray(s, sOff + width + j);
                a2.intoArray(s, sOff + 2 * width + j);
                a3.intoArray(s, sOff + 3 * width + j);
            } else {
                for (int r = 0; r < rows; r++) {
                    int xr = xOff + r * xRow;
                    FloatVector a = FloatVector.zero(F);
                    for (int c = 0; c < d; c++) {
                        a = FloatVector.fromArray(F, t, c * width + j).fma(FloatVector.broadcast(F, x[xr + c]), a);
                    }
                    a.intoArray(s, sOff + r * width + j);
                }
            }
        }
    }

    /**
     * Replaces the row of nk raw scores at {@code off} (padded to width) by softmax(s·scale), the padding by 0,
     * and returns the log-sum-exp; the shift is the extreme that is largest after scaling, as in
     * {@link AttentionKernels#softmaxRow}.
     */
    private static float softmax(float[] s, int off, int width, float scale, VectorMask<Float> pad) {
        // The extreme over the keys (lanes past them set to one that cannot win); NaN if any score is NaN.
        boolean max = scale >= 0;
        float ext = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        for (int j = 0; j < width; j += LANES) {
            FloatVector v = FloatVector.fromArray(F, s, off + j);
            if (j + LANES == width) {
                v = v.blend(ext, pad);
            }
            ext = max ? Math.max(ext, v.reduceLanes(VectorOperators.MAX))
                    : Math.min(ext, v.reduceLanes(VectorOperators.MIN));
        }
        float shift = ext * scale;
        // The exponentials in their own compiled method (./usp's flags keep it out of line), as in
        // AttentionKernels.softmaxRow: in one graph with the sum, C2 ran out of inlining nodes after the vector exp
        // and left the lane sum a call taking a boxed vector (bench/check-inlining.sh, MAE 8×8).
        probabilities(s, off, width, scale, shift, pad);
        return shift + VectorMath.log(normalize(s, off, width));
    }

    /** Divides a padded row of exponentials by its sum (lanes summed vector by vector, then across) and returns it. */
    private static float normalize(float[] s, int off, int width) {
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < width; j += LANES) {
            sum = sum.add(FloatVector.fromArray(F, s, off + j));
        }
        float total = VectorMath.sumLanesFloat(sum);
        float inv = 1 / total;
        for (int j = 0; j < width; j += LANES) {
            FloatVector.fromArray(F, s, off + j).mul(inv).intoArray(s, off + j);
        }
        return total;
    }

    /** Replaces a padded row of raw scores by exp(s·scale − lse), the padding by 0. */
    private static void probabilities(float[] s, int off, int width, float scale, float lse, VectorMask<Float> pad) {
        float neg = -lse;
        for (int j = 0; j < width; j += LANES) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, s, off + j).fma(scale, neg));
            if (j + LANES == width) {
                e = e.blend(0f, pad);
            }
            e.intoArray(s, off + j);
        }
    }

    /**
     * out[c] = Σ_t w[wOff + t·wStep]·y[yOff + t·yRow + c] for c &lt; n over t &lt; count, each sum in t order:
     * a row of weights (wStep 1: a row of P or dS times V or K) or a column of them (wStep = width: a column of P or dS
     * times the rows of dO or Q) times count rows of y.
     */
    private static void weightedRows(float[] w, int wOff, int wStep, int count, float[] y, int yOff, int yRow, int n,
                                     float[] out, int outOff) {
        int c = 0;
        // Four vectors of the row at a time: four independent chains (of count dependent FMAs each).
        for (; c <= n - 4 * LANES; c += 4 * LANES) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int t = 0; t < count; t++) {
                FloatVector wt = FloatVector.broadcast(F, w[wOff + t * wStep]);
                int yt = yOff + t * yRow + c;
                a0 = FloatVector.fromArray(F, y, yt).fma(wt, a0);
                a1 = FloatVector.fromArray(F, y, yt + LANES).fma(wt, a1);
                a2 = FloatVector.fromArray(F, y, yt + 2 * LANES).fma(wt, a2);
                a3 = FloatVector.fromArray(F, y, yt + 3 * LANES).fma(wt, a3);
            }
            a0.intoArray(out, outOff + c);
            a1.intoArray(out, outOff + c + LANES);
            a2.intoArray(out, outOff + c + 2 * LANES);
            a3.intoArray(out, outOff + c + 3 * LANES);
        }
        for (; c <= n - LANES; c += LANES) {
            FloatVector a = FloatVector.zero(F);
            for (int t = 0; t < count; t++) {
                a = FloatVector.fromArray(F, y, yOff + t * yRow + c).fma(FloatVector.broadcast(F, w[wOff + t * wStep]),
                        a);
            }
            a.intoArray(out, outOff + c);
        }
        for (; c < n; c++) {
            float a = 0;
            for (int t = 0; t < count; t++) {
                a = Math.fma(y[yOff + t * yRow + c], w[wOff + t * wStep], a);
            }
            out[outOff + c] = a;
        }
    }
}
