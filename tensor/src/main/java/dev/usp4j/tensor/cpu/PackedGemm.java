package dev.usp4j.tensor.cpu;

/**
 * Single-precision GEMM, {@code C = A·B} or {@code C += A·B}, over Java arrays with arbitrary element strides for
 * A and B (so transposed views need no copy) and a row-major C.
 *
 * <p>PLACEHOLDER IMPLEMENTATION: a correct but slow loop. To be replaced by the GotoBLAS/BLIS design (packed
 * panels, register-blocked Vector API micro-kernel, cache blocking, a split across threads).
 */
public final class PackedGemm {
    private PackedGemm() {
    }

    /**
     * C[m×n] (+)= A[m×k]·B[k×n], where A(i,p) = a[aOff + i·aRowStride + p·aColStride], B(p,j) =
     * b[bOff + p·bRowStride + j·bColStride] and C(i,j) = c[cOff + i·ldc + j]. With {@code accumulate} false C is
     * overwritten (its old contents may be garbage). Runs in parallel unless called inside a parallel region.
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRowStride, int aColStride,
                             float[] b, int bOff, int bRowStride, int bColStride,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        reference(m, n, k, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, cOff, ldc,
                accumulate);
    }

    /** The naive definition, kept as the reference the fast kernel is tested against. */
    public static void reference(int m, int n, int k,
                                 float[] a, int aOff, int aRowStride, int aColStride,
                                 float[] b, int bOff, int bRowStride, int bColStride,
                                 float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[aOff + i * aRowStride + p * aColStride] * b[bOff + p * bRowStride + j * bColStride];
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }
}
