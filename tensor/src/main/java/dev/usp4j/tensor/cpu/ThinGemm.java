package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.HalfFloats;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A linear layer's product for a few rows, C[m×n] (+)= A[m×k]·Wᵀ with W [n×k] row-major (the transposed view
 * x·Wᵀ of PyTorch's weights), in float32 or bfloat16 weights: the shapes of batch-1 inference, where every weight is
 * used by only a few rows, so the time is that of reading W and packing it (as the blocked GEMM would) costs more
 * than the product. W is read once, four rows at a time, and while they are in L1 they are dotted with every row
 * of A, four at a time (a 4×4 register block: 8 loads per 16 vector multiply-adds; a block's missing rows repeat
 * its first one and are discarded); parallel over the rows of W, so an element's summation order never depends on
 * the thread count.
 *
 * <p>bf16 weights: a bf16 value is the top half of a float, so a vector of 2·LANES bf16 read as LANES ints holds
 * the even elements in its low halves and the odd ones in its high halves: a shift by 16 widens the even ones and a
 * mask the odd ones, with no lane shuffles. The rows of A are split once per call into their even and odd elements
 * to match.
 *
 * <p>The kernels are written out by hand, reductions included: a helper taking the accumulators as parameters
 * was not inlined where it mattered and every vector crossing the call was boxed (16 rows ran 6× slower). Half the bytes of float weights: up to
 * twice the speed where the layer waits on memory.
 */
final class ThinGemm {
    /** Rows of A up to which the layouts this class takes skip packing. */
    static final int MAX_ROWS = 16;
    /** Largest A (m·k floats, 512 KiB) for this class: it must stay in L2 while W streams past it. */
    static final int MAX_A_FLOATS = 1 << 17;
    /** Shorts of the same vector width as {@link KernelPath#F}: 2·LANES bf16 per load. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    /** Rows of A and of W per register block: 16 accumulators, 8 loads per 16 vector multiply-adds. */
    private static final int B = 4;
    /** Multiply-adds per parallel block at least. */
    private static final int GRAIN_MACS = 1 << 17;

    private ThinGemm() {
    }

    /** Whether an A of m rows of k takes this class: few rows, small enough to stay in L2 as W streams past. */
    static boolean fits(int m, int k) {
        return m <= MAX_ROWS && (long) m * k <= MAX_A_FLOATS;
    }

    /** Blocks of B rows of W per parallel block at least. */
    private static int grain(int m, int k) {
        return Math.max(1, GRAIN_MACS / Math.max(1, k * m * B));
    }

    /** Offsets of up to B consecutive rows from {@code first} (stride {@code ld}); missing rows repeat the first. */
    private static int[] rows(int first, int ld, int count) {
        int[] r = new int[B];
        for (int i = 0; i < B; i++) {
            r[i] = first + (i < count ? i : 0) * ld;
        }
        return r;
    }

    /**
     * C(i, j) (+)= Σ_p A(i, p)·W(j, p) for A(i, p) = a[aOff + i·lda + p], W(j, p) = w[wOff + j·ldw + p], C row-major.
     */
    static void f32(int m, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff, int ldw, float[] c,
                    int cOff, int ldc, boolean accumulate) {
        int kv = k - k % LANES;
        int blocks = (n + B - 1) / B;
        Parallel.forRange(blocks, grain(m, k), (start, end) -> {
            float[] dots = new float[B * B];
            for (int jb = start; jb < end; jb++) {
                int j0 = jb * B;
                int cols = Math.min(B, n - j0);
                int[] wr = rows(wOff + j0 * ldw, ldw, cols);
                for (int i0 = 0; i0 < m; i0 += B) {
                    int count = Math.min(B, m - i0);
                    int[] ar = rows(aOff + i0 * lda, lda, count);
                    if (count == 1) {
                        rowF32(kv, a, ar[0], w, wr, dots);
                    } else {
                        blockF32(kv, a, ar, w, wr, dots);
                    }
                    for (int r = 0; r < count; r++) {
                        for (int q = 0; q < cols; q++) {
                            float s = dots[r * B + q];
                            for (int p = kv; p < k; p++) {
                                s += a[ar[r] + p] * w[wr[q] + p];
                            }
                            int ci = cOff + (i0 + r) * ldc + j0 + q;
                            c[ci] = accumulate ? c[ci] + s : s;
                        }
                    }
                }
            }
        });
    }

