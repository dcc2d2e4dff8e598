package dev.usp4j.tensor;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Softmax, log-softmax, LayerNorm and GroupNorm against PyTorch (fixtures from gen_norm.py), including the mean
 * and rstd the norms save for backward. Softmax cases use 1e-5, norm cases carry their own 1e-4.
 */
class NormGoldenTest {

    @TestFactory
    Stream<DynamicTest> norm() {
        return GoldenTests.of("norm", 1e-5, NormGoldenTest::run);
    }

    private static Map<String, NDArray> run(GoldenCase c) {
        NDArray x = c.in("x");
        NDArray w = c.inputs().get("weight");
        NDArray b = c.inputs().get("bias");
        return switch (c.op()) {
            case "softmax" -> Map.of("out", x.softmax(c.intArg("dim")));
            case "log_softmax" -> Map.of("out", x.logSoftmax(c.intArg("dim")));
            case "layer_norm" -> stats(Functional.layerNormWithStats(x, c.intsArg("normalized_shape"), w, b,
                    c.doubleArg("eps")));
            case "group_norm" -> stats(Functional.groupNormWithStats(x, c.intArg("groups"), w, b,
                    c.doubleArg("eps")));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }

    private static Map<String, NDArray> stats(NormResult r) {
        return Map.of("out", r.out(), "mean", r.mean(), "rstd", r.rstd());
    }
}
