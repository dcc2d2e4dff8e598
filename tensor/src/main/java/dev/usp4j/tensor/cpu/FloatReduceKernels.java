package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import jdk.incubator.vector.FloatVector;

/**
 * F32 reductions (sum, mean, product, max, min, logsumexp) and variance over a {@link ReducePlan}.
 *
 * <p>Accuracy and determinism come from fixed blocking: in a row plan each contiguous run is summed in float
 * vector lanes over blocks of {@link #BLK} elements, each block's lanes are added in double, and blocks are grouped
 * into chunks of {@link #CH} elements; in a column plan each output accumulates at most {@link #BR} rows in float
 * before the block goes into a double, and rows are grouped into chunks of {@link #CHR}. {@link ChunkedReduce}
 * folds the chunk partials in order, in parallel over outputs or over chunks. Logsumexp takes the max first and
 * sums exp(x − max) in a second pass; variance takes the mean first and then sums the deviations d = x − mean and
 * their squares, giving the corrected two-pass estimate Σd² − (Σd)²/N.
 */
final class FloatReduceKernels {
    /** Row plan: elements per float-lane block. */
    static final int BLK = 1024;
    /** Row plan: elements per chunk (a unit of parallel work and of the fold order). */
    static final int CH = 16 * BLK;
    /** Column plan: rows per float block. */
    static final int BR = 64;
    /** Column plan: rows per chunk. */
    static final int CHR = 1024;
    /** Column plan: outputs per tile (per unit of work). */
    static final int KT = 256;

    /** What one pass accumulates. */
    enum Kind { SUM, PROD, MAX, MIN, SUM_EXP, DEV }

    /** Writes output {@code oi} from the folded totals (b is Σd² for DEV, unused otherwise). */
    @FunctionalInterface
    interface Finish {
        void run(int oi, double a, double b);
    }

    private FloatReduceKernels() {
    }

    private static int ceilDiv(long a, long b) {
        return (int) ((a + b - 1) / b);
    }

    private static ChunkedReduce.Combine combine(Kind kind) {
        return switch (kind) {
            case SUM, SUM_EXP, DEV -> ChunkedReduce.Combine.SUM;
            case PROD -> ChunkedReduce.Combine.PROD;
            case MAX -> ChunkedReduce.Combine.MAX;
            case MIN -> ChunkedReduce.Combine.MIN;
        };
    }

