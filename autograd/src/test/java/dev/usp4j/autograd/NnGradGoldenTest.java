package dev.usp4j.autograd;

import dev.usp4j.autograd.golden.GradCase;
import dev.usp4j.autograd.golden.GradGoldenTests;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Outputs and gradients of the nn functional ops against PyTorch autograd (gen_grad_nn.py): convolutions with
 * every geometry (strides, asymmetric padding, dilation, groups, depthwise, 1×1, output padding, unbatched, views),
 * layer and group norms (float64 references), interpolate in every mode, avg_pool2d flags and every pad mode.
 */
class NnGradGoldenTest {

    @TestFactory
    Stream<DynamicTest> conv() {
        return GradGoldenTests.of("grad_conv", 1e-4, NnGradGoldenTest::run);
    }

    @TestFactory
    Stream<DynamicTest> nn() {
        return GradGoldenTests.of("grad_nn", 1e-4, NnGradGoldenTest::run);
    }

    static Conv2dSpec spec(GradCase c) {
        int[] s = c.intsArg("stride");
        int[] p = c.intsArg("pad");
        int[] d = c.intsArg("dilation");
        int[] op = c.has("output_padding") ? c.intsArg("output_padding") : new int[2];
        return new Conv2dSpec(s[0], s[1], p[0], p[1], p[2], p[3], d[0], d[1], c.intArg("groups"), op[0], op[1]);
    }

    private static Tensor optional(GradCase c, String name) {
        return c.golden().inputs().containsKey(name) ? c.t(name) : null;
    }

    static Object run(GradCase c) {
        return switch (c.op()) {
            case "conv2d" -> Functional.conv2d(c.t("x"), c.t("w"), optional(c, "b"), spec(c));
            case "conv_transpose2d" -> Functional.convTranspose2d(c.t("x"), c.t("w"), optional(c, "b"), spec(c));
            case "layer_norm" -> Functional.layerNorm(c.t("x"), c.intsArg("normalized_shape"),
                    optional(c, "weight"), optional(c, "bias"), c.doubleArg("eps"));
            case "group_norm" -> Functional.groupNorm(c.t("x"), c.intArg("groups"), optional(c, "weight"),
                    optional(c, "bias"), c.doubleArg("eps"));
            case "interpolate" -> interpolate(c);
            case "avg_pool2d" -> {
                int[] k = c.intsArg("kernel");
                int[] s = c.intsArg("stride");
                int[] p = c.intsArg("padding");
                yield Functional.avgPool2d(c.t("x"), new Pool2dSpec(k[0], k[1], s[0], s[1], p[0], p[1],
                        c.boolArg("ceil_mode"), c.boolArg("count_include_pad"), c.intArg("divisor_override")));
            }
            case "pad" -> Functional.pad(c.t("x"), c.intsArg("pads"), PadMode.valueOf(c.stringArg("mode")),
                    c.doubleArg("value"));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }

    private static Tensor interpolate(GradCase c) {
        InterpolationMode mode = InterpolationMode.valueOf(c.stringArg("mode"));
        boolean ac = c.boolArg("align_corners");
        if (c.has("size")) {
            int[] s = c.intsArg("size");
            return Functional.interpolate(c.t("x"), s[0], s[1], mode, ac);
        }
        List<?> sc = c.golden().listArg("scale");
        return Functional.interpolate(c.t("x"), ((Number) sc.get(0)).doubleValue(),
                ((Number) sc.get(1)).doubleValue(), mode, ac);
    }
}
