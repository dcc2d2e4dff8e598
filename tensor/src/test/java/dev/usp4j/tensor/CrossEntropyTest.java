package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/**
 * The fused softmax-cross-entropy (the CPU kernel and the {@link Backend} defaults a backend without it runs)
 * against the formula evaluated in double: per-row losses with and without label smoothing, ignored rows, class
 * counts below, at and well above the vector length (with tails), logits large enough that an unshifted exp would
 * overflow, and the gradient g·(softmax − (1 − ε)·onehot − ε/C). The nn golden tests check the same op through
 * {@code Losses.crossEntropy} against PyTorch, and the autograd grad-checks by finite differences.
 */
class CrossEntropyTest {
    private static final long IGNORE = -100;
    // lse is a float near 60 here, so exp(x − lse) carries its rounding (60·2⁻²⁴ ≈ 4e-6) into the gradient.
    private static final double RTOL = 1e-5;

    private record Case(int rows, int classes, double smoothing, boolean withIgnored) {
    }

    private static final Case[] CASES = {
        new Case(7, 10, 0, false),
        new Case(9, 10, 0.1, true),
        new Case(5, 37, 0.25, true),
        new Case(3, 1000, 0, true),
        new Case(4, 1000, 0.1, false),
        new Case(6, 1, 0.3, false),
    };

    /** A backend that runs the interface's defaults for the cross-entropy methods and the CPU backend otherwise. */
    private static Backend defaultsOnly() {
        return BackendDefaults.cpuWithDefaultsFor("softmaxCrossEntropy");
    }

    private record Inputs(NDArray logits, NDArray target, NDArray gradLoss) {
        static Inputs of(Case c, Generator gen) {
            // Logits around ±60: exp without the max shift would overflow float for the larger ones.
            NDArray logits = NDArray.randn(gen, c.rows(), c.classes()).mul(20.0).add(40.0);
            long[] t = NDArray.randint(gen, 0, c.classes(), c.rows()).toLongArray();
            if (c.withIgnored()) {
                t[1] = IGNORE;
            }
            return new Inputs(logits, NDArray.of(t, c.rows()), NDArray.randn(gen, c.rows()));
        }
    }