    /**
     * One pass of {@code kind} over the plan. SUM_EXP reads each output's shift from {@code out} (the max of a
     * previous pass; outputs with a non-finite max are skipped), DEV reads each output's mean from {@code stat}.
     */
    static void pass(Kind kind, ReducePlan p, float[] out, double[] stat, Finish finish) {
        float[] x = CpuStorage.of(p.x).floats();
        int w = kind == Kind.DEV ? 2 : 1;
        int m = p.xRed.length;
        if (p.rowMode) {
            int r = p.run;
            int cpr = r >= CH ? ceilDiv(r, CH) : 0;
            int rpc = r >= CH ? 0 : CH / r;
            int chunks = r >= CH ? m * cpr : ceilDiv(m, rpc);
            long chunkWork = r >= CH ? CH : (long) rpc * r;
            ChunkedReduce.run(p.units(), chunks, w, chunkWork, 2 * LANES, combine(kind),
                    (u, c, dst, off, s) -> {
                        int base = p.xOuter[u];
                        float shift = param(kind, p.oOuter[u], out, stat);
                        if (kind == Kind.SUM_EXP && !Float.isFinite(out[p.oOuter[u]])) {
                            dst[off] = 0;
                            return;
                        }
                        double a = combine(kind).identity();
                        dst[off] = 0;
                        if (w == 2) {
                            dst[off + 1] = 0;
                        }
                        if (r >= CH) {
                            int mi = c / cpr;
                            int s0 = (c % cpr) * CH;
                            a = segment(kind, x, base + p.xRed[mi] + s0, Math.min(CH, r - s0), a, shift, dst, off,
                                    s);
                        } else {
                            for (int mi = c * rpc, me = Math.min(m, mi + rpc); mi < me; mi++) {
                                a = segment(kind, x, base + p.xRed[mi], r, a, shift, dst, off, s);
                            }
                        }
                        if (w == 1) {
                            dst[off] = a;
                        }
                    },
                    (u, total, off) -> finish.run(p.oOuter[u], total[off], w == 2 ? total[off + 1] : 0));
            return;
        }
        int k = p.run;
        int ktiles = ceilDiv(k, KT);
        int tile = Math.min(KT, k);
        int chunks = ceilDiv(m, CHR);
        long chunkWork = (long) Math.min(CHR, m) * tile;
        int os = p.outStride;
        ChunkedReduce.run(p.units() * ktiles, chunks, w * tile, chunkWork, 3 * KT, combine(kind),
                (u, c, dst, off, s) -> {
                    int pp = u / ktiles;
                    int k0 = (u % ktiles) * KT;
                    int kn = Math.min(KT, k - k0);
                    if (kind == Kind.SUM_EXP || kind == Kind.DEV) {
                        for (int j = 0; j < kn; j++) {
                            int oi = p.oOuter[pp] + (k0 + j) * os;
                            float v = param(kind, oi, out, stat);
                            // A non-finite max is the answer itself; shifting by +inf keeps exp's argument ≤ 0.
                            s[2 * KT + j] = kind == Kind.SUM_EXP && !Float.isFinite(v) ? Float.POSITIVE_INFINITY : v;
                        }
                    }
                    int m0 = c * CHR;
                    int m1 = Math.min(m, m0 + CHR);
                    columns(kind, x, p.xOuter[pp] + k0, p.xRed, m0, m1, kn, s, dst, off, tile);
                },
                (u, total, off) -> {
                    int pp = u / ktiles;
                    int k0 = (u % ktiles) * KT;
                    int kn = Math.min(KT, k - k0);
                    for (int j = 0; j < kn; j++) {
                        finish.run(p.oOuter[pp] + (k0 + j) * os, total[off + j], w == 2 ? total[off + tile + j] : 0);
                    }
                });
    }

    private static float param(Kind kind, int oi, float[] out, double[] stat) {
        return switch (kind) {
            case SUM_EXP -> out[oi];
            case DEV -> (float) stat[oi];
            default -> 0f;
        };
    }

    // ---- row plan: one contiguous segment ------------------------------------------------------------------

    private static double segment(Kind kind, float[] x, int off, int n, double a, float shift, double[] dst,
                                  int dOff, float[] s) {
        return switch (kind) {
            case SUM -> a + sumSeg(x, off, n, s);
            case PROD -> a * prodSeg(x, off, n, s);
            case MAX -> Math.max(a, maxSeg(x, off, n, s));
            case MIN -> Math.min(a, minSeg(x, off, n, s));
            case SUM_EXP -> a + sumExpSeg(x, off, n, shift, s);
            case DEV -> {
                devSeg(x, off, n, shift, dst, dOff, s);
                yield a;
            }
        };
    }

    /** Σ x[off, off+n): float lanes per block of BLK, blocks added in double. */
    static double sumSeg(float[] x, int off, int n, float[] s) {
        double acc = 0;
        if (KernelPath.SCALAR || n < LANES) {
            for (int i = 0; i < n; i++) {
                acc += x[off + i];
            }
            return acc;
        }
        for (int b = 0; b < n; b += BLK) {
            int e = Math.min(n, b + BLK);
            int i = b;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (; i <= e - 4 * LANES; i += 4 * LANES) {
                a0 = a0.add(FloatVector.fromArray(F, x, off + i));
                a1 = a1.add(FloatVector.fromArray(F, x, off + i + LANES));
                a2 = a2.add(FloatVector.fromArray(F, x, off + i + 2 * LANES));
                a3 = a3.add(FloatVector.fromArray(F, x, off + i + 3 * LANES));
            }
            for (; i <= e - LANES; i += LANES) {
                a0 = a0.add(FloatVector.fromArray(F, x, off + i));
            }
            a0.add(a1).add(a2.add(a3)).intoArray(s, 0);
            double blk = VectorMath.sumLanes(s);
            for (; i < e; i++) {
                blk += x[off + i];
            }
            acc += blk;
        }
        return acc;
    }

