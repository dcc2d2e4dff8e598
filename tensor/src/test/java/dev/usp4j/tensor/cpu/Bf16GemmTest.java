package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.HalfFloats;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PackedGemm#sgemmBf16} (a linear layer on bfloat16 weights) against the product on the widened weights
 * computed in double: row counts through the thin kernel (up to 16) and the packed path (17 on, or few rows too long for L2), widths around
 * the vector and tile edges, K below, at and across the 2·LANES chunk and the KC block, with and without bias,
 * operands at offsets inside larger arrays (nothing else in C may change), on 1 and 2 threads. Tolerance as in
 * {@code PackedGemmTest}: float sums of k products in any order, ~k·2⁻²⁴·Σ|a||w| per element, doubled.
 */
class Bf16GemmTest {
    private static final double U = Math.ulp(1.0f) / 2;
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    private static void check(int m, int n, int k, boolean withBias, int threads, SplittableRandom rnd) {
        Parallel.setThreads(threads);
        int aOff = 3;
        int lda = k + 2;
        int wOff = 5;
        int ldw = k + 1;
        int cOff = 7;
        int ldc = n + 3;
        float[] a = new float[aOff + m * lda];
        short[] w = new short[wOff + n * ldw];
        float[] bias = withBias ? new float[2 + n] : null;
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = HalfFloats.floatToBf16((float) rnd.nextGaussian());
        }
        if (bias != null) {
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) rnd.nextGaussian();
            }
        }
        float[] c = new float[cOff + m * ldc + 4];
        java.util.Arrays.fill(c, Float.NaN);
        PackedGemm.sgemmBf16(m, n, k, a, aOff, lda, 1, w, wOff, ldw, bias, 2, c, cOff, ldc);
        String label = "m=" + m + " n=" + n + " k=" + k + " bias=" + withBias + " threads=" + threads;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = bias == null ? 0 : bias[2 + j];
                double mag = Math.abs(exact);
                for (int p = 0; p < k; p++) {
                    double prod = (double) a[aOff + i * lda + p] * HalfFloats.bf16ToFloat(w[wOff + j * ldw + p]);
                    exact += prod;
                    mag += Math.abs(prod);
                }
                float got = c[cOff + i * ldc + j];
                double tol = 2 * (k + 1) * U * mag + Math.ulp((float) exact);
                assertTrue(Math.abs(got - exact) <= tol, label + ": C(" + i + ", " + j + ") = " + got
                        + ", expected " + exact + " ± " + tol);
            }
        }
        for (int i = 0; i < c.length; i++) {
            int r = (i - cOff) / ldc;
            int col = (i - cOff) % ldc;
            boolean inside = i >= cOff && r < m && col < n;
            if (!inside) {
                assertTrue(Float.isNaN(c[i]), label + ": element " + i + " outside C was written");
            }
        }
    }

    @Test
    void fewRowsTakeTheMatrixVectorKernel() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int m : new int[] {1, 2, 3, 4, 5, 8, ThinGemm.MAX_ROWS}) {
            for (int k : new int[] {1, 31, 32, 33, 95, 160, 1152}) {
                for (int n : new int[] {1, 17, 130}) {
                    check(m, n, k, (m + k) % 2 == 0, 1, rnd);
                    check(m, n, k, (m + k) % 2 == 1, 2, rnd);
                }
            }
        }
    }

    @Test
    void moreRowsTakeThePackedPath() {
        SplittableRandom rnd = new SplittableRandom(13);
        // The last: few rows, but too long to stay in L2 (m·k above ThinGemm.MAX_A_FLOATS).
        int[][] shapes = {{17, 1, 7}, {17, 64, 64}, {20, 100, 33}, {70, 200, 600}, {130, 80, 1100}, {18, 300, 512},
            {3, 40, 50000}};
        for (int[] s : shapes) {
            for (int threads = 1; threads <= 2; threads++) {
                check(s[0], s[1], s[2], true, threads, rnd);
                check(s[0], s[1], s[2], false, threads, rnd);
            }
        }
    }

    @Test
    void emptyProductsGiveTheBiasOrZero() {
        float[] c = {9, 9, 9, 9};
        PackedGemm.sgemmBf16(2, 2, 0, new float[0], 0, 0, 1, new short[0], 0, 0, new float[] {1, 2}, 0, c, 0, 2);
        assertArrayEquals(new float[] {1, 2, 1, 2}, c);
        PackedGemm.sgemmBf16(2, 2, 0, new float[0], 0, 0, 1, new short[0], 0, 0, null, 0, c, 0, 2);
        assertArrayEquals(new float[] {0, 0, 0, 0}, c);
        PackedGemm.sgemmBf16(0, 2, 3, new float[0], 0, 3, 1, new short[6], 0, 3, null, 0, c, 0, 2);
        assertEquals(0f, c[0]);
    }

    @Test
    void oneAndTwoThreadsGiveTheSameFloats() {
        SplittableRandom rnd = new SplittableRandom(17);
        int m = 40;
        int n = 300;
        int k = 700;
        float[] a = new float[m * k];
        short[] w = new short[n * k];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = HalfFloats.floatToBf16((float) rnd.nextGaussian());
        }
        float[][] c = new float[2][m * n];
        for (int t = 1; t <= 2; t++) {
            Parallel.setThreads(t);
            PackedGemm.sgemmBf16(m, n, k, a, 0, k, 1, w, 0, k, null, 0, c[t - 1], 0, n);
        }
        assertArrayEquals(c[0], c[1]);
    }
}