    /** {loss [R], lse [R], grad [R, C]} from the formulas, in double. */
    private static NDArray[] reference(Inputs in, double eps) {
        int rows = in.logits().size(0);
        int c = in.logits().size(1);
        float[] x = in.logits().toFloatArray();
        long[] t = in.target().toLongArray();
        float[] g = in.gradLoss().toFloatArray();
        float[] loss = new float[rows];
        float[] lse = new float[rows];
        float[] grad = new float[rows * c];
        for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY;
            double mean = 0;
            for (int j = 0; j < c; j++) {
                m = Math.max(m, x[r * c + j]);
                mean += x[r * c + j] / (double) c;
            }
            double s = 0;
            for (int j = 0; j < c; j++) {
                s += Math.exp(x[r * c + j] - m);
            }
            double z = m + Math.log(s);
            lse[r] = (float) z;
            if (t[r] == IGNORE) {
                continue;
            }
            loss[r] = (float) ((1 - eps) * (z - x[r * c + (int) t[r]]) + eps * (z - mean));
            for (int j = 0; j < c; j++) {
                double onehot = j == t[r] ? 1 : 0;
                grad[r * c + j] = (float) (g[r] * (Math.exp(x[r * c + j] - z) - (1 - eps) * onehot - eps / c));
            }
        }
        return new NDArray[] {NDArray.of(loss, rows), NDArray.of(lse, rows), NDArray.of(grad, rows, c)};
    }

    private static NDArray[] run(Inputs in, double eps, Backend backend) {
        if (backend == null) {
            NDArray[] r = Functional.softmaxCrossEntropy(in.logits(), in.target(), IGNORE, eps);
            NDArray grad = Functional.softmaxCrossEntropyBackward(in.gradLoss(), in.logits(), in.target(), r[1],
                    IGNORE, eps);
            return new NDArray[] {r[0], r[1], grad};
        }
        int rows = in.logits().size(0);
        NDArray loss = NDArray.zeros(rows);
        NDArray lse = NDArray.zeros(rows);
        backend.softmaxCrossEntropy(in.logits(), in.target(), IGNORE, (float) eps, loss, lse);
        NDArray grad = NDArray.zeros(in.logits().shape());
        backend.softmaxCrossEntropyBackward(in.logits(), in.target(), lse, in.gradLoss(), IGNORE, (float) eps, grad);
        return new NDArray[] {loss, lse, grad};
    }

    private static void agrees(Backend backend, String how) {
        Generator gen = new Generator(41);
        String[] names = {"loss", "lse", "logits grad"};
        for (Case c : CASES) {
            Inputs in = Inputs.of(c, gen);
            NDArray[] want = reference(in, c.smoothing());
            NDArray[] got = run(in, c.smoothing(), backend);
            for (int i = 0; i < 3; i++) {
                Compare.assertClose(got[i], want[i], RTOL, how + " " + c + ": " + names[i]);
            }
            if (c.withIgnored()) {
                assertEquals(0f, got[0].toFloatArray()[1], how + " " + c + ": an ignored row's loss");
            }
        }
    }

    @Test
    void fusedKernelMatchesTheFormula() {
        agrees(null, "fused");
    }

    @Test
    void backendDefaultsMatchTheFormula() {
        agrees(defaultsOnly(), "defaults");
    }

    @Test
    void integerTargetsOfEitherWidthAndEmptyBatches() {
        Generator gen = new Generator(43);
        NDArray logits = NDArray.randn(gen, 4, 6);
        NDArray t64 = NDArray.of(new long[] {0, 5, 2, 3}, 4);
        NDArray t32 = NDArray.of(new int[] {0, 5, 2, 3}, 4);
        Compare.assertClose(Functional.softmaxCrossEntropy(logits, t32, IGNORE, 0)[0],
                Functional.softmaxCrossEntropy(logits, t64, IGNORE, 0)[0], 0, "I32 targets");
        NDArray[] empty = Functional.softmaxCrossEntropy(NDArray.zeros(0, 6), NDArray.of(new long[0], 0), IGNORE, 0);
        assertEquals(0, empty[0].numel());
    }

    @Test
    void badInputsAreNamed() {
        NDArray logits = NDArray.zeros(3, 4);
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> Functional.softmaxCrossEntropy(logits, NDArray.of(new long[] {0, 4, 1}, 3), IGNORE, 0));
        assertTrue(range.getMessage().contains("[0, 4)") && range.getMessage().contains("[0, 4]"),
                range.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> Functional.softmaxCrossEntropy(logits, NDArray.of(new long[] {0, 1}, 2), IGNORE, 0));
        assertTrue(shape.getMessage().contains("[3, 4]") && shape.getMessage().contains("[2]"), shape.getMessage());
        IllegalArgumentException floats = assertThrows(IllegalArgumentException.class,
                () -> Functional.softmaxCrossEntropy(logits, NDArray.zeros(3), IGNORE, 0));
        assertTrue(floats.getMessage().contains("integer"), floats.getMessage());
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> Functional.softmaxCrossEntropy(NDArray.zeros(2, 3, 4), NDArray.of(new long[] {0, 1}, 2),
                        IGNORE, 0));
        assertTrue(rank.getMessage().contains("[R, C]"), rank.getMessage());
        IllegalArgumentException eps = assertThrows(IllegalArgumentException.class,
                () -> Functional.softmaxCrossEntropy(logits, NDArray.of(new long[] {0, 1, 2}, 3), IGNORE, 1.5));
        assertTrue(eps.getMessage().contains("1.5"), eps.getMessage());
    }
}
