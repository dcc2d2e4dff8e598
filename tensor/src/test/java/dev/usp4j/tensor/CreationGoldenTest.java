package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The deterministic creation functions against PyTorch (fixtures from gen_creation.py): arange lengths and values
 * (fractional and negative steps), linspace, eye, full/zeros/ones in every dtype; dtypes must match too.
 */
class CreationGoldenTest {

    @TestFactory
    Stream<DynamicTest> creation() {
        return GoldenTests.of("creation", 1e-5, c -> {
            NDArray out = run(c);
            assertEquals(c.out("out").dtype(), out.dtype(), c.name() + ": dtype");
            return Map.of("out", out);
        });
    }

    private static NDArray run(GoldenCase c) {
        return switch (c.op()) {
            case "arange_int" -> NDArray.arange(c.longArg("start"), c.longArg("end"), c.longArg("step"));
            case "arange_float" -> NDArray.arange(c.doubleArg("start"), c.doubleArg("end"), c.doubleArg("step"));
            case "linspace" -> NDArray.linspace(c.doubleArg("start"), c.doubleArg("end"), c.intArg("steps"));
            case "eye" -> NDArray.eye(c.intArg("n"), c.intArg("m"));
            case "eye_square" -> NDArray.eye(c.intArg("n"));
            case "zeros" -> NDArray.zeros(dtype(c), c.intsArg("shape"));
            case "ones" -> NDArray.ones(dtype(c), c.intsArg("shape"));
            case "full" -> NDArray.full(dtype(c), c.doubleArg("value"), c.intsArg("shape"));
            case "zeros_f32" -> NDArray.zeros(c.intsArg("shape"));
            case "ones_f32" -> NDArray.ones(c.intsArg("shape"));
            case "full_f32" -> NDArray.full(c.doubleArg("value"), c.intsArg("shape"));
            case "scalar" -> NDArray.scalar(c.doubleArg("value"));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }

    private static DType dtype(GoldenCase c) {
        return DType.valueOf(c.stringArg("dtype"));
    }
}
