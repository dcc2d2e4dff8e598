package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import jdk.incubator.vector.FloatVector;

/**
 * Softmax and log-softmax along one dim of a contiguous F32 array, computed stably: m = max, e = exp(x − m),
 * softmax = e / Σe, log-softmax = (x − m) − log Σe. The array is viewed as [outer, n, inner]. With inner = 1 (the
 * last dim, attention's case) each row takes three vector passes (max; exp, store and sum; scale); otherwise a
 * tile of inner positions is processed together so vectors run along the inner extent. A row of all −inf has
 * max −inf and gives NaN, as in PyTorch. Parallel over rows or (outer, tile) pairs.
 */
final class SoftmaxKernels {
    private static final int TILE = 256;

    private SoftmaxKernels() {
    }

    static void softmax(NDArray x, int dim, boolean log, NDArray out) {
        if (x.dtype() != DType.F32 || out.dtype() != DType.F32 || !x.isContiguous() || !out.isContiguous()) {
            throw new IllegalStateException((log ? "log_softmax" : "softmax") + ": the CPU kernel takes contiguous"
                    + " F32 arrays, got " + x.dtype());
        }
        if (x.numel() == 0) {
            return;
        }
        int[] shape = x.shape();
        int outer = Shape.numelBefore(shape, dim);
        int inner = Shape.numelAfter(shape, dim);
        int n = shape[dim];
        float[] xs = CpuStorage.of(x).floats();
        float[] ys = CpuStorage.of(out).floats();
        int xo = x.offset();
        int yo = out.offset();
        if (inner == 1) {
            Parallel.forRange(outer, (int) Math.max(1, StridedLoop.GRAIN / (4L * n)), (start, end) -> {
                float[] s = new float[LANES];
                for (int r = start; r < end; r++) {
                    row(xs, xo + r * n, ys, yo + r * n, n, log, s);
                }
            });
            return;
        }
        int in = inner;
        int tiles = (inner + TILE - 1) / TILE;
        Parallel.forRange(outer * tiles, (int) Math.max(1, StridedLoop.GRAIN / (4L * n * Math.min(inner, TILE))),
                (start, end) -> {
                    float[] mx = new float[TILE];
                    float[] sum = new float[TILE];
                    for (int u = start; u < end; u++) {
                        int a = u / tiles;
                        int b0 = (u % tiles) * TILE;
                        int base = a * n * in + b0;
                        slab(xs, xo + base, ys, yo + base, n, in, Math.min(TILE, in - b0), log, mx, sum);
                    }
                });
    }

    /** One contiguous row of n elements. */
    static void row(float[] x, int xo, float[] y, int yo, int n, boolean log, float[] s) {
        float m = FloatReduceKernels.maxSeg(x, xo, n, s);
        int i = 0;
        double sum = 0;
        if (!KernelPath.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (; i <= n - LANES; i += LANES) {
                FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, xo + i).sub(m));
                if (!log) {
                    e.intoArray(y, yo + i);
                }
                acc = acc.add(e);
            }
            acc.intoArray(s, 0);
            sum = VectorMath.sumLanes(s);
        }
        for (; i < n; i++) {
            float e = VectorMath.exp(x[xo + i] - m);
            if (!log) {
                y[yo + i] = e;
            }
            sum += e;
        }
        if (log) {
            logRow(x, xo, y, yo, n, m, (float) StrictMath.log(sum));
        } else {
            scaleRow(y, yo, n, (float) (1 / sum));
        }
    }

    private static void logRow(float[] x, int xo, float[] y, int yo, int n, float m, float c) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector.fromArray(F, x, xo + i).sub(m).sub(c).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = (x[xo + i] - m) - c;
        }
    }

    private static void scaleRow(float[] y, int yo, int n, float inv) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector.fromArray(F, y, yo + i).mul(inv).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] *= inv;
        }
    }

    /** n rows of stride {@code stride}, bn positions each: per-position max, then exp and sum, then scale. */
    private static void slab(float[] x, int xo, float[] y, int yo, int n, int stride, int bn, boolean log,
                             float[] mx, float[] sum) {
        java.util.Arrays.fill(mx, 0, bn, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(sum, 0, bn, 0f);
        int vb = KernelPath.SCALAR ? 0 : F.loopBound(bn);
        for (int i = 0; i < n; i++) {
            int r = xo + i * stride;
            int j = 0;
            for (; j < vb; j += LANES) {
                FloatVector.fromArray(F, mx, j).max(FloatVector.fromArray(F, x, r + j)).intoArray(mx, j);
            }
            for (; j < bn; j++) {
                mx[j] = Math.max(mx[j], x[r + j]);
            }
        }
        for (int i = 0; i < n; i++) {
            int r = i * stride;
            int j = 0;
            for (; j < vb; j += LANES) {
                FloatVector e = VectorMath.exp(
                        FloatVector.fromArray(F, x, xo + r + j).sub(FloatVector.fromArray(F, mx, j)));
                if (!log) {
                    e.intoArray(y, yo + r + j);
                }
                FloatVector.fromArray(F, sum, j).add(e).intoArray(sum, j);
            }
            for (; j < bn; j++) {
                float e = VectorMath.exp(x[xo + r + j] - mx[j]);
                if (!log) {
                    y[yo + r + j] = e;
                }
                sum[j] += e;
            }
        }
        // From here sum holds what each position's values are scaled by (1/Σ) or shifted by (log Σ).
        for (int j = 0; j < bn; j++) {
            sum[j] = log ? (float) StrictMath.log(sum[j]) : 1 / sum[j];
        }
        for (int i = 0; i < n; i++) {
            int r = i * stride;
            int j = 0;
            if (log) {
                for (; j < vb; j += LANES) {
                    FloatVector.fromArray(F, x, xo + r + j).sub(FloatVector.fromArray(F, mx, j))
                            .sub(FloatVector.fromArray(F, sum, j)).intoArray(y, yo + r + j);
                }
                for (; j < bn; j++) {
                    y[yo + r + j] = (x[xo + r + j] - mx[j]) - sum[j];
                }
            } else {
                for (; j < vb; j += LANES) {
                    FloatVector.fromArray(F, y, yo + r + j).mul(FloatVector.fromArray(F, sum, j))
                            .intoArray(y, yo + r + j);
                }
                for (; j < bn; j++) {
                    y[yo + r + j] *= sum[j];
                }
            }
        }
    }
}
