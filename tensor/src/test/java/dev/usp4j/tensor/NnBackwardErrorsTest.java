package dev.usp4j.tensor;

import static dev.usp4j.tensor.ErrorMessages.assertFails;

import org.junit.jupiter.api.Test;

/** Bad shapes given to the gradient entry points of {@link Functional}: messages name the op and the shapes. */
class NnBackwardErrorsTest {

    @Test
    void convolutionGradients() {
        NDArray x = NDArray.zeros(2, 3, 8, 8);
        Conv2dSpec s = Conv2dSpec.of(1, 1);
        assertFails(() -> Functional.conv2dWeightGrad(x, NDArray.zeros(2, 4, 7, 8), new int[] {4, 3, 3, 3}, s),
                "conv2d_weight_grad", "[2, 4, 7, 8]", "[2, 4, 8, 8]", "[2, 3, 8, 8]");
        assertFails(() -> Functional.conv2dWeightGrad(x, NDArray.zeros(2, 4, 8, 8), new int[] {4, 2, 3, 3}, s),
                "conv2d_weight_grad", "[4, 2, 3, 3]", "groups=1", "[2, 3, 8, 8]");
        assertFails(() -> Functional.conv2dWeightGrad(x, NDArray.zeros(2, 4, 8, 8), new int[] {4, 3, 3}, s),
                "conv2d_weight_grad", "4-D", "[4, 3, 3]");
        assertFails(() -> Functional.conv2dInputGrad(NDArray.zeros(2, 4, 9, 8), NDArray.zeros(4, 3, 3, 3),
                new int[] {2, 3, 8, 8}, s), "conv2d_backward", "[2, 4, 9, 8]", "[2, 4, 8, 8]");
        assertFails(() -> Functional.conv2dInputGrad(NDArray.zeros(4, 8, 8), NDArray.zeros(4, 3, 3, 3),
                new int[] {3, 8}, s), "conv2d_backward", "[3, 8]");
        Conv2dSpec t = Conv2dSpec.of(2, 1).withOutputPadding(1, 1);
        assertFails(() -> Functional.convTranspose2dInputGrad(NDArray.zeros(1, 2, 9, 9), NDArray.zeros(3, 2, 3, 3),
                new int[] {1, 3, 5, 5}, t), "conv_transpose2d_backward", "[1, 2, 9, 9]", "[1, 2, 10, 10]");
        assertFails(() -> Functional.convTranspose2dWeightGrad(NDArray.zeros(1, 3, 5, 5), NDArray.zeros(1, 2, 10, 10),
                new int[] {4, 2, 3, 3}, t), "conv_transpose2d_weight_grad", "[4, 2, 3, 3]", "[1, 3, 5, 5]");
    }

    @Test
    void normGradients() {
        NDArray x = NDArray.zeros(4, 6);
        NormResult r = Functional.layerNormWithStats(x, new int[] {6}, null, null, 1e-5);
        assertFails(() -> Functional.layerNormBackward(x, x, new int[] {5}, r.mean(), r.rstd(), null, true, true,
                true), "layer_norm_backward", "[5]", "[4, 6]");
        assertFails(() -> Functional.layerNormBackward(NDArray.zeros(4, 5), x, new int[] {6}, r.mean(), r.rstd(),
                null, true, false, false), "layer_norm_backward", "[4, 5]", "[4, 6]");
        assertFails(() -> Functional.layerNormBackward(x, x, new int[] {6}, NDArray.zeros(3), r.rstd(), null,
                true, false, false), "layer_norm_backward", "mean [3]", "4 statistics");
        assertFails(() -> Functional.layerNormBackward(x, x, new int[] {6}, r.mean(), r.rstd(), NDArray.zeros(4),
                false, true, false), "layer_norm_backward", "weight", "[4]");
        NDArray y = NDArray.zeros(2, 6, 3);
        NormResult g = Functional.groupNormWithStats(y, 3, null, null, 1e-5);
        assertFails(() -> Functional.groupNormBackward(y, y, 4, g.mean(), g.rstd(), null, true, true, true),
                "group_norm_backward", "4 groups", "[2, 6, 3]");
        assertFails(() -> Functional.groupNormBackward(y, y, 2, g.mean(), g.rstd(), null, true, true, true),
                "group_norm_backward", "4 statistics", "[2, 3]");
        assertFails(() -> Functional.groupNormBackward(y, y, 3, g.mean(), g.rstd(), NDArray.zeros(3), true, true,
                true), "group_norm_backward", "weight", "[6]", "[3]");
    }

    @Test
    void resampleGradients() {
        assertFails(() -> Functional.interpolateBackward(NDArray.zeros(1, 2, 6, 6), new int[] {1, 3, 3, 3},
                InterpolationMode.BILINEAR, false), "interpolate_backward", "[1, 2, 6, 6]", "[1, 3, 6, 6]");
        assertFails(() -> Functional.interpolateBackward(NDArray.zeros(1, 2, 6, 6), new int[] {1, 2, 3, 3}, 2.5,
                2.0, InterpolationMode.NEAREST, false), "interpolate_backward", "[1, 2, 7, 6]");
        assertFails(() -> Functional.interpolateBackward(NDArray.zeros(1, 2, 6, 6), new int[] {1, 2, 3, 3}, 0.0,
                2.0, InterpolationMode.NEAREST, false), "interpolate_backward", "positive");
        assertFails(() -> Functional.avgPool2dBackward(NDArray.zeros(1, 2, 4, 4), new int[] {1, 2, 7, 8},
                Pool2dSpec.of(2)), "avg_pool2d_backward", "[1, 2, 4, 4]", "[1, 2, 3, 4]", "[1, 2, 7, 8]");
        assertFails(() -> Functional.padBackward(NDArray.zeros(3, 9), new int[] {3, 5}, new int[] {2, 1},
                PadMode.CONSTANT), "pad_backward", "[3, 9]", "[3, 8]");
        assertFails(() -> Functional.padBackward(NDArray.zeros(3, 11), new int[] {3, 5}, new int[] {5, 1},
                PadMode.REFLECT), "pad_backward", "REFLECT", "[5, 1]", "[3, 5]");
        assertFails(() -> Functional.padBackward(NDArray.zeros(3, 11), new int[] {3, 5}, new int[] {5, 1, 0},
                PadMode.REPLICATE), "pad_backward", "even");
    }
}
