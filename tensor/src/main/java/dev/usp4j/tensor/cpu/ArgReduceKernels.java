package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;

/**
 * Max/min over one dim together with the index of the first extreme (torch.max(dim), argmax), for F32, I32 and
 * I64 inputs of any strides. NaN counts as larger and smaller than everything, so the first NaN wins; ties keep
 * the first index because only a strictly better value replaces the current one. The walk follows a
 * {@link ReducePlan}: a contiguous scan per output when the dim has unit stride, otherwise whole rows of outputs
 * updated at once (the kept unit-stride dim innermost), so memory is read in order either way.
 */
final class ArgReduceKernels {
    private static final int TILE = 256;

    private ArgReduceKernels() {
    }

    static void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        DType t = x.dtype();
        if ((t != DType.F32 && t != DType.I32 && t != DType.I64) || values.dtype() != t
                || indices.dtype() != DType.I64) {
            throw new IllegalStateException("argReduce: the CPU kernel takes F32/I32/I64 into values of the same"
                    + " dtype and I64 indices, got " + t + " -> " + values.dtype() + ", " + indices.dtype());
        }
        if (values.numel() == 0) {
            return;
        }
        if (x.size(dim) == 0) {
            throw new IllegalArgumentException((max ? "max" : "min") + ": cannot reduce over dim " + dim
                    + " of extent 0 (shape " + java.util.Arrays.toString(x.shape()) + ")");
        }
        boolean[] reduced = new boolean[x.rank()];
        reduced[dim] = true;
        ReducePlan p = ReducePlan.of(x, reduced, values);
        long[] idx = CpuStorage.of(indices).longs();
        int idxShift = indices.offset() - values.offset();
        if (t == DType.F32) {
            floats(max, p, CpuStorage.of(p.x).floats(), CpuStorage.of(values).floats(), idx, idxShift);
        } else {
            longs(max, p, t, CopyKernels.array(p.x), CopyKernels.array(values), idx, idxShift);
        }
    }

    /** True when v replaces the current extreme: NaN beats every number, and nothing beats NaN. */
    private static boolean better(boolean max, float v, float best) {
        if (best != best) {
            return false;
        }
        if (v != v) {
            return true;
        }
        return max ? v > best : v < best;
    }

    private static void floats(boolean max, ReducePlan p, float[] x, float[] vals, long[] idx, int idxShift) {
        int grain = (int) Math.max(1, StridedLoop.GRAIN / Math.max(1, p.count));
        if (p.rowMode) {
            // One reduced dim: a row plan has a single run of p.run elements per output (xRed = {0}).
            int n = p.run;
            Parallel.forRange(p.units(), grain, (start, end) -> {
                for (int u = start; u < end; u++) {
                    int base = p.xOuter[u] + p.xRed[0];
                    float best = x[base];
                    int at = 0;
                    for (int i = 1; i < n; i++) {
                        float v = x[base + i];
                        if (better(max, v, best)) {
                            best = v;
                            at = i;
                        }
                    }
                    vals[p.oOuter[u]] = best;
                    idx[p.oOuter[u] + idxShift] = at;
                }
            });
            return;
        }
        int k = p.run;
        int ktiles = (k + TILE - 1) / TILE;
        int d = p.xRed.length;
        Parallel.forRange(p.units() * ktiles, Math.max(1, grain / Math.min(k, TILE)), (start, end) -> {
            float[] best = new float[TILE];
            int[] at = new int[TILE];
            for (int u = start; u < end; u++) {
                int pp = u / ktiles;
                int k0 = (u % ktiles) * TILE;
                int kn = Math.min(TILE, k - k0);
                int base = p.xOuter[pp] + k0;
                System.arraycopy(x, base + p.xRed[0], best, 0, kn);
                java.util.Arrays.fill(at, 0, kn, 0);
                for (int m = 1; m < d; m++) {
                    int row = base + p.xRed[m];
                    for (int j = 0; j < kn; j++) {
                        float v = x[row + j];
                        if (better(max, v, best[j])) {
                            best[j] = v;
                            at[j] = m;
                        }
                    }
                }
                for (int j = 0; j < kn; j++) {
                    int oi = p.oOuter[pp] + (k0 + j) * p.outStride;
                    vals[oi] = best[j];
                    idx[oi + idxShift] = at[j];
                }
            }
        });
    }

    private static long read(DType t, Object x, int i) {
        return t == DType.I64 ? ((long[]) x)[i] : ((int[]) x)[i];
    }

    private static void longs(boolean max, ReducePlan p, DType t, Object x, Object vals, long[] idx, int idxShift) {
        int grain = (int) Math.max(1, StridedLoop.GRAIN / Math.max(1, p.count));
        int k = p.rowMode ? 1 : p.run;
        int ktiles = (k + TILE - 1) / TILE;
        int n = p.rowMode ? p.run : p.xRed.length;
        // Row plan: one unit scans n contiguous elements; column plan: n rows of up to TILE outputs.
        Parallel.forRange(p.units() * ktiles, Math.max(1, grain / Math.min(k, TILE)), (start, end) -> {
            long[] best = new long[TILE];
            int[] at = new int[TILE];
            for (int u = start; u < end; u++) {
                int pp = u / ktiles;
                int k0 = (u % ktiles) * TILE;
                int kn = Math.min(TILE, k - k0);
                int base = p.xOuter[pp] + k0 + p.xRed[0];
                for (int j = 0; j < kn; j++) {
                    best[j] = read(t, x, base + j);
                    at[j] = 0;
                }
                for (int m = 1; m < n; m++) {
                    int row = p.rowMode ? base + m : p.xOuter[pp] + k0 + p.xRed[m];
                    for (int j = 0; j < kn; j++) {
                        long v = read(t, x, row + j);
                        if (max ? v > best[j] : v < best[j]) {
                            best[j] = v;
                            at[j] = m;
                        }
                    }
                }
                for (int j = 0; j < kn; j++) {
                    int oi = p.oOuter[pp] + (k0 + j) * p.outStride;
                    IntReduceKernels.write(t, vals, oi, best[j]);
                    idx[oi + idxShift] = at[j];
                }
            }
        });
    }
}
