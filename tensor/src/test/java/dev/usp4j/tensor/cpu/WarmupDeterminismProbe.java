package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Run in a fresh JVM by {@link WarmupDeterminismTest}: computes each op a few hundred times, from the first
 * (interpreted) call until C2 has compiled its kernels, and prints the ops whose result ever changed. Java's
 * Vector API takes other code paths once a loop is intrinsified (SVML transcendentals, tree-ordered lane
 * reductions), so a kernel relying on them gives a different last bit after warm-up.
 */
public final class WarmupDeterminismProbe {
    private static final int REPS = 400;

    private WarmupDeterminismProbe() {
    }

    private static void check(String name, Supplier<NDArray> f) {
        float[] first = f.get().toFloatArray();
        for (int rep = 1; rep < REPS; rep++) {
            if (!Arrays.equals(first, f.get().toFloatArray())) {
                System.out.println("CHANGED " + name + " at call " + rep);
                return;
            }
        }
        System.out.println("STABLE " + name);
    }

    public static void main(String[] args) {
        Generator g = new Generator(1);
        NDArray x = NDArray.randn(g, 4, 5, 16);
        NDArray w = NDArray.randn(g, 16);
        NDArray b = NDArray.randn(g, 16);
        NDArray wl = NDArray.randn(g, 48, 16);
        NDArray big = NDArray.randn(g, 96, 130);
        NDArray bigW = NDArray.randn(g, 130, 70);
        NDArray q = NDArray.randn(g, 2, 2, 9, 8);
        NDArray k = NDArray.randn(g, 2, 2, 9, 8);
        NDArray v = NDArray.randn(g, 2, 2, 9, 8);
        NDArray img = NDArray.randn(g, 2, 3, 9, 9);
        NDArray kern = NDArray.randn(g, 4, 3, 3, 3);
        check("matmul_dot_path", () -> x.matmul(wl.t()));
        check("matmul_small_path", () -> x.matmul(wl.t().contiguous()));
        check("matmul_packed", () -> big.matmul(bigW));
        check("exp_gelu_silu_tanh", () -> x.exp().add(x.gelu()).add(x.silu()).add(x.tanh()).add(x.erf()));
        check("log_sigmoid", () -> x.abs().add(0.1).log().add(x.sigmoid()));
        check("softmax", () -> x.softmax(-1).add(x.logSoftmax(1)));
        check("reductions", () -> x.sum(new int[] {0, 2}, false).add(x.logsumexp(new int[] {1}, false).sum())
                .add(x.var(new int[] {2}, 1, false).mean()));
        check("layer_norm", () -> Functional.layerNorm(x, new int[] {16}, w, b, 1e-5));
        check("group_norm", () -> Functional.groupNorm(img, 3, null, null, 1e-6));
        check("conv2d", () -> Functional.conv2d(img, kern, null, dev.usp4j.tensor.Conv2dSpec.of(1, 1)));
        check("attention", () -> Functional.scaledDotProductAttention(q, k, v, 0.35));
        check("randn", () -> NDArray.randn(new Generator(3), 1000));
        // Wide enough that the thin kernels' loops reach C2 within the probe's calls.
        NDArray rows = NDArray.randn(g, 16, 640);
        NDArray weight = NDArray.randn(g, 37, 640);
        NDArray bias = NDArray.randn(g, 37);
        check("linear_thin", () -> Functional.linear(rows, weight, bias));
        NDArray half = weight.to(dev.usp4j.tensor.DType.BF16);
        check("linear_bf16", () -> Functional.linear(rows, half, bias)
                .add(Functional.linear(NDArray.randn(new Generator(4), 20, 640), half, null).sum()));
        NDArray target = NDArray.of(new long[] {3, 0, 36, 5, 9, 1, 2, 8, 7, 4, 11, 30, 6, 12, 13, 14}, 16);
        check("cross_entropy", () -> {
            NDArray[] r = Functional.softmaxCrossEntropy(rows.narrow(1, 0, 37), target, -100, 0.1);
            return r[0].add(Functional.softmaxCrossEntropyBackward(r[0], rows.narrow(1, 0, 37), target, r[1], -100,
                    0.1).sum(new int[] {1}, false));
        });
    }
}
