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
 * than the product. Each row of W is read once and, while it is in L1, dotted with every row of A, four rows at a
 * time; parallel over the rows of W, so an element's summation order never depends on the thread count.
 *
 * <p>bf16 weights: a bf16 value is the top half of a float, so a vector of 2·LANES bf16 read as LANES ints holds
 * the even elements in its low halves and the odd ones in its high halves: a shift by 16 widens the even ones and a
 * mask the odd ones, with no lane shuffles. The rows of A are split once per call into their even and odd elements
 * to match, and each output is the sum of the two partial dot products. Half the bytes of float weights: up to
 * twice the speed where the layer waits on memory.
 */
final class ThinGemm {
    /** Rows of A up to which the layouts this class takes skip packing. */
    static final int MAX_ROWS = 16;
    /** Shorts of the same vector width as {@link KernelPath#F}: 2·LANES bf16 per load. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    /** Rows of A per pass over a row of W. */
    private static final int ROWS = 4;
    /** Multiply-adds per parallel block at least. */
    private static final int GRAIN_MACS = 1 << 17;

    private ThinGemm() {
    }

    private static int grain(int m, int k) {
        return Math.max(1, GRAIN_MACS / Math.max(1, k * m));
    }

    /**
     * C(i, j) (+)= Σ_p A(i, p)·W(j, p) for A(i, p) = a[aOff + i·lda + p], W(j, p) = w[wOff + j·ldw + p], C row-major.
     */
    static void f32(int m, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff, int ldw, float[] c,
                    int cOff, int ldc, boolean accumulate) {
        int kv = k - k % LANES;
        Parallel.forRange(n, grain(m, k), (start, end) -> {
            float[] dots = new float[ROWS];
            for (int j = start; j < end; j++) {
                int wj = wOff + j * ldw;
                for (int i0 = 0; i0 < m; i0 += ROWS) {
                    int rows = Math.min(ROWS, m - i0);
                    dotsF32(rows, kv, a, aOff + i0 * lda, lda, w, wj, dots);
                    for (int r = 0; r < rows; r++) {
                        int ar = aOff + (i0 + r) * lda;
                        float s = dots[r];
                        for (int p = kv; p < k; p++) {
                            s += a[ar + p] * w[wj + p];
                        }
                        int ci = cOff + (i0 + r) * ldc + j;
                        c[ci] = accumulate ? c[ci] + s : s;
                    }
                }
            }
        });
    }

    private static void dotsF32(int rows, int kv, float[] a, int a0, int lda, float[] w, int wj, float[] dots) {
        FloatVector z = FloatVector.zero(F);
        FloatVector s0 = z, s1 = z, s2 = z, s3 = z;
        for (int p = 0; p < kv; p += LANES) {
            FloatVector wv = FloatVector.fromArray(F, w, wj + p);
            s0 = wv.fma(FloatVector.fromArray(F, a, a0 + p), s0);
            if (rows > 1) {
                s1 = wv.fma(FloatVector.fromArray(F, a, a0 + lda + p), s1);
            }
            if (rows > 2) {
                s2 = wv.fma(FloatVector.fromArray(F, a, a0 + 2 * lda + p), s2);
            }
            if (rows > 3) {
                s3 = wv.fma(FloatVector.fromArray(F, a, a0 + 3 * lda + p), s3);
            }
        }
        dots[0] = s0.reduceLanes(VectorOperators.ADD);
        dots[1] = s1.reduceLanes(VectorOperators.ADD);
        dots[2] = s2.reduceLanes(VectorOperators.ADD);
        dots[3] = s3.reduceLanes(VectorOperators.ADD);
    }

    /**
     * C(i, j) = Σ_p A(i, p)·bf16(w[wOff + j·ldw + p]) (+ bias[biasOff + j] when bias is not null); A rows contiguous.
     */
    static void bf16(int m, int n, int k, float[] a, int aOff, int lda, short[] w, int wOff, int ldw, float[] bias,
                     int biasOff, float[] c, int cOff, int ldc) {
        int kv = k - k % (2 * LANES);
        int half = kv / 2;
        // [m][half] even elements, then [m][half] odd ones, of A's vectorised part.
        float[] split = new float[2 * m * half];
        for (int i = 0; i < m; i++) {
            int src = aOff + i * lda;
            int even = i * half;
            int odd = (m + i) * half;
            for (int q = 0; q < half; q++) {
                split[even + q] = a[src + 2 * q];
                split[odd + q] = a[src + 2 * q + 1];
            }
        }
        Parallel.forRange(n, grain(m, k), (start, end) -> {
            float[] dots = new float[ROWS];
            for (int j = start; j < end; j++) {
                int wj = wOff + j * ldw;
                for (int i0 = 0; i0 < m; i0 += ROWS) {
                    int rows = Math.min(ROWS, m - i0);
                    dotsBf16(rows, kv, split, i0 * half, (m + i0) * half, half, w, wj, dots);
                    for (int r = 0; r < rows; r++) {
                        int ar = aOff + (i0 + r) * lda;
                        float s = dots[r];
                        for (int p = kv; p < k; p++) {
                            s += a[ar + p] * HalfFloats.bf16ToFloat(w[wj + p]);
                        }
                        c[cOff + (i0 + r) * ldc + j] = bias == null ? s : s + bias[biasOff + j];
                    }
                }
            }
        });
    }

    /** dots[r] = Σ over the first kv elements, for rows r &lt; rows starting at evenOff / oddOff (stride half). */
    private static void dotsBf16(int rows, int kv, float[] split, int evenOff, int oddOff, int half, short[] w,
                                 int wj, float[] dots) {
        FloatVector z = FloatVector.zero(F);
        FloatVector e0 = z, o0 = z, e1 = z, o1 = z, e2 = z, o2 = z, e3 = z, o3 = z;
        for (int p = 0, q = 0; p < kv; p += 2 * LANES, q += LANES) {
            IntVector bits = ShortVector.fromArray(S, w, wj + p).reinterpretAsInts();
            FloatVector we = bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector wo = bits.and(0xFFFF0000).reinterpretAsFloats();
            e0 = we.fma(FloatVector.fromArray(F, split, evenOff + q), e0);
            o0 = wo.fma(FloatVector.fromArray(F, split, oddOff + q), o0);
            if (rows > 1) {
                e1 = we.fma(FloatVector.fromArray(F, split, evenOff + half + q), e1);
                o1 = wo.fma(FloatVector.fromArray(F, split, oddOff + half + q), o1);
            }
            if (rows > 2) {
                e2 = we.fma(FloatVector.fromArray(F, split, evenOff + 2 * half + q), e2);
                o2 = wo.fma(FloatVector.fromArray(F, split, oddOff + 2 * half + q), o2);
            }
            if (rows > 3) {
                e3 = we.fma(FloatVector.fromArray(F, split, evenOff + 3 * half + q), e3);
                o3 = wo.fma(FloatVector.fromArray(F, split, oddOff + 3 * half + q), o3);
            }
        }
        dots[0] = e0.add(o0).reduceLanes(VectorOperators.ADD);
        dots[1] = e1.add(o1).reduceLanes(VectorOperators.ADD);
        dots[2] = e2.add(o2).reduceLanes(VectorOperators.ADD);
        dots[3] = e3.add(o3).reduceLanes(VectorOperators.ADD);
    }
}
