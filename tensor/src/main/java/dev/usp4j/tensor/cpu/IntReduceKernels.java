package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.ReduceOp;

/**
 * Exact reductions over I64 (sum, product, max, min), I32 (max, min) and BOOL (any, all, max, min) along a
 * {@link ReducePlan}. Integer arithmetic is associative (sums and products wrap like PyTorch's int64), so every
 * output is simply folded in plan order, in parallel over outputs; booleans are folded as 0/1 with ANY = max and
 * ALL = min. These are scalar loops: integer reductions are not on any hot path.
 */
final class IntReduceKernels {
    private static final int TILE = 256;

    private IntReduceKernels() {
    }

    static void reduce(ReduceOp op, ReducePlan p, DType dtype, Object out) {
        Object x = CopyKernels.array(p.x);
        long id = identity(op);
        int m = p.xRed.length;
        int run = p.run;
        if (p.rowMode) {
            int grain = (int) Math.max(1, StridedLoop.GRAIN / Math.max(1, p.count));
            Parallel.forRange(p.units(), grain, (start, end) -> {
                for (int u = start; u < end; u++) {
                    long acc = id;
                    for (int mi = 0; mi < m; mi++) {
                        int base = p.xOuter[u] + p.xRed[mi];
                        for (int i = 0; i < run; i++) {
                            acc = fold(op, acc, read(dtype, x, base + i));
                        }
                    }
                    write(dtype, out, p.oOuter[u], acc);
                }
            });
            return;
        }
        int ktiles = (run + TILE - 1) / TILE;
        int grain = (int) Math.max(1, StridedLoop.GRAIN / Math.max(1, p.count * Math.min(run, TILE)));
        Parallel.forRange(p.units() * ktiles, grain, (start, end) -> {
            long[] acc = new long[TILE];
            for (int u = start; u < end; u++) {
                int pp = u / ktiles;
                int k0 = (u % ktiles) * TILE;
                int kn = Math.min(TILE, run - k0);
                java.util.Arrays.fill(acc, 0, kn, id);
                for (int mi = 0; mi < m; mi++) {
                    int base = p.xOuter[pp] + p.xRed[mi] + k0;
                    for (int k = 0; k < kn; k++) {
                        acc[k] = fold(op, acc[k], read(dtype, x, base + k));
                    }
                }
                for (int k = 0; k < kn; k++) {
                    write(dtype, out, p.oOuter[pp] + (k0 + k) * p.outStride, acc[k]);
                }
            }
        });
    }

    static long identity(ReduceOp op) {
        return switch (op) {
            case SUM, ANY -> 0;
            case PROD, ALL -> 1;
            case MAX -> Long.MIN_VALUE;
            case MIN -> Long.MAX_VALUE;
            default -> throw new IllegalStateException(op + " is not an integer reduction");
        };
    }

    private static long fold(ReduceOp op, long acc, long v) {
        return switch (op) {
            case SUM -> acc + v;
            case PROD -> acc * v;
            case MAX, ANY -> Math.max(acc, v);
            case MIN, ALL -> Math.min(acc, v);
            default -> throw new IllegalStateException(op + " is not an integer reduction");
        };
    }

    private static long read(DType dtype, Object x, int i) {
        return switch (dtype) {
            case I64 -> ((long[]) x)[i];
            case I32 -> ((int[]) x)[i];
            case BOOL -> ((boolean[]) x)[i] ? 1 : 0;
            default -> throw new IllegalStateException("integer reduction of " + dtype);
        };
    }

    static void write(DType dtype, Object out, int i, long v) {
        switch (dtype) {
            case I64 -> ((long[]) out)[i] = v;
            case I32 -> ((int[]) out)[i] = (int) v;
            case BOOL -> ((boolean[]) out)[i] = v != 0;
            default -> throw new IllegalStateException("integer reduction into " + dtype);
        }
    }
}
