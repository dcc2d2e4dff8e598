package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMM without packing, for products where packing would cost more than it saves: tiny matrices and
 * matrix–vector products (m = 1 or n = 1). Rows of C are built as a sequence of axpy's over contiguous rows of B;
 * when B's columns are contiguous instead, each element is one vectorised dot product. Either way each C element's
 * sum has a fixed order, and the parallel split (over column chunks or rows) never changes it.
 */
final class SmallGemm {
    /** Column chunk of one parallel block of the axpy form. */
    private static final int CHUNK = 256;
    /** Multiply-adds below which the product runs on one thread. */
    private static final long PARALLEL_MACS = 1L << 20;

    private SmallGemm() {
    }

    static void gemm(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs,
                     int bcs, float[] c, int cOff, int ldc, boolean accumulate) {
        boolean parallel = (long) m * n * k >= PARALLEL_MACS;
        if (bcs == 1) {
            int chunks = (n + CHUNK - 1) / CHUNK;
            Parallel.forRange(chunks, parallel ? 1 : chunks, (s, e) -> {
                int j0 = s * CHUNK;
                int j1 = Math.min(n, e * CHUNK);
                for (int i = 0; i < m; i++) {
                    axpyRow(j1 - j0, k, a, aOff + i * ars, acs, b, bOff + j0, brs, c, cOff + i * ldc + j0,
                            accumulate);
                }
            });
        } else if (acs == 1 && brs == 1) {
            Parallel.forRange(m, parallel ? 1 : m, (s, e) -> {
                for (int i = s; i < e; i++) {
                    for (int j = 0; j < n; j++) {
                        float d = dot(k, a, aOff + i * ars, b, bOff + j * bcs);
                        int ci = cOff + i * ldc + j;
                        c[ci] = accumulate ? c[ci] + d : d;
                    }
                }
            });
        } else {
            PackedGemm.reference(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, ldc, accumulate);
        }
    }

    /** c[0:n] (+)= sum over p of a[p·acs]·b[p·brs + 0:n], p in order. */
    private static void axpyRow(int n, int k, float[] a, int aOff, int acs, float[] b, int bOff, int brs,
                                float[] c, int cOff, boolean accumulate) {
        if (!accumulate) {
            java.util.Arrays.fill(c, cOff, cOff + n, 0f);
        }
        int vn = n - n % LANES;
        for (int p = 0; p < k; p++) {
            float av = a[aOff + p * acs];
            FloatVector x = FloatVector.broadcast(F, av);
            int br = bOff + p * brs;
            int j = 0;
            for (; j < vn; j += LANES) {
                x.fma(FloatVector.fromArray(F, b, br + j), FloatVector.fromArray(F, c, cOff + j))
                        .intoArray(c, cOff + j);
            }
            for (; j < n; j++) {
                c[cOff + j] = Math.fma(av, b[br + j], c[cOff + j]);
            }
        }
    }

    /** sum over p of a[aOff + p]·b[bOff + p]: lane-wise partial sums, then a fixed-order reduction. */
    private static float dot(int k, float[] a, int aOff, float[] b, int bOff) {
        int vk = k - k % LANES;
        FloatVector s = FloatVector.zero(F);
        int p = 0;
        for (; p < vk; p += LANES) {
            s = FloatVector.fromArray(F, a, aOff + p).fma(FloatVector.fromArray(F, b, bOff + p), s);
        }
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            r = Math.fma(a[aOff + p], b[bOff + p], r);
        }
        return r;
    }
}