    static double prodSeg(float[] x, int off, int n, float[] s) {
        double acc = 1;
        if (KernelPath.SCALAR || n < LANES) {
            for (int i = 0; i < n; i++) {
                acc *= x[off + i];
            }
            return acc;
        }
        for (int b = 0; b < n; b += BLK) {
            int e = Math.min(n, b + BLK);
            int i = b;
            FloatVector a0 = FloatVector.broadcast(F, 1f);
            FloatVector a1 = a0;
            for (; i <= e - 2 * LANES; i += 2 * LANES) {
                a0 = a0.mul(FloatVector.fromArray(F, x, off + i));
                a1 = a1.mul(FloatVector.fromArray(F, x, off + i + LANES));
            }
            for (; i <= e - LANES; i += LANES) {
                a0 = a0.mul(FloatVector.fromArray(F, x, off + i));
            }
            // Lanes go to double separately: their float product could overflow where the total does not.
            a0.intoArray(s, 0);
            double blk = VectorMath.prodLanes(s);
            a1.intoArray(s, 0);
            blk *= VectorMath.prodLanes(s);
            for (; i < e; i++) {
                blk *= x[off + i];
            }
            acc *= blk;
        }
        return acc;
    }

    static float maxSeg(float[] x, int off, int n, float[] s) {
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (!KernelPath.SCALAR && n >= LANES) {
            FloatVector a = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i <= n - LANES; i += LANES) {
                a = a.max(FloatVector.fromArray(F, x, off + i));
            }
            a.intoArray(s, 0);
            m = VectorMath.maxLanes(s);
        }
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    static float minSeg(float[] x, int off, int n, float[] s) {
        float m = Float.POSITIVE_INFINITY;
        int i = 0;
        if (!KernelPath.SCALAR && n >= LANES) {
            FloatVector a = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
            for (; i <= n - LANES; i += LANES) {
                a = a.min(FloatVector.fromArray(F, x, off + i));
            }
            a.intoArray(s, 0);
            m = VectorMath.minLanes(s);
        }
        for (; i < n; i++) {
            m = Math.min(m, x[off + i]);
        }
        return m;
    }

    /** Σ exp(x − shift) over the segment, blocked like {@link #sumSeg}. */
    static double sumExpSeg(float[] x, int off, int n, float shift, float[] s) {
        double acc = 0;
        if (KernelPath.SCALAR || n < LANES) {
            for (int i = 0; i < n; i++) {
                acc += VectorMath.exp(x[off + i] - shift);
            }
            return acc;
        }
        for (int b = 0; b < n; b += BLK) {
            int e = Math.min(n, b + BLK);
            int i = b;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            for (; i <= e - 2 * LANES; i += 2 * LANES) {
                a0 = a0.add(VectorMath.exp(FloatVector.fromArray(F, x, off + i).sub(shift)));
                a1 = a1.add(VectorMath.exp(FloatVector.fromArray(F, x, off + i + LANES).sub(shift)));
            }
            for (; i <= e - LANES; i += LANES) {
                a0 = a0.add(VectorMath.exp(FloatVector.fromArray(F, x, off + i).sub(shift)));
            }
            a0.add(a1).intoArray(s, 0);
            double blk = VectorMath.sumLanes(s);
            for (; i < e; i++) {
                blk += VectorMath.exp(x[off + i] - shift);
            }
            acc += blk;
        }
        return acc;
    }

