package dev.usp4j.tensor;

import static dev.usp4j.tensor.ErrorMessages.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import dev.usp4j.tensor.random.Generator;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The fused activation derivatives of {@link Functional} (tanh, sigmoid, silu, gelu exact and tanh-form backward)
 * against PyTorch's aten ops (fixtures from gen_activation_grad.py), against a double-precision definition on a
 * dense sweep, and for agreement of the vector body with its scalar tail.
 */
class ActivationGradGoldenTest {
    private static final String[] OPS = {"tanh_backward", "sigmoid_backward", "silu_backward", "gelu_backward",
        "gelu_tanh_backward"};

    @TestFactory
    Stream<DynamicTest> activationGrad() {
        return GoldenTests.of("activation_grad", 1e-5, c -> Map.of("out", run(c)));
    }

    private static NDArray run(GoldenCase c) {
        return op(c.op()).apply(c.in("g"), c.in("x"));
    }

    private static BinaryOperator<NDArray> op(String name) {
        return switch (name) {
            case "tanh_backward" -> Functional::tanhBackward;
            case "sigmoid_backward" -> Functional::sigmoidBackward;
            case "silu_backward" -> Functional::siluBackward;
            case "gelu_backward" -> (g, x) -> Functional.geluBackward(g, x, false);
            case "gelu_tanh_backward" -> (g, x) -> Functional.geluBackward(g, x, true);
            default -> throw new IllegalArgumentException("unknown op " + name);
        };
    }

    /** d/dx of each activation in double, as a function of the second operand (forward output or input). */
    private static DoubleUnaryOperator reference(String name) {
        double c = Math.sqrt(2 / Math.PI);
        return switch (name) {
            case "tanh_backward" -> y -> 1 - y * y;
            case "sigmoid_backward" -> y -> y * (1 - y);
            case "silu_backward" -> x -> {
                double s = 1 / (1 + Math.exp(-x));
                return s * (1 + x * (1 - s));
            };
            case "gelu_backward" -> x -> 0.5 * (1 + erf(x / Math.sqrt(2))) + x * Math.exp(-x * x / 2)
                    / Math.sqrt(2 * Math.PI);
            default -> x -> {
                double t = Math.tanh(c * (x + 0.044715 * x * x * x));
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
            };
        };
    }

    /** erf to ~1e-15 by its Taylor series (|x| ≤ 3) or continued fraction of erfc beyond. */
    private static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a <= 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int k = 60; k >= 1; k--) {
                f = k / 2.0 / (a + f);
            }
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
        }
        return x < 0 ? -r : r;
    }

    /** 40,001 points over [-20, 20] (and forward outputs for tanh/sigmoid) against the double definition. */
    @Test
    void denseSweepMatchesDoubleDefinition() {
        int n = 40_001;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = -20f + 40f * i / (n - 1);
        }
        NDArray x = NDArray.of(xs, n);
        for (String name : OPS) {
            NDArray v = switch (name) {
                case "tanh_backward" -> x.tanh();
                case "sigmoid_backward" -> x.sigmoid();
                default -> x;
            };
            float[] vs = v.toFloatArray();
            float[] got = op(name).apply(NDArray.ones(n), v).toFloatArray();
            DoubleUnaryOperator ref = reference(name);
            double worst = 0;
            for (int i = 0; i < n; i++) {
                double e = ref.applyAsDouble(vs[i]);
                worst = Math.max(worst, Math.abs(got[i] - e) / Math.max(Math.abs(e), 1));
            }
            assertTrue(worst <= 1e-6, name + ": worst error " + worst + " against the double definition");
        }
    }

    /** An element gives the same bits in the vector body, in a scalar tail and in a strided (scalar) row. */
    @Test
    void vectorBodyAndScalarTailAgree() {
        int rows = 37;
        int cols = 53;
        NDArray base = NDArray.randn(new Generator(11), cols, rows).mul(4);
        NDArray g = NDArray.randn(new Generator(12), cols, rows);
        NDArray strided = base.transpose(0, 1);
        NDArray contiguous = strided.contiguous();
        NDArray gStrided = g.transpose(0, 1);
        NDArray gContiguous = gStrided.contiguous();
        for (String name : OPS) {
            NDArray fromStrided = op(name).apply(gStrided, strided);
            NDArray fromContiguous = op(name).apply(gContiguous, contiguous);
            assertArrayEquals(fromContiguous.toFloatArray(), fromStrided.contiguous().toFloatArray(), name);
        }
    }

    @Test
    void halfPrecisionOperandsComputeInF32() {
        NDArray g = NDArray.of(new float[] {1f, -2f, 0.5f}, 3);
        NDArray x = NDArray.of(new float[] {0.25f, -1.5f, 3f}, 3);
        for (String name : OPS) {
            NDArray got = op(name).apply(g.to(DType.BF16), x.to(DType.BF16));
            assertEquals(DType.F32, got.dtype(), name);
            assertArrayEquals(op(name).apply(g.to(DType.BF16).to(DType.F32), x.to(DType.BF16).to(DType.F32))
                    .toFloatArray(), got.toFloatArray(), name);
        }
    }

    @Test
    void badInputsNameTheOp() {
        NDArray ints = NDArray.zeros(3).to(DType.I64);
        NDArray bools = NDArray.zeros(3).to(DType.BOOL);
        for (String name : OPS) {
            assertFails(() -> op(name).apply(ints, ints), name, "floating", "I64", "[3]");
            assertFails(() -> op(name).apply(bools, ints.to(DType.I32)), name, "floating", "BOOL", "I32");
            assertFails(() -> op(name).apply(NDArray.zeros(3), NDArray.zeros(4)), name, "[3]", "[4]");
        }
    }
}
