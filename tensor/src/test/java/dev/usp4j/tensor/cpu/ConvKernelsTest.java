package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conv kernels against a naive double-precision definition on random geometries, with the column workspace
 * forced into many small bands, and bit-identical results whatever the thread count (unit-parallel and
 * GEMM-parallel schedules).
 */
class ConvKernelsTest {
    private final int savedBudget = ConvKernels.colBudget;
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restore() {
        ConvKernels.colBudget = savedBudget;
        Parallel.setThreads(savedThreads);
    }


    private static NDArray reference(NDArray x, NDArray w, NDArray b, Conv2dSpec s, boolean transposed, int[] os) {
        int n = x.size(0);
        int cin = x.size(1);
        int h = x.size(2);
        int wd = x.size(3);
        int kh = w.size(2);
        int kw = w.size(3);
        int g = s.groups();
        int cout = os[1];
        int oh = os[2];
        int ow = os[3];
        double[] acc = new double[n * cout * oh * ow];
        for (int img = 0; img < n; img++) {
            for (int co = 0; co < cout; co++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        acc[((img * cout + co) * oh + oy) * ow + ox] = b == null ? 0 : b.get(co);
                    }
                }
            }
            for (int ci = 0; ci < cin; ci++) {
                int grp = ci / (cin / g);
                int cig = ci % (cin / g);
                for (int cog = 0; cog < cout / g; cog++) {
                    int co = grp * (cout / g) + cog;
                    for (int i = 0; i < kh; i++) {
                        for (int j = 0; j < kw; j++) {
                            double wv = transposed ? w.get(ci, cog, i, j) : w.get(co, cig, i, j);
                            if (transposed) {
                                for (int iy = 0; iy < h; iy++) {
                                    for (int ix = 0; ix < wd; ix++) {
                                        int oy = iy * s.strideH() - s.padTop() + i * s.dilationH();
                                        int ox = ix * s.strideW() - s.padLeft() + j * s.dilationW();
                                        if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) {
                                            acc[((img * cout + co) * oh + oy) * ow + ox] += wv * x.get(img, ci, iy, ix);
                                        }
                                    }
                                }
                            } else {
                                for (int oy = 0; oy < oh; oy++) {
                                    for (int ox = 0; ox < ow; ox++) {
                                        int iy = oy * s.strideH() - s.padTop() + i * s.dilationH();
                                        int ix = ox * s.strideW() - s.padLeft() + j * s.dilationW();
                                        if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                            acc[((img * cout + co) * oh + oy) * ow + ox] += wv * x.get(img, ci, iy, ix);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        float[] f = new float[acc.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) acc[i];
        }
        return NDArray.of(f, os);
    }

    private static NDArray run(NDArray x, NDArray w, NDArray b, Conv2dSpec s, boolean transposed) {
        return transposed ? Functional.convTranspose2d(x, w, b, s) : Functional.conv2d(x, w, b, s);
    }

    private static void randomGeometries(boolean transposed) {
        Random r = new Random(transposed ? 11 : 7);
        Generator gen = new Generator(3);
        for (int t = 0; t < 40; t++) {
            ConvGeometry geo = ConvGeometry.random(r, transposed);
            NDArray x = NDArray.randn(gen, geo.x());
            NDArray w = NDArray.randn(gen, geo.w());
            int cout = transposed ? geo.w()[1] * geo.spec().groups() : geo.w()[0];
            NDArray b = r.nextBoolean() ? NDArray.randn(gen, cout) : null;
            ConvKernels.colBudget = r.nextBoolean() ? 1 : 40;
            NDArray got = run(x, w, b, geo.spec(), transposed);
            NDArray want = reference(x, w, b, geo.spec(), transposed, got.shape());
            Compare.assertClose(got, want, 1e-4, (transposed ? "conv_transpose2d " : "conv2d ") + geo.spec()
                    + " x" + java.util.Arrays.toString(geo.x()) + " w" + java.util.Arrays.toString(geo.w()));
        }
    }

    @Test
    void conv2dMatchesDefinitionInSmallBands() {
        randomGeometries(false);
    }

    @Test
    void convTranspose2dMatchesDefinitionInSmallBands() {
        randomGeometries(true);
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        Generator gen = new Generator(5);
        Conv2dSpec s = Conv2dSpec.of(2, 1).withGroups(2);
        for (int n : new int[] {1, 5}) {
            NDArray x = NDArray.randn(gen, n, 8, 23, 19);
            NDArray w = NDArray.randn(gen, 12, 4, 3, 3);
            NDArray wt = NDArray.randn(gen, 8, 6, 3, 3);
            NDArray b = NDArray.randn(gen, 12);
            Parallel.setThreads(1);
            float[] c1 = Functional.conv2d(x, w, b, s).toFloatArray();
            float[] t1 = Functional.convTranspose2d(x, wt, b, s.withOutputPadding(1, 1)).toFloatArray();
            Parallel.setThreads(2);
            float[] c2 = Functional.conv2d(x, w, b, s).toFloatArray();
            float[] t2 = Functional.convTranspose2d(x, wt, b, s.withOutputPadding(1, 1)).toFloatArray();
            assertArrayEquals(c1, c2, "conv2d, N=" + n);
            assertArrayEquals(t1, t2, "conv_transpose2d, N=" + n);
        }
    }
}
