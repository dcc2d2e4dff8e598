package dev.usp4j.autograd;

import dev.usp4j.autograd.golden.GradCase;
import dev.usp4j.autograd.golden.GradGoldenTests;
import dev.usp4j.tensor.NDArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Outputs and gradients of elementwise ops and views against PyTorch autograd (gen_grad_pointwise.py). */
class PointwiseGradGoldenTest {

    @TestFactory
    Stream<DynamicTest> pointwise() {
        return GradGoldenTests.of("grad_pointwise", 1e-4, PointwiseGradGoldenTest::run);
    }

    private static Tensor arange(int n) {
        return Tensor.of(NDArray.arange(0.0, n, 1.0));
    }

    static Object run(GradCase c) {
        String op = c.op();
        if (op.startsWith("view_")) {
            Tensor x = c.t("x");
            return switch (op.substring(5)) {
                case "reshape" -> x.reshape(6, 20).mul(arange(20));
                case "view" -> x.view(-1, 5).exp();
                case "permute" -> x.permute(2, 0, 3, 1).sin();
                case "transpose" -> x.transpose(1, 3).tanh();
                case "narrow" -> x.narrow(2, 1, 2).square();
                case "slice" -> x.slice(2, 1, 4, 2).square();
                case "select" -> x.select(1, 2).exp();
                case "expand" -> x.narrow(1, 0, 1).expand(2, 6, 4, 5).mul(arange(5));
                case "squeeze" -> x.narrow(1, 0, 1).squeeze(1).exp();
                case "unsqueeze" -> x.unsqueeze(2).sin();
                case "flatten" -> x.flatten(1, 2).cos();
                case "unflatten" -> x.unflatten(3, 5, 1).cos();
                case "mT" -> x.mT().tanh();
                case "contiguous" -> x.transpose(0, 2).contiguous().exp();
                case "chain" -> x.permute(3, 1, 0, 2).slice(0, 1, 4, 1).reshape(3, 3, -1).select(1, 0).exp();
                default -> throw new IllegalArgumentException(op);
            };
        }
        return switch (op) {
            case "add" -> c.t("a").add(c.t("b"));
            case "sub" -> c.t("a").sub(c.t("b"));
            case "mul" -> c.t("a").mul(c.t("b"));
            case "div" -> c.t("a").div(c.t("b"));
            case "pow" -> c.t("a").pow(c.t("b"));
            case "maximum" -> c.t("a").maximum(c.t("b"));
            case "minimum" -> c.t("a").minimum(c.t("b"));
            case "add_scalar" -> c.t("x").add(c.doubleArg("v"));
            case "sub_scalar" -> c.t("x").sub(c.doubleArg("v"));
            case "mul_scalar" -> c.t("x").mul(c.doubleArg("v"));
            case "div_scalar" -> c.t("x").div(c.doubleArg("v"));
            case "where" -> Tensor.where(c.raw("cond"), c.t("a"), c.t("b"));
            case "masked_fill" -> c.t("x").maskedFill(c.raw("mask"), c.doubleArg("value"));
            case "clamp" -> c.t("x").clamp(c.doubleArg("min"), c.doubleArg("max"));
            case "pow_scalar" -> c.t("x").pow(c.doubleArg("p"));
            default -> unary(op, c.t("x"));
        };
    }

    static Tensor unary(String op, Tensor x) {
        return switch (op) {
            case "neg" -> x.neg();
            case "abs" -> x.abs();
            case "exp" -> x.exp();
            case "log" -> x.log();
            case "sqrt" -> x.sqrt();
            case "rsqrt" -> x.rsqrt();
            case "sin" -> x.sin();
            case "cos" -> x.cos();
            case "tanh" -> x.tanh();
            case "erf" -> x.erf();
            case "sigmoid" -> x.sigmoid();
            case "silu" -> x.silu();
            case "gelu" -> x.gelu();
            case "gelu_tanh" -> x.gelu(true);
            case "relu" -> x.relu();
            case "square" -> x.square();
            case "reciprocal" -> x.reciprocal();
            case "log1p" -> x.log1p();
            case "expm1" -> x.expm1();
            case "floor" -> x.floor();
            case "round" -> x.round();
            case "sign" -> x.sign();
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }
}
