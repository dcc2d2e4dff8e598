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

    /**
     * Stride-1, one-group convolutions ({@link ShiftedConv}) at sizes its blocking cares about: Cout past one MR
     * panel and not a multiple of it, Cin·taps past one K block, images whose padded pixels are not a multiple of
     * the vector width, batches of several chunks, planes wider than the forward takes, dilation, asymmetric
     * padding, "same" width (row ends masked, not padded), and transposed
     * convolutions with output padding below the dilation (padding beyond the kernel's extent takes im2col).
     */
    @Test
    void shiftedConvolutionsMatchDefinition() {
        Random r = new Random(37);
        Generator gen = new Generator(41);
        for (int t = 0; t < 16; t++) {
            boolean transposed = t % 2 == 1;
            int cin = 1 + r.nextInt(t % 4 == 0 ? 70 : 12);
            int cout = 1 + r.nextInt(t % 4 == 2 ? 40 : 14);
            int kh = 1 + r.nextInt(3) + (t < 2 ? 1 : 0);
            int kw = 2 + r.nextInt(2);
            int dh = 1 + r.nextInt(2);
            int dw = 1 + r.nextInt(2);
            int h = kh * dh + r.nextInt(t % 8 == 3 ? 60 : 10);
            int w = kw * dw + r.nextInt(t % 8 == 3 ? 60 : 12);
            // Several images: the forward's chunks of images, and a last chunk that is not full.
            int n = t % 8 == 5 ? 9 + r.nextInt(12) : 1 + r.nextInt(4);
            int[] pad = new int[4];
            for (int i = 0; i < 4; i++) {
                pad[i] = Math.min(r.nextInt(3), (i < 2 ? dh * (kh - 1) : dw * (kw - 1)));
            }
            if (t % 4 < 2) {
                // "Same" width (OW = W, the VAE's case): row ends masked instead of padded, split unevenly too.
                pad[2] = r.nextInt(dw * (kw - 1) + 1);
                pad[3] = dw * (kw - 1) - pad[2];
            }
            int oph = transposed ? r.nextInt(dh) : 0;
            int opw = transposed ? r.nextInt(dw) : 0;
            Conv2dSpec s = new Conv2dSpec(1, 1, pad[0], pad[1], pad[2], pad[3], dh, dw, 1, oph, opw);
            NDArray x = NDArray.randn(gen, n, cin, h, w);
            NDArray w4 = NDArray.randn(gen, transposed ? new int[] {cin, cout, kh, kw}
                    : new int[] {cout, cin, kh, kw});
            NDArray b = r.nextBoolean() ? NDArray.randn(gen, cout) : null;
            NDArray got = run(x, w4, b, s, transposed);
            NDArray want = reference(x, w4, b, s, transposed, got.shape());
            Compare.assertClose(got, want, 1e-4, (transposed ? "conv_transpose2d " : "conv2d ") + s + " x"
                    + java.util.Arrays.toString(x.shape()) + " w" + java.util.Arrays.toString(w4.shape()));
        }
    }

    /**
     * The forward's direct path (3×3, padding 1, planes of a multiple of NR pixels: tiles written straight into the
     * output): several chunks of images, a last tile of fewer than MR channels (the next image's channels must not be
     * touched), two K blocks (Cin·9 &gt; KC), planes of several column blocks, with and without bias, forward and
     * transposed.
     */
    @Test
    void directOutputTilesMatchDefinition() {
        Generator gen = new Generator(43);
        int[][] shapes = {{20, 5, 8, 8, 13}, {3, 70, 16, 16, 7}, {2, 9, 32, 32, 64}, {5, 64, 8, 8, 64}};
        Conv2dSpec s = Conv2dSpec.of(1, 1);
        for (int[] d : shapes) {
            for (boolean transposed : new boolean[] {false, true}) {
                NDArray x = NDArray.randn(gen, d[0], d[1], d[2], d[3]);
                NDArray w4 = NDArray.randn(gen, transposed ? new int[] {d[1], d[4], 3, 3}
                        : new int[] {d[4], d[1], 3, 3});
                NDArray b = d[1] % 2 == 0 ? null : NDArray.randn(gen, d[4]);
                NDArray got = run(x, w4, b, s, transposed);
                NDArray want = reference(x, w4, b, s, transposed, got.shape());
                Compare.assertClose(got, want, 1e-4, (transposed ? "conv_transpose2d x" : "conv2d x")
                        + java.util.Arrays.toString(x.shape()) + " w" + java.util.Arrays.toString(w4.shape()));
            }
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        Generator gen = new Generator(5);
        // Stride 2 with groups: im2col; then stride 1, one group: the shifted-window kernels.
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
        Conv2dSpec one = Conv2dSpec.of(1, 1);
        NDArray x = NDArray.randn(gen, 16, 8, 13, 11);
        NDArray w = NDArray.randn(gen, 12, 8, 3, 3);
        NDArray wt = NDArray.randn(gen, 8, 12, 3, 3);
        NDArray b = NDArray.randn(gen, 12);
        Parallel.setThreads(1);
        float[] c1 = Functional.conv2d(x, w, b, one).toFloatArray();
        float[] t1 = Functional.convTranspose2d(x, wt, b, one).toFloatArray();
        Parallel.setThreads(2);
        assertArrayEquals(c1, Functional.conv2d(x, w, b, one).toFloatArray(), "stride-1 conv2d");
        assertArrayEquals(t1, Functional.convTranspose2d(x, wt, b, one).toFloatArray(), "stride-1 conv_transpose2d");
    }
}
