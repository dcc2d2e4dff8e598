package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * GEMM without packing, for products where packing would cost more than it saves: small matrices, and matrices
 * with very few rows or one column (matrix–vector products). Two forms:
 * <ul>
 *   <li>B with contiguous rows: register blocks of 4 rows × 4 vectors of C read A and B straight from the arrays
 *       (the last, narrower column block from a zero-padded copy), each C element summed over p in order from
 *       zero and then stored or added to C — the same order as one K block of the packed path.</li>
 *   <li>A with contiguous rows and B with contiguous columns: one vectorised dot product per element.</li>
 * </ul>
 * Other layouts are packed ({@link PackedGemm}). Large matrix–vector products are split across threads by column
 * blocks or rows, which never changes any element's summation order.
 */
final class SmallGemm {
    /** Columns of one register block: four vectors. */
    private static final int NB = 4 * LANES;
    /** Floats of one register block of C (4 rows of NB): the scratch tile it needs. */
    static final int TILE_FLOATS = 4 * NB;
    /** Multiply-adds from which the work is split across threads. */
    private static final long PARALLEL_MACS = 1L << 23;

    private SmallGemm() {
    }

    /** Whether the direct (row-major B) or the dot form (row-major A, column-major B) applies. */
    static boolean supports(int acs, int brs, int bcs) {
        return bcs == 1 && brs >= 0 || acs == 1 && brs == 1;
    }

    /** C (+)= A·B for a layout {@link #supports} accepted. */
    static void gemm(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs,
                     int bcs, float[] c, int cOff, int ldc, boolean accumulate) {
        boolean parallel = (long) m * n * k >= PARALLEL_MACS;
        // A few columns with both operands contiguous along k (matrix-vector): dot products waste nothing.
        boolean dots = acs == 1 && brs == 1 && (bcs != 1 || n < LANES);
        if (!dots) {
            int blocks = (n + NB - 1) / NB;
            Parallel.forRange(blocks, parallel ? 1 : blocks, (s, e) -> {
                for (int jb = s; jb < e; jb++) {
                    int j0 = jb * NB;
                    int nr = Math.min(NB, n - j0);
                    if (nr == NB) {
                        block(m, k, a, aOff, ars, acs, b, bOff + j0, brs, c, cOff + j0, ldc, accumulate);
                    } else {
                        edgeBlock(m, k, nr, a, aOff, ars, acs, b, bOff + j0, brs, c, cOff + j0, ldc, accumulate);
                    }
                }
            });
        } else {
            Parallel.forRange(m, parallel ? 1 : m, (s, e) -> {
                for (int i = s; i < e; i++) {
                    for (int j = 0; j < n; j++) {
                        float d = dot(k, a, aOff + i * ars, b, bOff + j * bcs);
                        int ci = cOff + i * ldc + j;
                        c[ci] = accumulate ? c[ci] + d : d;
                    }
                }
            });
        }
    }

