package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.NormResult;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fused LayerNorm / GroupNorm backward kernels against the textbook formulas evaluated in double (rows that
 * fill several partial chunks, widths that are not multiples of the vector length, one-element rows, with and
 * without weight), only the requested gradients computed, and bit-identical results for 1 and 2 threads.
 */
class NormBackwardKernelsTest {
    private final int savedThreads = Parallel.threads();
    private final Generator gen = new Generator(41);

    @AfterEach
    void restore() {
        Parallel.setThreads(savedThreads);
    }

    /**
     * {dx, dw, db} of a normalisation over blocks of {@code m} consecutive elements whose weight index is
     * {@code channel(i)}: dx = rstd·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)), dw = Σ g·x̂, db = Σ g, all in double.
     */
    private static NDArray[] reference(float[] x, float[] g, float[] w, int m, int params,
                                       java.util.function.IntUnaryOperator channel, double eps, int[] shape) {
        double[] dx = new double[x.length];
        double[] dw = new double[params];
        double[] db = new double[params];
        for (int b = 0; b < x.length / m; b++) {
            double mean = 0;
            for (int i = 0; i < m; i++) {
                mean += x[b * m + i];
            }
            mean /= m;
            double var = 0;
            for (int i = 0; i < m; i++) {
                var += (x[b * m + i] - mean) * (x[b * m + i] - mean);
            }
            double rstd = 1 / Math.sqrt(var / m + eps);
            double sa = 0;
            double sb = 0;
            for (int i = 0; i < m; i++) {
                int k = b * m + i;
                double xh = (x[k] - mean) * rstd;
                double gh = g[k] * (w == null ? 1 : w[channel.applyAsInt(k)]);
                sa += gh;
                sb += gh * xh;
                dw[channel.applyAsInt(k)] += g[k] * xh;
                db[channel.applyAsInt(k)] += g[k];
            }
            for (int i = 0; i < m; i++) {
                int k = b * m + i;
                double xh = (x[k] - mean) * rstd;
                double gh = g[k] * (w == null ? 1 : w[channel.applyAsInt(k)]);
                dx[k] = rstd * (gh - sa / m - xh * sb / m);
            }
        }
        return new NDArray[] {of(dx, shape), of(dw, params), of(db, params)};
    }

    private static NDArray of(double[] v, int... shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) v[i];
        }
        return NDArray.of(f, shape);
    }

    private void layerNormCase(int rows, int c, boolean affine) {
        NDArray x = NDArray.randn(gen, rows, c).mul(1.5).add(0.3);
        NDArray g = NDArray.randn(gen, rows, c);
        NDArray w = affine ? NDArray.randn(gen, c) : null;
        NormResult r = Functional.layerNormWithStats(x, new int[] {c}, w, null, 1e-5);
        NDArray[] got = Functional.layerNormBackward(g, x, new int[] {c}, r.mean(), r.rstd(), w, true, true, true);
        NDArray[] want = reference(x.toFloatArray(), g.toFloatArray(), affine ? w.toFloatArray() : null, c, c,
                k -> k % c, 1e-5, new int[] {rows, c});
        String what = "layer_norm backward rows=" + rows + " C=" + c + (affine ? " affine" : "");
        Compare.assertClose(got[0], want[0], 1e-4, what + " dx");
        Compare.assertClose(got[1], want[1], 1e-4, what + " dw");
        Compare.assertClose(got[2], want[2], 1e-4, what + " db");
    }

    private void groupNormCase(int n, int ch, int hw, int groups, boolean affine) {
        NDArray x = NDArray.randn(gen, n, ch, hw).mul(1.5).sub(0.4);
        NDArray g = NDArray.randn(gen, n, ch, hw);
        NDArray w = affine ? NDArray.randn(gen, ch) : null;
        NormResult r = Functional.groupNormWithStats(x, groups, w, null, 1e-5);
        NDArray[] got = Functional.groupNormBackward(g, x, groups, r.mean(), r.rstd(), w, true, true, true);
        NDArray[] want = reference(x.toFloatArray(), g.toFloatArray(), affine ? w.toFloatArray() : null,
                ch / groups * hw, ch, k -> k / hw % ch, 1e-5, new int[] {n, ch, hw});
        String what = "group_norm backward " + n + "x" + ch + "x" + hw + " groups=" + groups;
        Compare.assertClose(got[0], want[0], 1e-4, what + " dx");
        Compare.assertClose(got[1], want[1], 1e-4, what + " dw");
        Compare.assertClose(got[2], want[2], 1e-4, what + " db");
    }

    @Test
    void layerNormMatchesFormula() {
        layerNormCase(200, 37, true);
        layerNormCase(200, 37, false);
        layerNormCase(7, 64, true);
        layerNormCase(130, 1, true);
        layerNormCase(3, 300, false);
    }

    @Test
    void groupNormMatchesFormula() {
        groupNormCase(2, 64, 9, 32, true);
        groupNormCase(3, 6, 17, 1, false);
        groupNormCase(2, 6, 17, 6, true);
        groupNormCase(2, 4, 1, 2, true);
    }

    @Test
    void computesOnlyWhatIsAsked() {
        NDArray x = NDArray.randn(gen, 5, 8);
        NDArray g = NDArray.randn(gen, 5, 8);
        NormResult r = Functional.layerNormWithStats(x, new int[] {8}, null, null, 1e-5);
        NDArray[] all = Functional.layerNormBackward(g, x, new int[] {8}, r.mean(), r.rstd(), null, true, true, true);
        NDArray[] some = Functional.layerNormBackward(g, x, new int[] {8}, r.mean(), r.rstd(), null, false, true,
                false);
        assertNull(some[0]);
        assertNull(some[2]);
        assertArrayEquals(all[1].toFloatArray(), some[1].toFloatArray());
        NDArray xg = NDArray.randn(gen, 2, 4, 3);
        NormResult rg = Functional.groupNormWithStats(xg, 2, null, null, 1e-5);
        NDArray[] gn = Functional.groupNormBackward(NDArray.randn(gen, 2, 4, 3), xg, 2, rg.mean(), rg.rstd(), null,
                true, false, false);
        assertNull(gn[1]);
        assertNull(gn[2]);
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        NDArray x = NDArray.randn(gen, 4096, 70);
        NDArray g = NDArray.randn(gen, 4096, 70);
        NDArray w = NDArray.randn(gen, 70);
        NormResult r = Functional.layerNormWithStats(x, new int[] {70}, w, null, 1e-5);
        NDArray xg = NDArray.randn(gen, 4, 64, 17, 15);
        NDArray gg = NDArray.randn(gen, 4, 64, 17, 15);
        NDArray wg = NDArray.randn(gen, 64);
        NormResult rg = Functional.groupNormWithStats(xg, 32, wg, null, 1e-5);
        float[][] one = new float[6][];
        float[][] two = new float[6][];
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            float[][] dst = threads == 1 ? one : two;
            NDArray[] ln = Functional.layerNormBackward(g, x, new int[] {70}, r.mean(), r.rstd(), w, true, true,
                    true);
            NDArray[] gn = Functional.groupNormBackward(gg, xg, 32, rg.mean(), rg.rstd(), wg, true, true, true);
            for (int i = 0; i < 3; i++) {
                dst[i] = ln[i].toFloatArray();
                dst[3 + i] = gn[i].toFloatArray();
            }
        }
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(one[i], two[i], (i < 3 ? "layer_norm" : "group_norm") + " gradient " + i % 3);
        }
    }
}
