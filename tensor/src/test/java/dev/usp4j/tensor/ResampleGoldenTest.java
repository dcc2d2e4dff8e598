package dev.usp4j.tensor;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * interpolate, avg_pool2d and pad against PyTorch (fixtures from gen_resample.py): every mode and flag, sizes and
 * non-integer scale factors, negative constant pads, integer and bool dtypes, non-contiguous inputs.
 */
class ResampleGoldenTest {

    @TestFactory
    Stream<DynamicTest> resample() {
        return GoldenTests.of("resample", 1e-5, c -> Map.of("out", run(c)));
    }

    private static NDArray run(GoldenCase c) {
        return switch (c.op()) {
            case "interpolate" -> {
                InterpolationMode mode = InterpolationMode.valueOf(c.stringArg("mode"));
                boolean ac = c.boolArg("align_corners");
                if (c.has("size")) {
                    int[] s = c.intsArg("size");
                    yield Functional.interpolate(c.in("x"), s[0], s[1], mode, ac);
                }
                var sc = c.listArg("scale");
                yield Functional.interpolate(c.in("x"), ((Number) sc.get(0)).doubleValue(),
                        ((Number) sc.get(1)).doubleValue(), mode, ac);
            }
            case "avg_pool2d" -> {
                int[] k = c.intsArg("kernel");
                int[] s = c.intsArg("stride");
                int[] p = c.intsArg("padding");
                yield Functional.avgPool2d(c.in("x"), new Pool2dSpec(k[0], k[1], s[0], s[1], p[0], p[1],
                        c.boolArg("ceil_mode"), c.boolArg("count_include_pad"), c.intArg("divisor_override")));
            }
            case "pad" -> Functional.pad(c.in("x"), c.intsArg("pads"), PadMode.valueOf(c.stringArg("mode")),
                    c.doubleArg("value"));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }
}
