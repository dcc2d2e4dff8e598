package dev.usp4j.tensor;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * conv2d and conv_transpose2d against PyTorch (fixtures from gen_conv.py): strides, asymmetric padding, dilation,
 * groups, depthwise, 1×1, prime extents, unbatched and empty inputs, non-contiguous views.
 */
class ConvGoldenTest {

    @TestFactory
    Stream<DynamicTest> conv() {
        return GoldenTests.of("conv", 1e-4, c -> Map.of("out", run(c)));
    }

    static Conv2dSpec spec(GoldenCase c) {
        int[] s = c.intsArg("stride");
        int[] p = c.intsArg("pad");
        int[] d = c.intsArg("dilation");
        int[] op = c.has("output_padding") ? c.intsArg("output_padding") : new int[2];
        return new Conv2dSpec(s[0], s[1], p[0], p[1], p[2], p[3], d[0], d[1], c.intArg("groups"), op[0], op[1]);
    }

    private static NDArray run(GoldenCase c) {
        NDArray b = c.inputs().get("b");
        return switch (c.op()) {
            case "conv2d" -> Functional.conv2d(c.in("x"), c.in("w"), b, spec(c));
            case "conv_transpose2d" -> Functional.convTranspose2d(c.in("x"), c.in("w"), b, spec(c));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }
}
