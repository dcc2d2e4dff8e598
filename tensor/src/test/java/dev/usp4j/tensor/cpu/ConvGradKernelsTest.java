package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Convolution gradients against a naive double-precision definition on random geometries (asymmetric padding,
 * strides whose windows leave rows unread, dilation, groups, output padding up to the dilation): the weight-gradient
 * kernel with its column chunks forced to single rows, to a few rows spanning images, and to one chunk over all
 * images; the input gradients (transposed convolutions and convolutions of the output gradient). Also
 * bit-identical results for 1 and 2 threads in both schedules (parallel over groups, parallel inside the GEMM).
 */
class ConvGradKernelsTest {
    private final int savedBudget = ConvKernels.colBudget;
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restore() {
        ConvKernels.colBudget = savedBudget;
        Parallel.setThreads(savedThreads);
    }


    /**
     * Both gradients of conv2d (or conv_transpose2d) by the definition: every (input pixel, tap, output pixel)
     * triple the forward multiplies contributes g·w to the input gradient and g·x to the weight gradient.
     */
    private static NDArray[] reference(NDArray x, NDArray w, NDArray gy, Conv2dSpec s, boolean transposed) {
        int n = x.size(0);
        int cin = x.size(1);
        int h = x.size(2);
        int wd = x.size(3);
        int kh = w.size(2);
        int kw = w.size(3);
        int g = s.groups();
        int cout = gy.size(1);
        int oh = gy.size(2);
        int ow = gy.size(3);
        double[] gx = new double[x.numel()];
        double[] gw = new double[w.numel()];
        int[] wStr = {w.size(1) * kh * kw, kh * kw, kw};
        for (int img = 0; img < n; img++) {
            for (int ci = 0; ci < cin; ci++) {
                int grp = ci / (cin / g);
                for (int cog = 0; cog < cout / g; cog++) {
                    int co = grp * (cout / g) + cog;
                    for (int i = 0; i < kh; i++) {
                        for (int j = 0; j < kw; j++) {
                            int wi = transposed ? ci * wStr[0] + cog * wStr[1] + i * kw + j
                                    : co * wStr[0] + (ci % (cin / g)) * wStr[1] + i * kw + j;
                            for (int iy = 0; iy < h; iy++) {
                                for (int ix = 0; ix < wd; ix++) {
                                    int oy;
                                    int ox;
                                    if (transposed) {
                                        oy = iy * s.strideH() - s.padTop() + i * s.dilationH();
                                        ox = ix * s.strideW() - s.padLeft() + j * s.dilationW();
                                    } else {
                                        int ty = iy + s.padTop() - i * s.dilationH();
                                        int tx = ix + s.padLeft() - j * s.dilationW();
                                        if (ty % s.strideH() != 0 || tx % s.strideW() != 0) {
                                            continue;
                                        }
                                        oy = Math.floorDiv(ty, s.strideH());
                                        ox = Math.floorDiv(tx, s.strideW());
                                    }
                                    if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) {
                                        continue;
                                    }
                                    double gv = gy.get(img, co, oy, ox);
                                    gx[((img * cin + ci) * h + iy) * wd + ix] += gv * w.get(unflat(wi, w.shape()));
                                    gw[wi] += gv * x.get(img, ci, iy, ix);
                                }
                            }
                        }
                    }
                }
            }
        }
        return new NDArray[] {of(gx, x.shape()), of(gw, w.shape())};
    }

    private static int[] unflat(int i, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = i % shape[d];
            i /= shape[d];
        }
        return idx;
    }

    private static NDArray of(double[] v, int[] shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) v[i];
        }
        return NDArray.of(f, shape);
    }

    private static void randomGeometries(boolean transposed) {
        Random r = new Random(transposed ? 13 : 17);
        Generator gen = new Generator(9);
        int[] budgets = {1, 40, 1 << 20};
        for (int t = 0; t < 45; t++) {
            ConvGeometry geo = ConvGeometry.random(r, transposed);
            Conv2dSpec s = geo.spec();
            NDArray x = NDArray.randn(gen, geo.x());
            NDArray w = NDArray.randn(gen, geo.w());
            NDArray y = transposed ? Functional.convTranspose2d(x, w, null, s) : Functional.conv2d(x, w, null, s);
            NDArray gy = NDArray.randn(gen, y.shape());
            ConvKernels.colBudget = budgets[t % 3];
            NDArray gw = transposed ? Functional.convTranspose2dWeightGrad(x, gy, w.shape(), s)
                    : Functional.conv2dWeightGrad(x, gy, w.shape(), s);
            NDArray gx = transposed ? Functional.convTranspose2dInputGrad(gy, w, x.shape(), s)
                    : Functional.conv2dInputGrad(gy, w, x.shape(), s);
            NDArray[] want = reference(x, w, gy, s, transposed);
            String what = (transposed ? "conv_transpose2d " : "conv2d ") + s + " x" + Arrays.toString(geo.x())
                    + " w" + Arrays.toString(geo.w()) + " budget " + ConvKernels.colBudget;
            Compare.assertClose(gx, want[0], 1e-4, what + " input grad");
            Compare.assertClose(gw, want[1], 1e-4, what + " weight grad");
        }
    }

    @Test
    void conv2dGradientsMatchDefinition() {
        randomGeometries(false);
    }

    @Test
    void convTranspose2dGradientsMatchDefinition() {
        randomGeometries(true);
    }

    /**
     * Stride-1, one-group weight gradients ({@link ShiftedConv}) at sizes its blocking cares about: channels
     * past one MR panel and Cout past one NR panel (and not multiples of either), planes of several K segments,
     * dilation, asymmetric padding, "same" width (row ends masked), and transposed convolutions with output
     * padding below the dilation.
     */
    @Test
    void shiftedWeightGradMatchesDefinition() {
        Random r = new Random(29);
        Generator gen = new Generator(31);
        for (int t = 0; t < 12; t++) {
            boolean transposed = t % 3 == 2;
            int cin = 1 + r.nextInt(t < 4 ? 8 : 20);
            int cout = 1 + r.nextInt(t % 4 == 1 ? 80 : 24);
            int kh = 1 + r.nextInt(3) + (t == 0 ? 1 : 0);
            int kw = 2 + r.nextInt(2);
            int dh = 1 + r.nextInt(2);
            int dw = 1 + r.nextInt(2);
            int h = kh * dh + r.nextInt(t % 4 == 3 ? 40 : 10);
            int w = kw * dw + r.nextInt(t % 4 == 3 ? 40 : 12);
            int oph = transposed ? r.nextInt(dh) : 0;
            int opw = transposed ? r.nextInt(dw) : 0;
            int pl = r.nextInt(3);
            int pr = r.nextInt(3);
            if (t % 2 == 0) {
                // "Same" width (OW = W): row ends masked in packed B instead of padded columns.
                pl = r.nextInt(dw * (kw - 1) + 1);
                pr = dw * (kw - 1) - pl;
            }
            Conv2dSpec s = new Conv2dSpec(1, 1, r.nextInt(3), r.nextInt(3), pl, pr, dh, dw, 1, oph, opw);
            int n = 1 + r.nextInt(3);
            NDArray x = NDArray.randn(gen, n, cin, h, w);
            NDArray w4 = NDArray.randn(gen, transposed ? new int[] {cin, cout, kh, kw}
                    : new int[] {cout, cin, kh, kw});
            NDArray y = transposed ? Functional.convTranspose2d(x, w4, null, s) : Functional.conv2d(x, w4, null, s);
            NDArray gy = NDArray.randn(gen, y.shape());
            NDArray gw = transposed ? Functional.convTranspose2dWeightGrad(x, gy, w4.shape(), s)
                    : Functional.conv2dWeightGrad(x, gy, w4.shape(), s);
            String what = (transposed ? "conv_transpose2d " : "conv2d ") + s + " x" + Arrays.toString(x.shape())
                    + " w" + Arrays.toString(w4.shape());
            Compare.assertClose(gw, reference(x, w4, gy, s, transposed)[1], 1e-4, what + " weight grad");
        }
    }

    /**
     * 1×1 kernels, which take {@link ShiftedConv} for their gradients (and their forward on small planes): channel
     * counts of 1 to past one NR panel, planes of a few vectors to several forward chunks, with and without
     * padding. The gradients are checked against the definition, the forward through the adjoint identity
     * ⟨conv(x), gy⟩ = ⟨x, input grad(gy)⟩, with the input gradient checked itself.
     */
    @Test
    void oneByOneConvolutionsMatchDefinition() {
        Generator gen = new Generator(37);
        int[][] cases = {{3, 4, 4, 8, 8, 0}, {2, 8, 8, 8, 8, 0}, {2, 1, 20, 9, 7, 0}, {2, 20, 1, 16, 16, 0},
            {1, 7, 70, 5, 11, 1}, {2, 12, 5, 32, 32, 0}, {3, 6, 9, 16, 16, 1}};
        for (int[] c : cases) {
            Conv2dSpec s = Conv2dSpec.of(1, c[5]);
            NDArray x = NDArray.randn(gen, c[0], c[1], c[3], c[4]);
            NDArray w = NDArray.randn(gen, c[2], c[1], 1, 1);
            NDArray y = Functional.conv2d(x, w, null, s);
            NDArray gy = NDArray.randn(gen, y.shape());
            NDArray gx = Functional.conv2dInputGrad(gy, w, x.shape(), s);
            NDArray gw = Functional.conv2dWeightGrad(x, gy, w.shape(), s);
            NDArray[] want = reference(x, w, gy, s, false);
            String what = "1x1 conv2d " + s + " x" + Arrays.toString(x.shape()) + " w" + Arrays.toString(w.shape());
            Compare.assertClose(gx, want[0], 1e-4, what + " input grad");
            Compare.assertClose(gw, want[1], 1e-4, what + " weight grad");
            double lhs = dot(y.toFloatArray(), gy.toFloatArray());
            double rhs = dot(x.toFloatArray(), gx.toFloatArray());
            // Both sums are ~sqrt(numel·Cin) in size; a wrong forward moves them by that much, rounding by 1e-6 of it.
            assertEquals(rhs, lhs, 1e-3 * Math.sqrt((double) y.numel() * c[1]), what + " forward");
        }
    }

    /**
     * Convolutions with one output channel or few channel pairs, which take {@link ThinConv} (dot products over the
     * padded planes) for the forward (one output channel, "same" width), the input gradient (one input channel)
     * and the weight gradient: "same" width with row ends masked, padded columns, dilation, several images per part;
     * the weight gradient the same on one thread and two.
     */
    @Test
    void thinChannelConvolutionsMatchDefinition() {
        Generator gen = new Generator(41);
        // n, cin, cout, h, w, pad, dilation
        int[][] cases = {{5, 32, 1, 8, 8, 1, 1}, {3, 1, 32, 16, 16, 1, 1}, {6, 5, 2, 4, 4, 1, 1},
            {2, 3, 1, 8, 10, 0, 1}, {3, 1, 7, 12, 8, 2, 2}, {2, 40, 1, 16, 8, 1, 1}, {3, 6, 1, 8, 12, 1, 1},
            {2, 1, 9, 8, 12, 1, 1}};
        for (int[] c : cases) {
            Conv2dSpec s = new Conv2dSpec(1, 1, c[5], c[5], c[5], c[5], c[6], c[6], 1, 0, 0);
            NDArray x = NDArray.randn(gen, c[0], c[1], c[3], c[4]);
            NDArray w = NDArray.randn(gen, c[2], c[1], 3, 3);
            NDArray b = NDArray.randn(gen, c[2]);
            NDArray y = Functional.conv2d(x, w, b, s);
            NDArray gy = NDArray.randn(gen, y.shape());
            NDArray gx = Functional.conv2dInputGrad(gy, w, x.shape(), s);
            Parallel.setThreads(1);
            float[] gwOne = Functional.conv2dWeightGrad(x, gy, w.shape(), s).toFloatArray();
            Parallel.setThreads(2);
            NDArray gw = Functional.conv2dWeightGrad(x, gy, w.shape(), s);
            NDArray[] want = reference(x, w, gy, s, false);
            String what = "conv2d " + s + " x" + Arrays.toString(x.shape()) + " w" + Arrays.toString(w.shape());
            Compare.assertClose(gx, want[0], 1e-4, what + " input grad");
            Compare.assertClose(gw, want[1], 1e-4, what + " weight grad");
            assertArrayEquals(gwOne, gw.toFloatArray(), what + " weight grad, 1 vs 2 threads");
            float[] ya = y.toFloatArray();
            float[] ba = b.toFloatArray();
            float[] ga = gy.toFloatArray();
            int plane = y.size(2) * y.size(3);
            double lhs = 0;
            for (int i = 0; i < ya.length; i++) {
                lhs += (double) (ya[i] - ba[i / plane % c[2]]) * ga[i];
            }
            double rhs = dot(x.toFloatArray(), gx.toFloatArray());
            assertEquals(rhs, lhs, 1e-3 * Math.sqrt((double) y.numel() * c[1] * 9), what + " forward");
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Test
    void weightGradDoesNotDependOnThreadCount() {
        Generator gen = new Generator(21);
        // Stride 2, groups 1: GEMM-parallel; groups 4: parallel over groups. Budgets: chunks inside and across
        // images. Stride 1, groups 1: the shifted-window kernel, its segments summed in parts.
        for (int stride : new int[] {2, 1}) {
            for (int groups : stride == 1 ? new int[] {1} : new int[] {1, 4}) {
                for (int budget : new int[] {300, 1 << 20}) {
                    Conv2dSpec s = Conv2dSpec.of(stride, 1).withGroups(groups);
                    NDArray x = NDArray.randn(gen, 5, 8, 23, 19);
                    NDArray w = NDArray.randn(gen, 12, 8 / groups, 3, 3);
                    NDArray gy = NDArray.randn(gen, Functional.conv2d(x, w, null, s).shape());
                    int[] wT = {12, 8 / groups, 3, 3};
                    ConvKernels.colBudget = budget;
                    Parallel.setThreads(1);
                    float[] one = Functional.conv2dWeightGrad(x, gy, w.shape(), s).toFloatArray();
                    float[] oneT = Functional.convTranspose2dWeightGrad(gy, x, wT, s).toFloatArray();
                    Parallel.setThreads(2);
                    float[] two = Functional.conv2dWeightGrad(x, gy, w.shape(), s).toFloatArray();
                    float[] twoT = Functional.convTranspose2dWeightGrad(gy, x, wT, s).toFloatArray();
                    String what = "stride " + stride + ", groups " + groups + ", budget " + budget;
                    assertArrayEquals(one, two, "conv2d weight grad, " + what);
                    assertArrayEquals(oneT, twoT, "conv_transpose2d weight grad, " + what);
                }
            }
        }
    }
}