    /** A full NB-column block of C, rows four at a time. */
    private static void block(int m, int k, float[] a, int aOff, int ars, int acs, float[] b, int b0, int brs,
                              float[] c, int c0, int ldc, boolean accumulate) {
        VectorMask<Float> acc = GemmKernel.mode(accumulate);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            rows4(k, a, aOff + i * ars, ars, acs, b, b0, brs, c, c0 + i * ldc, ldc, acc);
        }
        for (; i < m; i++) {
            row1(k, a, aOff + i * ars, acs, b, b0, brs, c, c0 + i * ldc, acc);
        }
    }

    /**
     * The last, narrower block. Up to two vectors wide it takes a kernel of just that width (17 columns cost two
     * vectors, not four: attention's 17- and 65-token score rows); reading B and writing C in place when nr is a
     * whole number of vectors, else from a zero-padded copy of its nr columns into a scratch tile whose valid part
     * is merged. Wider, it pads to the full NB. (Masked loads at the array edge would be the alternative, but once
     * their out-of-range path has run, C2 compiles the kernel several times slower.)
     */
    private static void edgeBlock(int m, int k, int nr, float[] a, int aOff, int ars, int acs, float[] b, int b0,
                                  int brs, float[] c, int c0, int ldc, boolean acc) {
        int vectors = (nr + LANES - 1) / LANES;
        int width = vectors <= 2 ? vectors * LANES : NB;
        if (width == nr) {
            // Whole vectors (32 columns, a head's width): B and C are read and written where they are.
            VectorMask<Float> mode = GemmKernel.mode(acc);
            for (int i = 0; i < m; i += 4) {
                int rows = Math.min(4, m - i);
                narrow(vectors == 2, rows, k, a, aOff + i * ars, ars, acs, b, b0, brs, c, c0 + i * ldc, ldc, mode);
            }
            return;
        }
        GemmWorkspace ws = GemmWorkspace.get();
        float[] bs = ws.scratchB(k * width);
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, b0 + p * brs, bs, p * width, nr);
            java.util.Arrays.fill(bs, p * width + nr, (p + 1) * width, 0f);
        }
        float[] tile = ws.tile;
        for (int i = 0; i < m; i += 4) {
            int rows = Math.min(4, m - i);
            if (width == NB && rows == 4) {
                rows4(k, a, aOff + i * ars, ars, acs, bs, 0, NB, tile, 0, NB, GemmKernel.STORE);
            } else if (width == NB) {
                for (int r = 0; r < rows; r++) {
                    row1(k, a, aOff + (i + r) * ars, acs, bs, 0, NB, tile, r * NB, GemmKernel.STORE);
                }
            } else {
                narrow(vectors == 2, rows, k, a, aOff + i * ars, ars, acs, bs, 0, width, tile, 0, width,
                        GemmKernel.STORE);
            }
            for (int r = 0; r < rows; r++) {
                int ci = c0 + (i + r) * ldc;
                for (int j = 0; j < nr; j++) {
                    c[ci + j] = acc ? c[ci + j] + tile[r * width + j] : tile[r * width + j];
                }
            }
        }
    }

    /**
     * C[0:rows, 0:w] (+)= A[0:rows, :]·B[:, 0:w] for w = one or two vectors (rows ≤ 4), B(p,j) = b[b0 + p·brs + j];
     * missing rows of a group of four repeat its first row and are not stored.
     */
    private static void narrow(boolean two, int rows, int k, float[] a, int a0, int ars, int acs, float[] b, int b0,
                               int brs, float[] c, int c0, int ldc, VectorMask<Float> acc) {
        int a1 = rows > 1 ? a0 + ars : a0;
        int a2 = rows > 2 ? a0 + 2 * ars : a0;
        int a3 = rows > 3 ? a0 + 3 * ars : a0;
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        if (two) {
            for (int p = 0; p < k; p++) {
                int bi = b0 + p * brs;
                FloatVector b0v = FloatVector.fromArray(F, b, bi);
                FloatVector b1v = FloatVector.fromArray(F, b, bi + LANES);
                int ap = p * acs;
                FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
                c00 = x.fma(b0v, c00);
                c01 = x.fma(b1v, c01);
                x = FloatVector.broadcast(F, a[a1 + ap]);
                c10 = x.fma(b0v, c10);
                c11 = x.fma(b1v, c11);
                x = FloatVector.broadcast(F, a[a2 + ap]);
                c20 = x.fma(b0v, c20);
                c21 = x.fma(b1v, c21);
                x = FloatVector.broadcast(F, a[a3 + ap]);
                c30 = x.fma(b0v, c30);
                c31 = x.fma(b1v, c31);
            }
        } else {
            for (int p = 0; p < k; p++) {
                FloatVector b0v = FloatVector.fromArray(F, b, b0 + p * brs);
                int ap = p * acs;
                c00 = FloatVector.broadcast(F, a[a0 + ap]).fma(b0v, c00);
                c10 = FloatVector.broadcast(F, a[a1 + ap]).fma(b0v, c10);
                c20 = FloatVector.broadcast(F, a[a2 + ap]).fma(b0v, c20);
                c30 = FloatVector.broadcast(F, a[a3 + ap]).fma(b0v, c30);
            }
        }
        narrowStore(two, c00, c01, c, c0, acc);
        if (rows > 1) {
            narrowStore(two, c10, c11, c, c0 + ldc, acc);
        }
        if (rows > 2) {
            narrowStore(two, c20, c21, c, c0 + 2 * ldc, acc);
        }
        if (rows > 3) {
            narrowStore(two, c30, c31, c, c0 + 3 * ldc, acc);
        }
    }

    private static void narrowStore(boolean two, FloatVector v0, FloatVector v1, float[] c, int ci,
                                    VectorMask<Float> acc) {
        v0.add(FloatVector.fromArray(F, c, ci), acc).intoArray(c, ci);
        if (two) {
            v1.add(FloatVector.fromArray(F, c, ci + LANES), acc).intoArray(c, ci + LANES);
        }
    }

    /** C[0:4, 0:NB] (+)= A[0:4, :]·B[:, 0:NB]; A(i,p) = a[a0 + i·ars + p·acs], B(p,j) = b[b0 + p·brs + j]. */
    private static void rows4(int k, float[] a, int a0, int ars, int acs, float[] b, int b0, int brs,
                              float[] c, int c0, int ldc, VectorMask<Float> acc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        int a1 = a0 + ars;
        int a2 = a1 + ars;
        int a3 = a2 + ars;
        for (int p = 0; p < k; p++) {
            int bi = b0 + p * brs;
            FloatVector b0v = FloatVector.fromArray(F, b, bi);
            FloatVector b1v = FloatVector.fromArray(F, b, bi + LANES);
            FloatVector b2v = FloatVector.fromArray(F, b, bi + 2 * LANES);
            FloatVector b3v = FloatVector.fromArray(F, b, bi + 3 * LANES);
            int ap = p * acs;
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            c00 = x.fma(b0v, c00);
            c01 = x.fma(b1v, c01);
            c02 = x.fma(b2v, c02);
            c03 = x.fma(b3v, c03);
            x = FloatVector.broadcast(F, a[a1 + ap]);
            c10 = x.fma(b0v, c10);
            c11 = x.fma(b1v, c11);
            c12 = x.fma(b2v, c12);
            c13 = x.fma(b3v, c13);
            x = FloatVector.broadcast(F, a[a2 + ap]);
            c20 = x.fma(b0v, c20);
            c21 = x.fma(b1v, c21);
            c22 = x.fma(b2v, c22);
            c23 = x.fma(b3v, c23);
            x = FloatVector.broadcast(F, a[a3 + ap]);
            c30 = x.fma(b0v, c30);
            c31 = x.fma(b1v, c31);
            c32 = x.fma(b2v, c32);
            c33 = x.fma(b3v, c33);
        }
        int r1 = c0 + ldc;
        int r2 = r1 + ldc;
        int r3 = r2 + ldc;
        c00 = c00.add(FloatVector.fromArray(F, c, c0), acc);
        c01 = c01.add(FloatVector.fromArray(F, c, c0 + LANES), acc);
        c02 = c02.add(FloatVector.fromArray(F, c, c0 + 2 * LANES), acc);
        c03 = c03.add(FloatVector.fromArray(F, c, c0 + 3 * LANES), acc);
        c10 = c10.add(FloatVector.fromArray(F, c, r1), acc);
        c11 = c11.add(FloatVector.fromArray(F, c, r1 + LANES), acc);
        c12 = c12.add(FloatVector.fromArray(F, c, r1 + 2 * LANES), acc);
        c13 = c13.add(FloatVector.fromArray(F, c, r1 + 3 * LANES), acc);
        c20 = c20.add(FloatVector.fromArray(F, c, r2), acc);
        c21 = c21.add(FloatVector.fromArray(F, c, r2 + LANES), acc);
        c22 = c22.add(FloatVector.fromArray(F, c, r2 + 2 * LANES), acc);
        c23 = c23.add(FloatVector.fromArray(F, c, r2 + 3 * LANES), acc);
        c30 = c30.add(FloatVector.fromArray(F, c, r3), acc);
        c31 = c31.add(FloatVector.fromArray(F, c, r3 + LANES), acc);
        c32 = c32.add(FloatVector.fromArray(F, c, r3 + 2 * LANES), acc);
        c33 = c33.add(FloatVector.fromArray(F, c, r3 + 3 * LANES), acc);
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c02.intoArray(c, c0 + 2 * LANES);
        c03.intoArray(c, c0 + 3 * LANES);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + LANES);
        c12.intoArray(c, r1 + 2 * LANES);
        c13.intoArray(c, r1 + 3 * LANES);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + LANES);
        c22.intoArray(c, r2 + 2 * LANES);
        c23.intoArray(c, r2 + 3 * LANES);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + LANES);
        c32.intoArray(c, r3 + 2 * LANES);
        c33.intoArray(c, r3 + 3 * LANES);
    }

    /** One row: C[0, 0:NB] (+)= A[0, :]·B[:, 0:NB]. */
    private static void row1(int k, float[] a, int a0, int acs, float[] b, int b0, int brs, float[] c,
                             int c0, VectorMask<Float> acc) {
        FloatVector c0v = FloatVector.zero(F);
        FloatVector c1v = c0v;
        FloatVector c2v = c0v;
        FloatVector c3v = c0v;
        for (int p = 0; p < k; p++) {
            int bi = b0 + p * brs;
            FloatVector x = FloatVector.broadcast(F, a[a0 + p * acs]);
            c0v = x.fma(FloatVector.fromArray(F, b, bi), c0v);
            c1v = x.fma(FloatVector.fromArray(F, b, bi + LANES), c1v);
            c2v = x.fma(FloatVector.fromArray(F, b, bi + 2 * LANES), c2v);
            c3v = x.fma(FloatVector.fromArray(F, b, bi + 3 * LANES), c3v);
        }
        c0v = c0v.add(FloatVector.fromArray(F, c, c0), acc);
        c1v = c1v.add(FloatVector.fromArray(F, c, c0 + LANES), acc);
        c2v = c2v.add(FloatVector.fromArray(F, c, c0 + 2 * LANES), acc);
        c3v = c3v.add(FloatVector.fromArray(F, c, c0 + 3 * LANES), acc);
        c0v.intoArray(c, c0);
        c1v.intoArray(c, c0 + LANES);
        c2v.intoArray(c, c0 + 2 * LANES);
        c3v.intoArray(c, c0 + 3 * LANES);
    }

    /** sum over p of a[aOff + p]·b[bOff + p]: lane-wise partial sums, then a fixed-order reduction. */
    private static float dot(int k, float[] a, int aOff, float[] b, int bOff) {
        int vk = k - k % LANES;
        FloatVector s = FloatVector.zero(F);
        int p = 0;
        for (; p < vk; p += LANES) {
            s = FloatVector.fromArray(F, a, aOff + p).fma(FloatVector.fromArray(F, b, bOff + p), s);
        }
        float r = VectorMath.sumLanesFloat(s);
        for (; p < k; p++) {
            r = Math.fma(a[aOff + p], b[bOff + p], r);
        }
        return r;
    }
}
