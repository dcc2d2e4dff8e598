package dev.usp4j.tensor;

import static dev.usp4j.tensor.ErrorMessages.assertFails;

import org.junit.jupiter.api.Test;

/** Bad shapes and geometry for conv, pooling, interpolation and padding: messages name the op and the shapes. */
class ConvResampleErrorsTest {

    @Test
    void conv2d() {
        NDArray x = NDArray.zeros(2, 3, 8, 8);
        assertFails(() -> Functional.conv2d(x, NDArray.zeros(4, 2, 3, 3), null, Conv2dSpec.defaults()),
                "conv2d", "[2, 3, 8, 8]", "[4, 2, 3, 3]", "groups=1");
        assertFails(() -> Functional.conv2d(x, NDArray.zeros(4, 3, 3), null, Conv2dSpec.defaults()),
                "conv2d", "weight must be 4-D", "[4, 3, 3]");
        assertFails(() -> Functional.conv2d(NDArray.zeros(3, 8), NDArray.zeros(4, 3, 3, 3), null,
                        Conv2dSpec.defaults()),
                "conv2d", "[3, 8]");
        assertFails(() -> Functional.conv2d(x, NDArray.zeros(4, 3, 9, 3), null, Conv2dSpec.defaults()),
                "conv2d", "[2, 3, 8, 8]", "too small", "9x3");
        assertFails(() -> Functional.conv2d(x, NDArray.zeros(4, 3, 3, 3), NDArray.zeros(5), Conv2dSpec.defaults()),
                "conv2d", "bias", "[4]", "[5]");
        assertFails(() -> Functional.conv2d(x, NDArray.zeros(6, 1, 3, 3), null, Conv2dSpec.defaults().withGroups(2)),
                "conv2d", "groups=2");
        assertFails(() -> Functional.conv2d(NDArray.zeros(DType.I64, 1, 3, 4, 4), NDArray.zeros(2, 3, 3, 3), null,
                Conv2dSpec.defaults()), "conv2d", "I64", "[1, 3, 4, 4]");
        assertFails(() -> Conv2dSpec.of(0, 1), "conv2d", "stride");
    }

    @Test
    void convTranspose2d() {
        NDArray x = NDArray.zeros(1, 4, 5, 5);
        assertFails(() -> Functional.convTranspose2d(x, NDArray.zeros(3, 2, 3, 3), null, Conv2dSpec.defaults()),
                "conv_transpose2d", "[1, 4, 5, 5]", "[3, 2, 3, 3]");
        assertFails(() -> Functional.convTranspose2d(x, NDArray.zeros(4, 2, 3, 3), null,
                Conv2dSpec.of(2, 0).withOutputPadding(2, 0)), "conv_transpose2d", "output padding");
        assertFails(() -> Functional.convTranspose2d(x, NDArray.zeros(4, 2, 3, 3), null, Conv2dSpec.of(1, 4)),
                "conv_transpose2d", "not positive", "[1, 4, 5, 5]");
    }

    @Test
    void interpolate() {
        assertFails(() -> Functional.interpolate(NDArray.zeros(5, 5), 10, 10, InterpolationMode.BILINEAR, false),
                "interpolate", "[5, 5]");
        assertFails(() -> Functional.interpolate(NDArray.zeros(1, 1, 5, 5), 0, 10, InterpolationMode.BILINEAR, false),
                "interpolate", "0x10", "[1, 1, 5, 5]");
        assertFails(() -> Functional.interpolate(NDArray.zeros(1, 1, 5, 5), 10, 10, InterpolationMode.NEAREST, true),
                "interpolate", "align_corners");
        assertFails(() -> Functional.interpolate(NDArray.zeros(1, 1, 5, 5), -2.0, 2.0, InterpolationMode.NEAREST,
                        false),
                "interpolate", "-2.0");
        assertFails(() -> Functional.interpolate(NDArray.zeros(1, 1, 0, 5), 3, 3, InterpolationMode.BICUBIC, false),
                "interpolate", "[1, 1, 0, 5]");
    }

    @Test
    void avgPool2d() {
        assertFails(() -> new Pool2dSpec(3, 3, 1, 1, 2, 0, false, true, 0), "avg_pool2d", "half");
        assertFails(() -> Functional.avgPool2d(NDArray.zeros(1, 2, 2, 2), Pool2dSpec.of(3)),
                "avg_pool2d", "[1, 2, 2, 2]", "too small");
        assertFails(() -> Functional.avgPool2d(NDArray.zeros(2, 2), Pool2dSpec.of(2)), "avg_pool2d", "[2, 2]");
    }

    @Test
    void pad() {
        NDArray x = NDArray.zeros(2, 3, 4);
        assertFails(() -> Functional.pad(x, new int[] {1, 2, 3}, PadMode.CONSTANT, 0), "pad", "[1, 2, 3]", "[2, 3, 4]");
        assertFails(() -> Functional.pad(x, new int[] {1, 1, 1, 1, 1, 1, 1, 1}, PadMode.CONSTANT, 0), "pad",
                "[2, 3, 4]");
        assertFails(() -> Functional.pad(x, new int[] {4, 0}, PadMode.REFLECT, 0), "pad", "REFLECT", "[2, 3, 4]");
        assertFails(() -> Functional.pad(x, new int[] {5, 0}, PadMode.CIRCULAR, 0), "pad", "CIRCULAR", "[2, 3, 4]");
        assertFails(() -> Functional.pad(x, new int[] {-1, 0}, PadMode.REPLICATE, 0), "pad", "negative");
        assertFails(() -> Functional.pad(x, new int[] {-3, -2}, PadMode.CONSTANT, 0), "pad", "negative extent",
                "[2, 3, 4]");
    }
}