    /** dots[q] = Σ_{p &lt; kv} a[a0 + p]·w[wr[q] + p]: one row of A (matrix-vector), no repeated rows. */
    private static void rowF32(int kv, float[] a, int a0, float[] w, int[] wr, float[] dots) {
        int w0 = wr[0], w1 = wr[1], w2 = wr[2], w3 = wr[3];
        FloatVector z = FloatVector.zero(F);
        FloatVector s0 = z, s1 = z, s2 = z, s3 = z;
        for (int p = 0; p < kv; p += LANES) {
            FloatVector x = FloatVector.fromArray(F, a, a0 + p);
            s0 = x.fma(FloatVector.fromArray(F, w, w0 + p), s0);
            s1 = x.fma(FloatVector.fromArray(F, w, w1 + p), s1);
            s2 = x.fma(FloatVector.fromArray(F, w, w2 + p), s2);
            s3 = x.fma(FloatVector.fromArray(F, w, w3 + p), s3);
        }
        dots[0] = VectorMath.sumLanesFloat(s0);
        dots[1] = VectorMath.sumLanesFloat(s1);
        dots[2] = VectorMath.sumLanesFloat(s2);
        dots[3] = VectorMath.sumLanesFloat(s3);
    }

    /** dots[r·B + q] = Σ_{p &lt; kv} a[ar[r] + p]·w[wr[q] + p] for a 4×4 block. */
    private static void blockF32(int kv, float[] a, int[] ar, float[] w, int[] wr, float[] dots) {
        int a0 = ar[0], a1 = ar[1], a2 = ar[2], a3 = ar[3];
        int w0 = wr[0], w1 = wr[1], w2 = wr[2], w3 = wr[3];
        FloatVector z = FloatVector.zero(F);
        FloatVector s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
        FloatVector s20 = z, s21 = z, s22 = z, s23 = z, s30 = z, s31 = z, s32 = z, s33 = z;
        for (int p = 0; p < kv; p += LANES) {
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + p);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + p);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + p);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + p);
            FloatVector x = FloatVector.fromArray(F, a, a0 + p);
            s00 = x.fma(v0, s00);
            s01 = x.fma(v1, s01);
            s02 = x.fma(v2, s02);
            s03 = x.fma(v3, s03);
            x = FloatVector.fromArray(F, a, a1 + p);
            s10 = x.fma(v0, s10);
            s11 = x.fma(v1, s11);
            s12 = x.fma(v2, s12);
            s13 = x.fma(v3, s13);
            x = FloatVector.fromArray(F, a, a2 + p);
            s20 = x.fma(v0, s20);
            s21 = x.fma(v1, s21);
            s22 = x.fma(v2, s22);
            s23 = x.fma(v3, s23);
            x = FloatVector.fromArray(F, a, a3 + p);
            s30 = x.fma(v0, s30);
            s31 = x.fma(v1, s31);
            s32 = x.fma(v2, s32);
            s33 = x.fma(v3, s33);
        }
        dots[0] = VectorMath.sumLanesFloat(s00);
        dots[1] = VectorMath.sumLanesFloat(s01);
        dots[2] = VectorMath.sumLanesFloat(s02);
        dots[3] = VectorMath.sumLanesFloat(s03);
        dots[4] = VectorMath.sumLanesFloat(s10);
        dots[5] = VectorMath.sumLanesFloat(s11);
        dots[6] = VectorMath.sumLanesFloat(s12);
        dots[7] = VectorMath.sumLanesFloat(s13);
        dots[8] = VectorMath.sumLanesFloat(s20);
        dots[9] = VectorMath.sumLanesFloat(s21);
        dots[10] = VectorMath.sumLanesFloat(s22);
        dots[11] = VectorMath.sumLanesFloat(s23);
        dots[12] = VectorMath.sumLanesFloat(s30);
        dots[13] = VectorMath.sumLanesFloat(s31);
        dots[14] = VectorMath.sumLanesFloat(s32);
        dots[15] = VectorMath.sumLanesFloat(s33);
    }

    /**
     * C(i, j) = Σ_p A(i, p)·bf16(w[wOff + j·ldw + p]) (+ bias[biasOff + j] when bias is not null); A rows contiguous.
     */
    static void bf16(int m, int n, int k, float[] a, int aOff, int lda, short[] w, int wOff, int ldw, float[] bias,
                     int biasOff, float[] c, int cOff, int ldc) {
        int kv = k - k % (2 * LANES);
        int half = kv / 2;
        // Row i's even elements at [2i·half, (2i+1)·half), its odd ones right after.
        float[] split = new float[2 * m * half];
        for (int i = 0; i < m; i++) {
            int src = aOff + i * lda;
            int even = 2 * i * half;
            for (int q = 0; q < half; q++) {
                split[even + q] = a[src + 2 * q];
                split[even + half + q] = a[src + 2 * q + 1];
            }
        }
        int blocks = (n + B - 1) / B;
        Parallel.forRange(blocks, grain(m, k), (start, end) -> {
            float[] dots = new float[B * B];
            for (int jb = start; jb < end; jb++) {
                int j0 = jb * B;
                int cols = Math.min(B, n - j0);
                int[] wr = rows(wOff + j0 * ldw, ldw, cols);
                for (int i0 = 0; i0 < m; i0 += B) {
                    int count = Math.min(B, m - i0);
                    if (count == 1) {
                        rowBf16(kv, half, split, 2 * i0 * half, w, wr, dots);
                    } else {
                        blockBf16(kv, half, split, rows(2 * i0 * half, 2 * half, count), w, wr, dots);
                    }
                    for (int r = 0; r < count; r++) {
                        int ar = aOff + (i0 + r) * lda;
                        for (int q = 0; q < cols; q++) {
                            float s = dots[r * B + q];
                            for (int p = kv; p < k; p++) {
                                s += a[ar + p] * HalfFloats.bf16ToFloat(w[wr[q] + p]);
                            }
                            c[cOff + (i0 + r) * ldc + j0 + q] = bias == null ? s : s + bias[biasOff + j0 + q];
                        }
                    }
                }
            }
        });
    }

    /** dots[q] = Σ_{p &lt; kv} A(0, p)·bf16(w[wr[q] + p]) for one row of A split at x0 (matrix-vector). */
    private static void rowBf16(int kv, int half, float[] split, int x0, short[] w, int[] wr, float[] dots) {
        int w0 = wr[0], w1 = wr[1], w2 = wr[2], w3 = wr[3];
        FloatVector z = FloatVector.zero(F);
        FloatVector s0 = z, s1 = z, s2 = z, s3 = z;
        for (int p = 0, q = 0; p < kv; p += 2 * LANES, q += LANES) {
            FloatVector xe = FloatVector.fromArray(F, split, x0 + q);
            FloatVector xo = FloatVector.fromArray(F, split, x0 + half + q);
            IntVector b0 = ShortVector.fromArray(S, w, w0 + p).reinterpretAsInts();
            IntVector b1 = ShortVector.fromArray(S, w, w1 + p).reinterpretAsInts();
            IntVector b2 = ShortVector.fromArray(S, w, w2 + p).reinterpretAsInts();
            IntVector b3 = ShortVector.fromArray(S, w, w3 + p).reinterpretAsInts();
            s0 = xe.fma(b0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), s0);
            s1 = xe.fma(b1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), s1);
            s2 = xe.fma(b2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), s2);
            s3 = xe.fma(b3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), s3);
            s0 = xo.fma(b0.and(0xFFFF0000).reinterpretAsFloats(), s0);
            s1 = xo.fma(b1.and(0xFFFF0000).reinterpretAsFloats(), s1);
            s2 = xo.fma(b2.and(0xFFFF0000).reinterpretAsFloats(), s2);
            s3 = xo.fma(b3.and(0xFFFF0000).reinterpretAsFloats(), s3);
        }
        dots[0] = VectorMath.sumLanesFloat(s0);
        dots[1] = VectorMath.sumLanesFloat(s1);
        dots[2] = VectorMath.sumLanesFloat(s2);
        dots[3] = VectorMath.sumLanesFloat(s3);
    }

    /**
     * dots[r·B + q] = Σ_{p &lt; kv} A(r, p)·bf16(w[wr[q] + p]) for a 4×4 block, A's rows split at xr[r] (even
     * elements) and xr[r] + half (odd ones).
     */
    private static void blockBf16(int kv, int half, float[] split, int[] xr, short[] w, int[] wr, float[] dots) {
        int x0 = xr[0], x1 = xr[1], x2 = xr[2], x3 = xr[3];
        int w0 = wr[0], w1 = wr[1], w2 = wr[2], w3 = wr[3];
        FloatVector z = FloatVector.zero(F);
        FloatVector s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
        FloatVector s20 = z, s21 = z, s22 = z, s23 = z, s30 = z, s31 = z, s32 = z, s33 = z;
        for (int p = 0, q = 0; p < kv; p += 2 * LANES, q += LANES) {
            IntVector b0 = ShortVector.fromArray(S, w, w0 + p).reinterpretAsInts();
            IntVector b1 = ShortVector.fromArray(S, w, w1 + p).reinterpretAsInts();
            IntVector b2 = ShortVector.fromArray(S, w, w2 + p).reinterpretAsInts();
            IntVector b3 = ShortVector.fromArray(S, w, w3 + p).reinterpretAsInts();
            // Even elements first, then odd ones, into the same accumulators.
            FloatVector v0 = b0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v1 = b1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v2 = b2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v3 = b3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector x = FloatVector.fromArray(F, split, x0 + q);
            s00 = x.fma(v0, s00);
            s01 = x.fma(v1, s01);
            s02 = x.fma(v2, s02);
            s03 = x.fma(v3, s03);
            x = FloatVector.fromArray(F, split, x1 + q);
            s10 = x.fma(v0, s10);
            s11 = x.fma(v1, s11);
            s12 = x.fma(v2, s12);
            s13 = x.fma(v3, s13);
            x = FloatVector.fromArray(F, split, x2 + q);
            s20 = x.fma(v0, s20);
            s21 = x.fma(v1, s21);
            s22 = x.fma(v2, s22);
            s23 = x.fma(v3, s23);
            x = FloatVector.fromArray(F, split, x3 + q);
            s30 = x.fma(v0, s30);
            s31 = x.fma(v1, s31);
            s32 = x.fma(v2, s32);
            s33 = x.fma(v3, s33);
            v0 = b0.and(0xFFFF0000).reinterpretAsFloats();
            v1 = b1.and(0xFFFF0000).reinterpretAsFloats();
            v2 = b2.and(0xFFFF0000).reinterpretAsFloats();
            v3 = b3.and(0xFFFF0000).reinterpretAsFloats();
            x = FloatVector.fromArray(F, split, x0 + half + q);
            s00 = x.fma(v0, s00);
            s01 = x.fma(v1, s01);
            s02 = x.fma(v2, s02);
            s03 = x.fma(v3, s03);
            x = FloatVector.fromArray(F, split, x1 + half + q);
            s10 = x.fma(v0, s10);
            s11 = x.fma(v1, s11);
            s12 = x.fma(v2, s12);
            s13 = x.fma(v3, s13);
            x = FloatVector.fromArray(F, split, x2 + half + q);
            s20 = x.fma(v0, s20);
            s21 = x.fma(v1, s21);
            s22 = x.fma(v2, s22);
            s23 = x.fma(v3, s23);
            x = FloatVector.fromArray(F, split, x3 + half + q);
            s30 = x.fma(v0, s30);
            s31 = x.fma(v1, s31);
            s32 = x.fma(v2, s32);
            s33 = x.fma(v3, s33);
        }
        dots[0] = VectorMath.sumLanesFloat(s00);
        dots[1] = VectorMath.sumLanesFloat(s01);
        dots[2] = VectorMath.sumLanesFloat(s02);
        dots[3] = VectorMath.sumLanesFloat(s03);
        dots[4] = VectorMath.sumLanesFloat(s10);
        dots[5] = VectorMath.sumLanesFloat(s11);
        dots[6] = VectorMath.sumLanesFloat(s12);
        dots[7] = VectorMath.sumLanesFloat(s13);
        dots[8] = VectorMath.sumLanesFloat(s20);
        dots[9] = VectorMath.sumLanesFloat(s21);
        dots[10] = VectorMath.sumLanesFloat(s22);
        dots[11] = VectorMath.sumLanesFloat(s23);
        dots[12] = VectorMath.sumLanesFloat(s30);
        dots[13] = VectorMath.sumLanesFloat(s31);
        dots[14] = VectorMath.sumLanesFloat(s32);
        dots[15] = VectorMath.sumLanesFloat(s33);
    }
}
