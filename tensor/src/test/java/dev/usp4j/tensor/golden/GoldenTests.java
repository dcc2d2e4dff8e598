package dev.usp4j.tensor.golden;

import dev.usp4j.tensor.NDArray;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Turns a fixture into one JUnit dynamic test per case (tinygrad's helper_test_op, data-driven): the runner maps a
 * case to its computed outputs by name, and each is compared with PyTorch's at the case's tolerance or the
 * group's default.
 */
public final class GoldenTests {
    private GoldenTests() {
    }

    public static Stream<DynamicTest> of(String group, double defaultTol,
                                         Function<GoldenCase, Map<String, NDArray>> runner) {
        return GoldenFile.load(group).stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Map<String, NDArray> got = runner.apply(c);
            double tol = c.tol() != null ? c.tol() : defaultTol;
            for (Map.Entry<String, NDArray> e : c.expected().entrySet()) {
                NDArray actual = got.get(e.getKey());
                if (actual == null) {
                    throw new AssertionError(c.name() + ": runner produced no output '" + e.getKey() + "'");
                }
                Compare.assertClose(actual, e.getValue(), tol, c.name() + "/" + e.getKey());
            }
        }));
    }
}