    /** dst[dOff] += Σ(x − mean), dst[dOff+1] += Σ(x − mean)² over the segment, blocked like {@link #sumSeg}. */
    static void devSeg(float[] x, int off, int n, float mean, double[] dst, int dOff, float[] s) {
        if (KernelPath.SCALAR || n < LANES) {
            double sd = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                float d = x[off + i] - mean;
                sd += d;
                sq += (double) d * d;
            }
            dst[dOff] += sd;
            dst[dOff + 1] += sq;
            return;
        }
        for (int b = 0; b < n; b += BLK) {
            int e = Math.min(n, b + BLK);
            int i = b;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector q0 = s0;
            FloatVector q1 = s0;
            for (; i <= e - 2 * LANES; i += 2 * LANES) {
                FloatVector d0 = FloatVector.fromArray(F, x, off + i).sub(mean);
                FloatVector d1 = FloatVector.fromArray(F, x, off + i + LANES).sub(mean);
                s0 = s0.add(d0);
                s1 = s1.add(d1);
                q0 = d0.fma(d0, q0);
                q1 = d1.fma(d1, q1);
            }
            for (; i <= e - LANES; i += LANES) {
                FloatVector d0 = FloatVector.fromArray(F, x, off + i).sub(mean);
                s0 = s0.add(d0);
                q0 = d0.fma(d0, q0);
            }
            s0.add(s1).intoArray(s, 0);
            double bs = VectorMath.sumLanes(s);
            q0.add(q1).intoArray(s, 0);
            double bq = VectorMath.sumLanes(s);
            for (; i < e; i++) {
                float d = x[off + i] - mean;
                bs += d;
                bq += (double) d * d;
            }
            dst[dOff] += bs;
            dst[dOff + 1] += bq;
        }
    }

    // ---- column plan: rows [m0, m1) of a tile of kn outputs ---------------------------------------------------

    /**
     * Writes the chunk partial of kn outputs to dst[off ..] (and Σd² to dst[off + tile ..] for DEV). Scratch:
     * the float block accumulators at s[0, KT) and s[KT, 2KT), per-output shifts or means at s[2KT, 3KT).
     */
    private static void columns(Kind kind, float[] x, int base, int[] xRed, int m0, int m1, int kn, float[] s,
                                double[] dst, int off, int tile) {
        if (kind == Kind.SUM && !KernelPath.SCALAR) {
            columnSums(x, base, xRed, m0, m1, kn, s, dst, off);
            return;
        }
        double id = combine(kind).identity();
        for (int j = 0; j < kn; j++) {
            dst[off + j] = id;
            if (kind == Kind.DEV) {
                dst[off + tile + j] = 0;
            }
        }
        for (int b = m0; b < m1; b += BR) {
            int e = Math.min(m1, b + BR);
            java.util.Arrays.fill(s, 0, kn, (float) id);
            if (kind == Kind.DEV) {
                java.util.Arrays.fill(s, KT, KT + kn, 0f);
            }
            for (int m = b; m < e; m++) {
                int xo = base + xRed[m];
                switch (kind) {
                    case SUM -> addRow(x, xo, s, kn);
                    case PROD -> mulRow(x, xo, s, kn);
                    case MAX -> maxRow(x, xo, s, kn);
                    case MIN -> minRow(x, xo, s, kn);
                    case SUM_EXP -> expRow(x, xo, s, kn);
                    case DEV -> devRow(x, xo, s, kn);
                }
            }
            for (int j = 0; j < kn; j++) {
                switch (kind) {
                    case SUM, SUM_EXP -> dst[off + j] += s[j];
                    case PROD -> dst[off + j] *= s[j];
                    case MAX -> dst[off + j] = Math.max(dst[off + j], s[j]);
                    case MIN -> dst[off + j] = Math.min(dst[off + j], s[j]);
                    case DEV -> {
                        dst[off + j] += s[j];
                        dst[off + tile + j] += s[KT + j];
                    }
                }
            }
        }
    }

    /**
     * {@link #columns} for SUM (a bias gradient: dY [tokens, C] summed over the tokens), with each block's float
     * sums of four vectors of columns held in registers across its rows instead of added into the scratch row by
     * row (a load and a store of every partial sum per row: 14–23 GB/s on [1088, 384], 30–36 GB/s now, as
     * PyTorch). Each column is summed in the same order from the same 0 as there, so the results are the same
     * floats.
     */
    private static void columnSums(float[] x, int base, int[] xRed, int m0, int m1, int kn, float[] s,
                                   double[] dst, int off) {
        java.util.Arrays.fill(dst, off, off + kn, 0);
        FloatVector zero = FloatVector.zero(F);
        for (int b = m0; b < m1; b += BR) {
            int e = Math.min(m1, b + BR);
            int j = 0;
            for (; j <= kn - 4 * LANES; j += 4 * LANES) {
                FloatVector a0 = zero;
                FloatVector a1 = zero;
                FloatVector a2 = zero;
                FloatVector a3 = zero;
                for (int m = b; m < e; m++) {
                    int xo = base + xRed[m] + j;
                    a0 = a0.add(FloatVector.fromArray(F, x, xo));
                    a1 = a1.add(FloatVector.fromArray(F, x, xo + LANES));
                    a2 = a2.add(FloatVector.fromArray(F, x, xo + 2 * LANES));
                    a3 = a3.add(FloatVector.fromArray(F, x, xo + 3 * LANES));
                }
                a0.intoArray(s, j);
                a1.intoArray(s, j + LANES);
                a2.intoArray(s, j + 2 * LANES);
                a3.intoArray(s, j + 3 * LANES);
            }
            for (; j <= kn - LANES; j += LANES) {
                FloatVector a0 = zero;
                for (int m = b; m < e; m++) {
                    a0 = a0.add(FloatVector.fromArray(F, x, base + xRed[m] + j));
                }
                a0.intoArray(s, j);
            }
            for (; j < kn; j++) {
                float t = 0;
                for (int m = b; m < e; m++) {
                    t += x[base + xRed[m] + j];
                }
                s[j] = t;
            }
            for (j = 0; j < kn; j++) {
                dst[off + j] += s[j];
            }
        }
    }

    private static void addRow(float[] x, int xo, float[] f, int kn) {
        int k = 0;
        if (!KernelPath.SCALAR) {
            for (; k <= kn - LANES; k += LANES) {
                FloatVector.fromArray(F, f, k).add(FloatVector.fromArray(F, x, xo + k)).intoArray(f, k);
            }
        }
        for (; k < kn; k++) {
            f[k] += x[xo + k];
        }
    }

    private static void mulRow(float[] x, int xo, float[] f, int kn) {
        int k = 0;
        if (!KernelPath.SCALAR) {
            for (; k <= kn - LANES; k += LANES) {
                FloatVector.fromArray(F, f, k).mul(FloatVector.fromArray(F, x, xo + k)).intoArray(f, k);
            }
        }
        for (; k < kn; k++) {
            f[k] *= x[xo + k];
        }
    }

    private static void maxRow(float[] x, int xo, float[] f, int kn) {
        int k = 0;
        if (!KernelPath.SCALAR) {
            for (; k <= kn - LANES; k += LANES) {
                FloatVector.fromArray(F, f, k).max(FloatVector.fromArray(F, x, xo + k)).intoArray(f, k);
            }
        }
        for (; k < kn; k++) {
            f[k] = Math.max(f[k], x[xo + k]);
        }
    }

    private static void minRow(float[] x, int xo, float[] f, int kn) {
        int k = 0;
        if (!KernelPath.SCALAR) {
            for (; k <= kn - LANES; k += LANES) {
                FloatVector.fromArray(F, f, k).min(FloatVector.fromArray(F, x, xo + k)).intoArray(f, k);
            }
        }
        for (; k < kn; k++) {
            f[k] = Math.min(f[k], x[xo + k]);
        }
    }

    /** f[k] += exp(x[k] − shift[k]), shifts at f[2KT ..]. */
    private static void expRow(float[] x, int xo, float[] f, int kn) {
        int k = 0;
        if (!KernelPath.SCALAR) {
            for (; k <= kn - LANES; k += LANES) {
                FloatVector d = FloatVector.fromArray(F, x, xo + k).sub(FloatVector.fromArray(F, f, 2 * KT + k));
                FloatVector.fromArray(F, f, k).add(VectorMath.exp(d)).intoArray(f, k);
            }
        }
        for (; k < kn; k++) {
            f[k] += VectorMath.exp(x[xo + k] - f[2 * KT + k]);
        }
    }

    /** f[k] += d, f[KT + k] += d² for d = x[k] − mean[k], means at f[2KT ..]. */
    private static void devRow(float[] x, int xo, float[] f, int kn) {
        int k = 0;
        if (!KernelPath.SCALAR) {
            for (; k <= kn - LANES; k += LANES) {
                FloatVector d = FloatVector.fromArray(F, x, xo + k).sub(FloatVector.fromArray(F, f, 2 * KT + k));
                FloatVector.fromArray(F, f, k).add(d).intoArray(f, k);
                d.fma(d, FloatVector.fromArray(F, f, KT + k)).intoArray(f, KT + k);
            }
        }
        for (; k < kn; k++) {
            float d = x[xo + k] - f[2 * KT + k];
            f[k] += d;
            f[KT + k] = Math.fma(d, d, f[KT + k]);
        }
    }
}
