package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;

/**
 * LayerNorm and GroupNorm forward on contiguous F32 arrays, writing the mean and rstd = 1/sqrt(var + eps) that
 * backward reuses (biased variance, as PyTorch).
 *
 * <p>Each row (LayerNorm) or (sample, group) block (GroupNorm) is contiguous and takes three vector passes: the
 * sum; the deviations from the rounded mean {@code hi} and their squares (a corrected two-pass variance, exact
 * enough for a mean of 1000 and a std of 0.01 where E[x²] − E[x]² in float would lose every digit); and the
 * output y = ((x − hi) − lo)·rstd·w + b, where {@code lo} is the part of the true mean that float {@code hi}
 * cannot hold. Subtracting hi first is exact for x near the mean, so outputs keep full precision even when the
 * mean is large against the spread. Parallel over rows / (sample, group) pairs.
 */
final class NormKernels {
    private NormKernels() {
    }

    /** Mean, rounded mean, correction and rstd of one contiguous block. */
    record Stats(float mean, float hi, float lo, float rstd) {
    }

    static Stats stats(float[] x, int off, int n, float eps, double[] dev, float[] s) {
        float hi = (float) (FloatReduceKernels.sumSeg(x, off, n, s) / n);
        dev[0] = 0;
        dev[1] = 0;
        FloatReduceKernels.devSeg(x, off, n, hi, dev, 0, s);
        double mu = hi + dev[0] / n;
        double var = Math.max(0, (dev[1] - dev[0] * dev[0] / n) / n);
        return new Stats((float) mu, hi, (float) (mu - hi), (float) (1 / Math.sqrt(var + eps)));
    }

    /** Fills the statistics of empty rows as PyTorch does: mean 0, rstd NaN. */
    private static void emptyStats(NDArray mean, NDArray rstd) {
        CopyKernels.fill(mean, 0);
        CopyKernels.fill(rstd, Double.NaN);
    }

    /** Work on each output row right after it is normalised, while it is still in cache (DiT's modulation). */
    @FunctionalInterface
    interface RowEpilogue {
        void apply(int row, float[] y, int offset, int n);
    }

    static void layerNorm(NDArray x, int rows, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                          NDArray rstd) {
        layerNorm(x, rows, weight, bias, eps, out, mean, rstd, null);
    }

    /** LayerNorm, then {@code then} (when not null) on each finished output row. */
    static void layerNorm(NDArray x, int rows, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                          NDArray rstd, RowEpilogue then) {
        if (rows == 0 || x.numel() == 0) {
            emptyStats(mean, rstd);
            return;
        }
        int c = x.numel() / rows;
        float[] xs = CpuStorage.of(x).floats();
        float[] ys = CpuStorage.of(out).floats();
        float[] ms = CpuStorage.of(mean).floats();
        float[] rs = CpuStorage.of(rstd).floats();
        float[] ws = weight == null ? null : CpuStorage.of(weight).floats();
        float[] bs = bias == null ? null : CpuStorage.of(bias).floats();
        int wo = weight == null ? 0 : weight.offset();
        int bo = bias == null ? 0 : bias.offset();
        int xo = x.offset();
        int yo = out.offset();
        Parallel.forRange(rows, (int) Math.max(1, StridedLoop.GRAIN / (3L * c)), (start, end) -> {
            double[] dev = new double[2];
            float[] s = new float[LANES];
            for (int r = start; r < end; r++) {
                int off = r * c;
                Stats st = stats(xs, xo + off, c, eps, dev, s);
                ms[mean.offset() + r] = st.mean();
                rs[rstd.offset() + r] = st.rstd();
                affine(xs, xo + off, ys, yo + off, c, st, ws, wo, bs, bo);
                if (then != null) {
                    then.apply(r, ys, yo + off, c);
                }
            }
        });
    }

    static void groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                          NDArray rstd) {
        groupNorm(x, groups, weight, bias, eps, false, out, mean, rstd);
    }

    /**
     * GroupNorm, followed by SiLU when {@code silu} (diffusers' norm → act pairs): each channel's output gets the
     * SiLU while it is still in cache, with the same code as the separate op, so the result is identical.
     */
    static void groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, boolean silu, NDArray out,
                          NDArray mean, NDArray rstd) {
        int n = x.size(0);
        int ch = x.size(1);
        int cg = ch / groups;
        if (x.numel() == 0) {
            emptyStats(mean, rstd);
            return;
        }
        int hw = x.numel() / (n * ch);
        int block = cg * hw;
        float[] xs = CpuStorage.of(x).floats();
        float[] ys = CpuStorage.of(out).floats();
        float[] ms = CpuStorage.of(mean).floats();
        float[] rs = CpuStorage.of(rstd).floats();
        float[] ws = weight == null ? null : CpuStorage.of(weight).floats();
        float[] bs = bias == null ? null : CpuStorage.of(bias).floats();
        int wo = weight == null ? 0 : weight.offset();
        int bo = bias == null ? 0 : bias.offset();
        int xo = x.offset();
        int yo = out.offset();
        Parallel.forRange(n * groups, (int) Math.max(1, StridedLoop.GRAIN / (3L * block)), (start, end) -> {
            double[] dev = new double[2];
            float[] s = new float[LANES];
            for (int u = start; u < end; u++) {
                int off = u * block;
                Stats st = stats(xs, xo + off, block, eps, dev, s);
                ms[mean.offset() + u] = st.mean();
                rs[rstd.offset() + u] = st.rstd();
                int c0 = (u % groups) * cg;
                for (int j = 0; j < cg; j++) {
                    int co = off + j * hw;
                    float scale = st.rstd() * (ws == null ? 1f : ws[wo + c0 + j]);
                    float shift = bs == null ? 0f : bs[bo + c0 + j];
                    channel(xs, xo + co, ys, yo + co, hw, st.hi(), st.lo(), scale, shift);
                    if (silu) {
                        UnaryKernels.row(UnaryOp.SILU, ys, yo + co, ys, yo + co, hw);
                    }
                }
            }
        });
    }

    /** y = ((x − hi) − lo)·rstd·w + b over one LayerNorm row; w and b may be null. */
    static void affine(float[] x, int xo, float[] y, int yo, int n, Stats st, float[] w, int wo, float[] b,
                               int bo) {
        float hi = st.hi();
        float lo = st.lo();
        float r = st.rstd();
        if (w == null && b == null) {
            channel(x, xo, y, yo, n, hi, lo, r, 0f);
            return;
        }
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector v = FloatVector.fromArray(F, x, xo + i).sub(hi).sub(lo).mul(r);
                if (w != null) {
                    v = b != null ? v.fma(FloatVector.fromArray(F, w, wo + i), FloatVector.fromArray(F, b, bo + i))
                            : v.mul(FloatVector.fromArray(F, w, wo + i));
                } else {
                    v = v.add(FloatVector.fromArray(F, b, bo + i));
                }
                v.intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            float v = ((x[xo + i] - hi) - lo) * r;
            if (w != null) {
                v = b != null ? Math.fma(v, w[wo + i], b[bo + i]) : v * w[wo + i];
            } else {
                v += b[bo + i];
            }
            y[yo + i] = v;
        }
    }

    /** y = ((x − hi) − lo)·scale + shift over n elements. */
    static void channel(float[] x, int xo, float[] y, int yo, int n, float hi, float lo, float scale,
                                float shift) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector.fromArray(F, x, xo + i).sub(hi).sub(lo).fma(scale, shift).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = Math.fma((x[xo + i] - hi) - lo, scale, shift);
        }
    }
}
