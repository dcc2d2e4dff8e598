package dev.usp4j.tensor;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Elementwise ops against PyTorch (fixtures from gen_elementwise.py): awkward sizes, views, broadcasts, casts. */
class ElementwiseGoldenTest {

    @TestFactory
    Stream<DynamicTest> elementwise() {
        return GoldenTests.of("elementwise", 1e-5, c -> Map.of("out", run(c)));
    }

    private static NDArray run(GoldenCase c) {
        return switch (c.op()) {
            case "add" -> c.in("a").add(c.in("b"));
            case "sub" -> c.in("a").sub(c.in("b"));
            case "mul" -> c.in("a").mul(c.in("b"));
            case "div" -> c.in("a").div(c.in("b"));
            case "pow" -> c.in("a").pow(c.in("b"));
            case "maximum" -> c.in("a").maximum(c.in("b"));
            case "minimum" -> c.in("a").minimum(c.in("b"));
            case "remainder" -> c.in("a").remainder(c.in("b"));
            case "floor_divide" -> c.in("a").floorDivide(c.in("b"));
            case "add_scalar" -> c.in("x").add(c.doubleArg("v"));
            case "sub_scalar" -> c.in("x").sub(c.doubleArg("v"));
            case "mul_scalar" -> c.in("x").mul(c.doubleArg("v"));
            case "div_scalar" -> c.in("x").div(c.doubleArg("v"));
            case "eq" -> c.in("a").eq(c.in("b"));
            case "ne" -> c.in("a").ne(c.in("b"));
            case "lt" -> c.in("a").lt(c.in("b"));
            case "le" -> c.in("a").le(c.in("b"));
            case "gt" -> c.in("a").gt(c.in("b"));
            case "ge" -> c.in("a").ge(c.in("b"));
            case "where" -> NDArray.where(c.in("cond"), c.in("a"), c.in("b"));
            case "masked_fill" -> c.in("x").maskedFill(c.in("mask"), c.doubleArg("value"));
            case "logical_and" -> c.in("a").logicalAnd(c.in("b"));
            case "logical_or" -> c.in("a").logicalOr(c.in("b"));
            case "logical_xor" -> c.in("a").logicalXor(c.in("b"));
            case "logical_not" -> c.in("x").logicalNot();
            case "clamp" -> c.in("x").clamp(c.doubleArg("min"), c.doubleArg("max"));
            case "pow_scalar" -> c.in("x").pow(c.doubleArg("p"));
            case "to" -> c.in("x").to(DType.valueOf(c.stringArg("dtype")));
            default -> unary(c.op(), c.in("x"));
        };
    }

    private static NDArray unary(String op, NDArray x) {
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
            case "floor" -> x.floor();
            case "ceil" -> x.ceil();
            case "round" -> x.round();
            case "sign" -> x.sign();
            case "log1p" -> x.log1p();
            case "expm1" -> x.expm1();
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }
}
