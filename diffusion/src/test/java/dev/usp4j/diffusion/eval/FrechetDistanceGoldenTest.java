package dev.usp4j.diffusion.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.GoldenFile;
import dev.usp4j.tensor.random.Generator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Feature statistics and the Fréchet distance against NumPy/SciPy (gen_fid.py: np.cov and pytorch-fid's
 * sqrtm-based formula): means and covariances to 1e-10 relative, distances to 1e-8 relative (1e-6 absolute for the
 * identical sets, whose exact answer is 0) — and for rank-deficient covariances, where scipy's sqrtm is itself only
 * good to ~1e-7, to 1e-5. Also the eigen-decomposition on its own.
 */
class FrechetDistanceGoldenTest {
    @TestFactory
    Stream<DynamicTest> againstScipy() {
        return GoldenFile.load("fid").stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            FeatureStats a = FeatureStats.of(c.in("a"));
            // the second set in three batches, as an evaluation loop feeds it
            NDArray fb = c.in("b");
            FeatureStats b = new FeatureStats(fb.size(1));
            int third = fb.size(0) / 3;
            b.add(fb.narrow(0, 0, third)).add(fb.narrow(0, third, third))
                    .add(fb.narrow(0, 2 * third, fb.size(0) - 2 * third));
            close(c.outFloat64("mu_a"), a.mean(), 1e-10, c.name() + " mu_a");
            close(c.outFloat64("mu_b"), b.mean(), 1e-10, c.name() + " mu_b");
            close(c.outFloat64("sigma_a"), flat(a.covariance()), 1e-10, c.name() + " sigma_a");
            close(c.outFloat64("sigma_b"), flat(b.covariance()), 1e-10, c.name() + " sigma_b");
            double want = c.outFloat64("fid")[0];
            double got = FrechetDistance.of(a, b);
            double tol = c.name().contains("identical") ? 1e-6
                    : c.name().contains("rank_deficient") ? 1e-5 * Math.abs(want) : 1e-8 * Math.abs(want);
            assertEquals(want, got, tol, c.name());
        }));
    }

    @Test
    void eigenDecompositionReconstructs() {
        int n = 40;
        float[] r = NDArray.randn(new Generator(1), n, n).toFloatArray();
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = r[i * n + j] + r[j * n + i];
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a);
        double[] l = e.values();
        double[][] v = e.vectors();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double dot = 0;
                for (int k = 0; k < n; k++) {
                    sum += v[i][k] * l[k] * v[j][k];
                    dot += v[k][i] * v[k][j];
                }
                assertEquals(a[i][j], sum, 1e-11, "A = V Λ Vᵀ at " + i + "," + j);
                assertEquals(i == j ? 1 : 0, dot, 1e-12, "Vᵀ V = I");
            }
        }
        for (int i = 1; i < n; i++) {
            assertTrue(l[i - 1] <= l[i], "ascending");
        }
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][] {{1, 2}, {3}}));
        assertThrows(IllegalArgumentException.class, () -> FrechetDistance.of(new FeatureStats(3), new FeatureStats(4)));
    }

    private static double[] flat(double[][] m) {
        double[] out = new double[m.length * m.length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, out, i * m.length, m.length);
        }
        return out;
    }

    private static void close(double[] want, double[] got, double rel, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], rel * Math.max(1, Math.abs(want[i])), what + "[" + i + "]");
        }
    }
}
