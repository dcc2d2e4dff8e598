package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The backward kernels of interpolate, avg_pool2d and pad are adjoints of their forwards: for random geometries,
 * ⟨forward(x), g⟩ = ⟨x, backward(g)⟩ (in double, up to float rounding). Plus PyTorch's nearest-backward shortcut
 * and bit-identical results for 1 and 2 threads.
 */
class ResampleBackwardKernelsTest {
    private final int savedThreads = Parallel.threads();
    private final Generator gen = new Generator(77);

    @AfterEach
    void restore() {
        Parallel.setThreads(savedThreads);
    }

    private static double dot(NDArray a, NDArray b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * y[i];
        }
        return s;
    }

    private static double absDot(NDArray a, NDArray b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += Math.abs((double) x[i] * y[i]);
        }
        return s;
    }

    /** ⟨f(x), g⟩ against ⟨x, b(g)⟩ for a random g of f(x)'s shape. */
    private void assertAdjoint(String what, NDArray x, Function<NDArray, NDArray> f, Function<NDArray, NDArray> b) {
        NDArray y = f.apply(x);
        NDArray g = NDArray.randn(gen, y.shape());
        NDArray gx = b.apply(g);
        assertArrayEquals(x.shape(), gx.shape(), what + ": gradient shape");
        double lhs = dot(y, g);
        double rhs = dot(x, gx);
        double scale = absDot(y, g) + absDot(x, gx) + 1;
        assertTrue(Math.abs(lhs - rhs) <= 1e-5 * scale, what + ": <f(x), g> = " + lhs + " but <x, f*(g)> = " + rhs);
    }

    @Test
    void interpolateBackwardIsTheAdjoint() {
        Random r = new Random(5);
        InterpolationMode[] modes = InterpolationMode.values();
        for (int t = 0; t < 120; t++) {
            InterpolationMode mode = modes[t % 3];
            boolean ac = mode != InterpolationMode.NEAREST && r.nextBoolean();
            boolean bySize = r.nextBoolean();
            // PyTorch's nearest backward takes shortcuts its multi-channel forward does not (see below).
            int c = bySize ? 1 + r.nextInt(3) : 1;
            int[] shape = {1 + r.nextInt(2), c, 1 + r.nextInt(9), 1 + r.nextInt(20)};
            NDArray x = NDArray.randn(gen, shape);
            if (bySize) {
                int oh = 1 + r.nextInt(14);
                int ow = 1 + r.nextInt(25);
                assertAdjoint(mode + " ac=" + ac + " " + Arrays.toString(shape) + " -> " + oh + "x" + ow, x,
                        v -> Functional.interpolate(v, oh, ow, mode, ac),
                        g -> Functional.interpolateBackward(g, shape, mode, ac));
            } else {
                double sh = Math.max(0.3 + 2.7 * r.nextDouble(), 1.0 / shape[2]);
                double sw = Math.max(0.3 + 2.7 * r.nextDouble(), 1.0 / shape[3]);
                assertAdjoint(mode + " ac=" + ac + " " + Arrays.toString(shape) + " x " + sh + ", " + sw, x,
                        v -> Functional.interpolate(v, sh, sw, mode, ac),
                        g -> Functional.interpolateBackward(g, shape, sh, sw, mode, ac));
            }
        }
    }

    @Test
    void nearestBackwardTakesPyTorchsShortcutsForEveryChannelCount() {
        // Scale 1.05 on 7 rows gives 7 rows: the 3-channel forward reads rows 0,0,1,...,5; PyTorch's backward maps
        // out = in to the identity regardless, so the gradient is g itself.
        NDArray g = NDArray.randn(gen, 1, 3, 7, 4);
        NDArray gx = Functional.interpolateBackward(g, new int[] {1, 3, 7, 4}, 1.05, 1.0, InterpolationMode.NEAREST,
                false);
        assertArrayEquals(g.toFloatArray(), gx.toFloatArray());
    }

    @Test
    void avgPool2dBackwardIsTheAdjoint() {
        Random r = new Random(6);
        int done = 0;
        while (done < 80) {
            int kh = 1 + r.nextInt(4);
            int kw = 1 + r.nextInt(4);
            Pool2dSpec p = new Pool2dSpec(kh, kw, 1 + r.nextInt(3), 1 + r.nextInt(3), r.nextInt(kh / 2 + 1),
                    r.nextInt(kw / 2 + 1), r.nextBoolean(), r.nextBoolean(), r.nextInt(4) == 0 ? 1 + r.nextInt(9) : 0);
            int[] shape = {1 + r.nextInt(2), 1 + r.nextInt(3), 1 + r.nextInt(9), 1 + r.nextInt(20)};
            if (p.outH(shape[2]) <= 0 || p.outW(shape[3]) <= 0) {
                continue;
            }
            assertAdjoint(p + " " + Arrays.toString(shape), NDArray.randn(gen, shape),
                    v -> Functional.avgPool2d(v, p), g -> Functional.avgPool2dBackward(g, shape, p));
            done++;
        }
    }

    @Test
    void padBackwardIsTheAdjoint() {
        Random r = new Random(8);
        PadMode[] modes = PadMode.values();
        int done = 0;
        while (done < 100) {
            PadMode mode = modes[done % 4];
            int rank = 1 + r.nextInt(4);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = 1 + r.nextInt(6);
            }
            int dims = 1 + r.nextInt(rank);
            int[] pads = new int[2 * dims];
            boolean ok = true;
            for (int i = 0; i < dims; i++) {
                int n = shape[rank - 1 - i];
                for (int k = 0; k < 2; k++) {
                    pads[2 * i + k] = switch (mode) {
                        case CONSTANT -> r.nextInt(6) - 2;
                        case REFLECT -> r.nextInt(n);
                        case REPLICATE -> r.nextInt(5);
                        case CIRCULAR -> r.nextInt(n + 1);
                    };
                }
                ok &= n + pads[2 * i] + pads[2 * i + 1] >= 0;
            }
            if (!ok) {
                continue;
            }
            assertAdjoint(mode + " " + Arrays.toString(pads) + " of " + Arrays.toString(shape),
                    NDArray.randn(gen, shape), v -> Functional.pad(v, pads, mode, 0),
                    g -> Functional.padBackward(g, shape, pads, mode));
            done++;
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        NDArray gi = NDArray.randn(gen, 2, 32, 37, 29);
        NDArray gp = NDArray.randn(gen, 2, 32, 17, 14);
        NDArray gd = NDArray.randn(gen, 2, 32, 33, 35);
        float[][] one = new float[5][];
        float[][] two = new float[5][];
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            float[][] dst = threads == 1 ? one : two;
            dst[0] = Functional.interpolateBackward(gi, new int[] {2, 32, 17, 12}, InterpolationMode.BILINEAR, false)
                    .toFloatArray();
            dst[1] = Functional.interpolateBackward(gi, new int[] {2, 32, 17, 12}, InterpolationMode.BICUBIC, true)
                    .toFloatArray();
            dst[2] = Functional.avgPool2dBackward(gp, new int[] {2, 32, 33, 27},
                    new Pool2dSpec(3, 3, 2, 2, 1, 1, true, false, 0)).toFloatArray();
            dst[3] = Functional.padBackward(gd, new int[] {2, 32, 31, 30}, new int[] {2, 3, 1, 1},
                    PadMode.REFLECT).toFloatArray();
            dst[4] = Functional.padBackward(gd, new int[] {2, 32, 31, 30}, new int[] {2, 3, 1, 1},
                    PadMode.CONSTANT).toFloatArray();
        }
        for (int i = 0; i < one.length; i++) {
            assertArrayEquals(one[i], two[i], "case " + i);
        }
    }
}
