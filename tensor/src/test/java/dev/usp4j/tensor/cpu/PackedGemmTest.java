package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PackedGemm against its naive {@code reference}, through sgemm and through each of its paths (packed, unpacked)
 * directly: awkward sizes around the tile and block edges (MR, NR, KC, MC, NC), the four transpose combinations
 * and other strides, offsets into larger arrays (nothing outside C may change), accumulate mode, empty dims, and
 * bit-identical results for 1 and 2 threads.
 *
 * <p>Tolerance: both results sum k products in float in different orders, so each may be off by about
 * k·2⁻²⁴·Σ|a||b|; the check allows twice that (plus one ulp of slack), computed per element.
 */
class PackedGemmTest {
    private static final double U = Math.ulp(1.0f) / 2;
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** One operand or result stored inside a larger array: element (r, c) at off + r·rs + c·cs. */
    private record Mat(float[] data, int off, int rs, int cs) {
        float get(int r, int c) {
            return data[off + r * rs + c * cs];
        }

        Mat abs() {
            float[] d = data.clone();
            for (int i = 0; i < d.length; i++) {
                d[i] = Math.abs(d[i]);
            }
            return new Mat(d, off, rs, cs);
        }
    }

    /**
     * A rows×cols operand, row-major or column-major (transposed), with elements {@code step} apart and a padded
     * leading dimension, at a random offset; the rest of the array holds random values the GEMM must not read.
     */
    private static Mat operand(SplittableRandom rnd, int rows, int cols, boolean transposed, int step) {
        int pad = rnd.nextInt(3);
        int off = rnd.nextInt(5);
        int rs;
        int cs;
        int size;
        if (!transposed) {
            cs = step;
            rs = cols * step + pad;
            size = off + rows * rs + 1;
        } else {
            rs = step;
            cs = rows * step + pad;
            size = off + cols * cs + 1;
        }
        float[] d = new float[Math.max(1, size)];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return new Mat(d, off, rs, cs);
    }

