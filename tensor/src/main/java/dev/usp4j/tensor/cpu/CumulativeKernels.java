package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;

/**
 * Inclusive running sums and products (cumsum, cumprod) along one dim of a contiguous F32 or I64 array. Like
 * PyTorch's CPU kernel, float scans accumulate in double and round each prefix once, so long scans do not drift.
 * The array is viewed as [outer, n, inner]: with inner = 1 each row is a sequential scan; otherwise a tile of
 * inner positions is carried along the dim together, reading memory in order.
 */
final class CumulativeKernels {
    private static final int TILE = 256;

    private CumulativeKernels() {
    }

    static void cumulative(boolean product, NDArray x, int dim, NDArray out) {
        DType t = x.dtype();
        if ((t != DType.F32 && t != DType.I64) || out.dtype() != t || !x.isContiguous() || !out.isContiguous()) {
            throw new IllegalStateException((product ? "cumprod" : "cumsum") + ": the CPU kernel takes contiguous"
                    + " F32 or I64 arrays of one dtype, got " + t + " -> " + out.dtype());
        }
        if (x.numel() == 0) {
            return;
        }
        int[] shape = x.shape();
        int outer = Shape.numelBefore(shape, dim);
        int inner = Shape.numelAfter(shape, dim);
        int n = shape[dim];
        int xo = x.offset();
        int oo = out.offset();
        int tiles = (inner + TILE - 1) / TILE;
        int in = inner;
        int grain = (int) Math.max(1, StridedLoop.GRAIN / Math.max(1L, (long) n * Math.min(inner, TILE)));
        if (t == DType.F32) {
            float[] xs = CpuStorage.of(x).floats();
            float[] os = CpuStorage.of(out).floats();
            Parallel.forRange(outer * tiles, grain, (start, end) -> {
                double[] acc = new double[TILE];
                for (int u = start; u < end; u++) {
                    int a = u / tiles;
                    int b0 = (u % tiles) * TILE;
                    int bn = Math.min(TILE, in - b0);
                    int base = a * n * in + b0;
                    java.util.Arrays.fill(acc, 0, bn, product ? 1 : 0);
                    for (int i = 0; i < n; i++) {
                        int row = base + i * in;
                        for (int j = 0; j < bn; j++) {
                            acc[j] = product ? acc[j] * xs[xo + row + j] : acc[j] + xs[xo + row + j];
                            os[oo + row + j] = (float) acc[j];
                        }
                    }
                }
            });
        } else {
            long[] xs = CpuStorage.of(x).longs();
            long[] os = CpuStorage.of(out).longs();
            Parallel.forRange(outer * tiles, grain, (start, end) -> {
                long[] acc = new long[TILE];
                for (int u = start; u < end; u++) {
                    int a = u / tiles;
                    int b0 = (u % tiles) * TILE;
                    int bn = Math.min(TILE, in - b0);
                    int base = a * n * in + b0;
                    java.util.Arrays.fill(acc, 0, bn, product ? 1 : 0);
                    for (int i = 0; i < n; i++) {
                        int row = base + i * in;
                        for (int j = 0; j < bn; j++) {
                            acc[j] = product ? acc[j] * xs[xo + row + j] : acc[j] + xs[xo + row + j];
                            os[oo + row + j] = acc[j];
                        }
                    }
                }
            });
        }
    }
}
