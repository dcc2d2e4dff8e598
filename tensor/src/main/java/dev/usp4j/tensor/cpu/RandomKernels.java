package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Distribution;
import dev.usp4j.tensor.random.Philox;

/**
 * Fills arrays from Philox blocks. Element i uses block {@code firstBlock + i/4} only, so blocks are split across
 * threads freely and the numbers never depend on the split.
 */
final class RandomKernels {
    private RandomKernels() {
    }

    static void random(Distribution dist, double a, double b, long seed, long firstBlock, NDArray out) {
        int n = out.numel();
        int o = out.offset();
        Object arr = CopyKernels.array(out);
        int blocks = (n + 3) / 4;
        Parallel.forRange(blocks, 4096, (start, end) -> {
            int[] w = new int[4];
            double[] v = new double[4];
            for (int blk = start; blk < end; blk++) {
                Philox.block(seed, firstBlock + blk, w, 0);
                values(dist, a, b, w, v);
                int base = blk * 4;
                for (int j = 0; j < 4 && base + j < n; j++) {
                    int at = o + base + j;
                    switch (out.dtype()) {
                        case F32 -> ((float[]) arr)[at] = (float) v[j];
                        case I64 -> ((long[]) arr)[at] = (long) v[j];
                        case I32 -> ((int[]) arr)[at] = (int) v[j];
                        case BOOL -> ((boolean[]) arr)[at] = v[j] != 0;
                        default -> throw new IllegalStateException("random: unsupported dtype " + out.dtype());
                    }
                }
            }
        });
    }

    /** The four values of one block under a distribution (see {@link Distribution}). */
    private static void values(Distribution dist, double a, double b, int[] w, double[] v) {
        switch (dist) {
            case UNIFORM -> {
                for (int j = 0; j < 4; j++) {
                    // Rounded to float first so that a + (b−a)·u matches what a float kernel on any device gives.
                    v[j] = (float) (a + (b - a) * Philox.uniform(w[j]));
                    if (v[j] >= b && b > a) {
                        v[j] = Math.nextDown((float) b);
                    }
                }
            }
            case NORMAL -> {
                for (int j = 0; j < 4; j += 2) {
                    double u = Philox.uniform(w[j]);
                    double r = Math.sqrt(-2 * StrictMath.log(Philox.uniformOpenZero(w[j + 1])));
                    double theta = 2 * Math.PI * u;
                    v[j] = a + b * r * StrictMath.cos(theta);
                    v[j + 1] = a + b * r * StrictMath.sin(theta);
                }
            }
            case RANDINT -> {
                long range = (long) b - (long) a;
                for (int j = 0; j < 4; j++) {
                    v[j] = (long) a + (((w[j] & 0xFFFFFFFFL) * range) >>> 32);
                }
            }
            case BERNOULLI -> {
                for (int j = 0; j < 4; j++) {
                    v[j] = Philox.uniform(w[j]) < a ? 1 : 0;
                }
            }
        }
    }
}