    /**
     * Runs reference and, on copies of the same C, sgemm, the packed algorithm and (where its layout applies) the
     * unpacked one, and checks each result and that nothing outside C changed.
     */
    private static void check(SplittableRandom rnd, int m, int n, int k, boolean at, boolean bt, int step,
                              boolean accumulate) {
        Mat a = operand(rnd, m, k, at, step);
        Mat b = operand(rnd, k, n, bt, step);
        int ldc = n + rnd.nextInt(4);
        int cOff = rnd.nextInt(7);
        float[] c = new float[cOff + Math.max(0, m - 1) * ldc + n + 3];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        float[] expected = c.clone();
        PackedGemm.reference(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, expected, cOff, ldc,
                accumulate);
        Mat aa = a.abs();
        Mat ba = b.abs();
        float[] bound = new float[c.length];
        PackedGemm.reference(m, n, k, aa.data, aa.off, aa.rs, aa.cs, ba.data, ba.off, ba.rs, ba.cs, bound, cOff,
                ldc, false);
        String what = "m=" + m + " n=" + n + " k=" + k + " aT=" + at + " bT=" + bt + " step=" + step + " acc="
                + accumulate;
        float[] got = c.clone();
        PackedGemm.sgemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, got, cOff, ldc,
                accumulate);
        compare("sgemm " + what, m, n, k, accumulate, c, got, expected, bound, cOff, ldc);
        if (m > 0 && n > 0 && k > 0) {
            got = c.clone();
            PackedGemm.packed(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, got, cOff, ldc,
                    accumulate);
            compare("packed " + what, m, n, k, accumulate, c, got, expected, bound, cOff, ldc);
            if (SmallGemm.supports(a.cs, b.rs, b.cs)) {
                got = c.clone();
                SmallGemm.gemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, got, cOff, ldc,
                        accumulate);
                compare("unpacked " + what, m, n, k, accumulate, c, got, expected, bound, cOff, ldc);
            }
        }
    }

    private static void compare(String what, int m, int n, int k, boolean accumulate, float[] c, float[] got,
                                float[] expected, float[] bound, int cOff, int ldc) {
        boolean[] inC = new boolean[c.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                inC[ci] = true;
                double tol = (2.0 * k + 2) * U * (bound[ci] + (accumulate ? Math.abs(c[ci]) : 0)) + 1e-30;
                if (!(Math.abs(got[ci] - expected[ci]) <= tol)) {
                    throw new AssertionError(what + ": C(" + i + "," + j + ") = " + got[ci] + ", expected "
                            + expected[ci] + " (tolerance " + tol + ")");
                }
            }
        }
        for (int i = 0; i < c.length; i++) {
            if (!inC[i] && Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(c[i])) {
                throw new AssertionError(what + ": element " + i + " outside C changed");
            }
        }
    }

    @Test
    void awkwardShapesAllTransposes() {
        SplittableRandom rnd = new SplittableRandom(1);
        int[] ms = {1, 2, 5, 6, 7, 13, 61, 144, 145};
        // 80, 96, 112: a last panel of whole 16-column groups (its own transposing path when B is column-major).
        int[] ns = {1, 3, 16, 17, 32, 63, 64, 65, 80, 96, 112, 130};
        int[] ks = {1, 2, 17, 255, 256, 257};
        int c = 0;
        for (int m : ms) {
            for (int n : ns) {
                for (int k : ks) {
                    check(rnd, m, n, k, (c & 1) != 0, (c & 2) != 0, 1, (c & 4) != 0);
                    c++;
                }
            }
        }
    }

    @Test
    void everyTransposeAndStrideCombination() {
        SplittableRandom rnd = new SplittableRandom(2);
        int[][] shapes = {{37, 71, 29}, {150, 130, 300}, {6, 64, 256}, {12, 128, 513}, {3, 5, 2}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                for (int step = 1; step <= 2; step++) {
                    for (boolean acc : new boolean[] {false, true}) {
                        check(rnd, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, step, acc);
                    }
                }
            }
        }
    }

    @Test
    void blockBoundaries() {
        SplittableRandom rnd = new SplittableRandom(3);
        int mc = PackedGemm.MC;
        int kc = PackedGemm.KC;
        int nc = PackedGemm.NC;
        // A column-major A is packed several A blocks at a time: groups that end mid-block and mid-panel.
        int group = PackedGemm.COLUMN_MAJOR_A_BLOCKS * mc;
        int[][] shapes = {{mc - 1, 65, 9}, {mc, 64, 10}, {mc + 1, 66, 11}, {2 * mc + 7, 20, 5},
            {7, 20, 2 * kc + 1}, {13, 70, kc + 1}, {7, nc + 1, 5}, {9, nc + GemmKernel.NR + 3, 4},
            {group + mc + 5, 20, kc + 3}, {2 * group, 9, 31}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                check(rnd, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, 1, t == 3);
            }
        }
    }

    @Test
    void emptyDims() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int t = 0; t < 4; t++) {
            for (boolean acc : new boolean[] {false, true}) {
                check(rnd, 0, 5, 3, (t & 1) != 0, (t & 2) != 0, 1, acc);
                check(rnd, 5, 0, 3, (t & 1) != 0, (t & 2) != 0, 1, acc);
                check(rnd, 70, 130, 0, (t & 1) != 0, (t & 2) != 0, 1, acc);
            }
        }
        float[] c = {5, 5, 5, 5};
        PackedGemm.sgemm(2, 2, 0, new float[0], 0, 0, 1, new float[0], 0, 2, 1, c, 0, 2, false);
        assertArrayEquals(new float[] {0, 0, 0, 0}, c);
        float[] d = {5, 5, 5, 5};
        PackedGemm.sgemm(2, 2, 0, new float[0], 0, 0, 1, new float[0], 0, 2, 1, d, 0, 2, true);
        assertArrayEquals(new float[] {5, 5, 5, 5}, d);
    }

    @Test
    void exactOnSmallIntegers() {
        // Integer-valued operands have exact products and sums, so every path must give the exact answer.
        int m = 67;
        int n = 131;
        int k = 300;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i * 7 % 11) - 5;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i * 5 % 13) - 6;
        }
        float[] got = new float[m * n];
        float[] want = new float[m * n];
        PackedGemm.sgemm(m, n, k, a, 0, k, 1, b, 0, n, 1, got, 0, n, false);
        PackedGemm.reference(m, n, k, a, 0, k, 1, b, 0, n, 1, want, 0, n, false);
        assertArrayEquals(want, got);
    }

    @Test
    void nanAndInfinityPropagateOnlyToTheirRowAndColumn() {
        int m = 20;
        int n = 70;
        int k = 40;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        Arrays.fill(a, 1f);
        Arrays.fill(b, 1f);
        a[3 * k + 5] = Float.NaN;
        b[7 * n + 66] = Float.POSITIVE_INFINITY;
        float[] c = new float[m * n];
        PackedGemm.sgemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float v = c[i * n + j];
                if (i == 3) {
                    assertTrue(Float.isNaN(v), "row 3 must be NaN");
                } else if (j == 66) {
                    assertEquals(Float.POSITIVE_INFINITY, v);
                } else {
                    assertEquals(k, v);
                }
            }
        }
    }

    /** C for one shape and layout with the given thread count. */
    private static float[] run(int threads, int m, int n, int k, boolean at, boolean bt, boolean acc) {
        Parallel.setThreads(threads);
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 17L + k);
        Mat a = operand(rnd, m, k, at, 1);
        Mat b = operand(rnd, k, n, bt, 1);
        float[] c = new float[m * n];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) rnd.nextDouble();
        }
        PackedGemm.sgemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, c, 0, n, acc);
        return c;
    }

    /**
     * sgemmBias against what it replaces, the bias copied into every row and an accumulating sgemm: the very same
     * floats, on shapes taking the small path, full and edge tiles, several K blocks, and row and column thread
     * splits (whose column slabs start inside the bias), with nothing outside C touched.
     */
    @Test
    void biasInTheGemmGivesTheFloatsOfCopyThenAccumulate() {
        SplittableRandom rnd = new SplittableRandom(77);
        int[][] cases = {{5, 7, 3}, {3, 200, 50}, {130, 70, 600}, {1024, 384, 96}, {64, 2304, 384}, {300, 1000, 40},
            {97, 129, 1100}};
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            for (int[] s : cases) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                Mat a = operand(rnd, m, k, false, 1);
                Mat b = operand(rnd, k, n, true, 1);
                float[] bias = new float[n + 3];
                for (int i = 0; i < bias.length; i++) {
                    bias[i] = (float) (rnd.nextDouble() * 4 - 2);
                }
                int ldc = n + 2;
                float[] c = new float[1 + m * ldc];
                Arrays.fill(c, Float.NaN);
                float[] want = c.clone();
                for (int i = 0; i < m; i++) {
                    System.arraycopy(bias, 3, want, 1 + i * ldc, n);
                }
                PackedGemm.sgemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, want, 1, ldc, true);
                PackedGemm.sgemmBias(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, bias, 3, c, 1,
                        ldc);
                assertArrayEquals(want, c, threads + " thread(s), m=" + m + " n=" + n + " k=" + k);
            }
        }
    }

    @Test
    void oneAndTwoThreadsAreBitIdentical() {
        // {m, n, k, transposes (bit 0: A, bit 1: B), accumulate}: packed row splits (tall C) and column splits
        // (wide C) with transposed operands, K blocks and accumulate; the unpacked path's column-block split
        // (4 rows) and its dot-product row split (one column).
        int[][] cases = {{300, 200, 257, 0, 0}, {40, 2000, 300, 1, 1}, {1000, 70, 130, 2, 0}, {130, 2100, 40, 3, 1},
            {3, 5000, 700, 0, 1}, {20000, 1, 500, 0, 0}};
        for (int[] s : cases) {
            boolean at = (s[3] & 1) != 0;
            boolean bt = (s[3] & 2) != 0;
            float[] one = run(1, s[0], s[1], s[2], at, bt, s[4] == 1);
            float[] two = run(2, s[0], s[1], s[2], at, bt, s[4] == 1);
            assertArrayEquals(one, two, "case " + Arrays.toString(s));
        }
    }

    @Test
    void insideAParallelRegionRunsSeriallyWithTheSameResult() {
        int m = 150;
        int n = 300;
        int k = 100;
        float[] want = run(1, m, n, k, false, true, false);
        Parallel.setThreads(2);
        float[][] got = new float[2][];
        Parallel.forRange(2, 1, (s, e) -> {
            for (int t = s; t < e; t++) {
                assertTrue(Parallel.inParallelRegion());
                SplittableRandom rnd = new SplittableRandom(m * 31L + n * 17L + k);
                Mat a = operand(rnd, m, k, false, 1);
                Mat b = operand(rnd, k, n, true, 1);
                float[] c = new float[m * n];
                PackedGemm.sgemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, c, 0, n, false);
                got[t] = c;
            }
        });
        assertArrayEquals(want, got[0]);
        assertArrayEquals(want, got[1]);
    }

    @Test
    void negativeSizesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> PackedGemm.sgemm(2, -1, 3, new float[6], 0, 3,
                1, new float[3], 0, 1, 1, new float[2], 0, 1, false));
        assertTrue(e.getMessage().contains("sgemm") && e.getMessage().contains("n=-1"), e.getMessage());
    }
}
