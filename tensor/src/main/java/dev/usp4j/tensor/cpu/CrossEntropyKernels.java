package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.NDArray;
import jdk.incubator.vector.FloatVector;

/**
 * Softmax-cross-entropy over rows of logits [R, C] in one pass per row each way, so neither the log-probabilities
 * nor the one-hot targets exist as arrays: the forward keeps only lse = m + log Σ exp(x − m) per row, and the
 * backward writes g·(exp(x − lse) − ε/C) and then takes g·(1 − ε) off the target's entry. Parallel over rows.
 */
final class CrossEntropyKernels {
    private CrossEntropyKernels() {
    }

    private static int grain(int classes) {
        return (int) Math.max(1, StridedLoop.GRAIN / (4L * classes));
    }

    static void forward(NDArray logits, NDArray target, long ignoreIndex, float smoothing, NDArray loss,
                        NDArray lse) {
        int rows = logits.size(0);
        int c = logits.size(1);
        float[] x = CpuStorage.of(logits).floats();
        long[] t = CpuStorage.of(target).longs();
        float[] l = CpuStorage.of(loss).floats();
        float[] z = CpuStorage.of(lse).floats();
        int xo = logits.offset();
        int to = target.offset();
        int lo = loss.offset();
        int zo = lse.offset();
        Parallel.forRange(rows, grain(c), (start, end) -> {
            float[] s = new float[LANES];
            for (int r = start; r < end; r++) {
                int off = xo + r * c;
                float m = FloatReduceKernels.maxSeg(x, off, c, s);
                float rowLse = (float) (m + StrictMath.log(FloatReduceKernels.sumExpSeg(x, off, c, m, s)));
                z[zo + r] = rowLse;
                long y = t[to + r];
                if (y == ignoreIndex) {
                    l[lo + r] = 0f;
                    continue;
                }
                double nll = rowLse - x[off + (int) y];
                if (smoothing != 0f) {
                    double uniform = rowLse - FloatReduceKernels.sumSeg(x, off, c, s) / c;
                    nll = (1 - smoothing) * nll + smoothing * uniform;
                }
                l[lo + r] = (float) nll;
            }
        });
    }

    static void backward(NDArray logits, NDArray target, NDArray lse, NDArray gradLoss, long ignoreIndex,
                         float smoothing, NDArray grad) {
        int rows = logits.size(0);
        int c = logits.size(1);
        float[] x = CpuStorage.of(logits).floats();
        long[] t = CpuStorage.of(target).longs();
        float[] z = CpuStorage.of(lse).floats();
        float[] gl = CpuStorage.of(gradLoss).floats();
        float[] gx = CpuStorage.of(grad).floats();
        int xo = logits.offset();
        int to = target.offset();
        int zo = lse.offset();
        int go = gradLoss.offset();
        int ro = grad.offset();
        float uniform = smoothing / c;
        Parallel.forRange(rows, grain(c), (start, end) -> {
            for (int r = start; r < end; r++) {
                long y = t[to + r];
                int xr = xo + r * c;
                int gr = ro + r * c;
                if (y == ignoreIndex) {
                    java.util.Arrays.fill(gx, gr, gr + c, 0f);
                    continue;
                }
                float g = gl[go + r];
                float shift = z[zo + r];
                int i = 0;
                if (!KernelPath.SCALAR) {
                    for (; i <= c - LANES; i += LANES) {
                        VectorMath.exp(FloatVector.fromArray(F, x, xr + i).sub(shift)).sub(uniform).mul(g)
                                .intoArray(gx, gr + i);
                    }
                }
                for (; i < c; i++) {
                    gx[gr + i] = (VectorMath.exp(x[xr + i] - shift) - uniform) * g;
                }
                gx[gr + (int) y] -= (1 - smoothing) * g;
            }
        });
    }
}
