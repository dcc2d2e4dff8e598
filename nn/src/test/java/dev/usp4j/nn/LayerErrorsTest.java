package dev.usp4j.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad layer arguments and inputs fail with messages that name the layer, the values and what was expected. */
class LayerErrorsTest {

    private static void fails(Executable e, String... parts) {
        String m = assertThrows(RuntimeException.class, e).getMessage();
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + m + "' should mention '" + p + "'");
        }
    }

    private static Tensor zeros(int... shape) {
        return Tensor.of(NDArray.zeros(shape));
    }

    @Test
    void construction() {
        fails(() -> new Conv2d(6, 4, 3, 1, 1, 1, 4, true), "Conv2d", "in_channels (6)", "groups (4)");
        fails(() -> new Conv2d(3, 4, 3, 3, Conv2dSpec.defaults().withOutputPadding(1, 0), true), "Conv2d",
                "output padding");
        fails(() -> new ConvTranspose2d(4, 4, 3, 2, 1, 2, 1, true, 1), "ConvTranspose2d", "output padding");
        fails(() -> new Attention(30, 4), "Attention", "dim (30)", "num_heads (4)");
        fails(() -> new GroupNorm(32, 48), "GroupNorm", "48", "32");
        fails(() -> new PatchEmbed(30, 4, 3, 8), "PatchEmbed", "30x30", "4x4");
        fails(() -> new GELU("erf"), "GELU", "'erf'");
        fails(() -> new Dropout(-0.1), "dropout", "-0.1");
        fails(() -> new BatchNorm1d(4, 1e-5, 1.5, true, true), "BatchNorm1d", "momentum", "1.5");
        fails(() -> new LayerNorm(new int[0], 1e-5, true), "LayerNorm", "normalized_shape");
        fails(() -> SinCosEmbeddings.pos2d(18, 4, false), "pos2d", "18", "multiple of 4");
        fails(() -> SinCosEmbeddings.timestep(NDArray.zeros(2, 3), 8), "timestep", "[2, 3]");
    }

    @Test
    void inputs() {
        fails(() -> new PatchEmbed(8, 2, 4, 16).forward(zeros(1, 4, 8, 6)), "PatchEmbed", "[B, 4, 8, 8]",
                "[1, 4, 8, 6]");
        fails(() -> new Attention(16, 2).forward(zeros(2, 3, 12)), "Attention", "[B, N, 16]", "[2, 3, 12]");
        fails(() -> new BatchNorm1d(4).forward(zeros(1, 4)), "BatchNorm1d", "more than 1 value", "[1, 4]");
        fails(() -> new BatchNorm1d(4).forward(zeros(2, 4, 3, 3)), "BatchNorm1d", "[N, 4, L]", "[2, 4, 3, 3]");
        fails(() -> new GroupNorm(2, 4).forward(zeros(2, 6, 3)), "GroupNorm", "[N, 4, *]", "[2, 6, 3]");
        fails(() -> new Linear(5, 3).forward(zeros(2, 4)), "Linear", "5", "[2, 4]");
        fails(() -> new LayerNorm(8).forward(zeros(2, 7)), "layer_norm", "[8]", "[2, 7]");
        fails(() -> new Conv2d(3, 4, 3).forward(zeros(1, 2, 5, 5)), "conv2d", "[1, 2, 5, 5]");
        fails(() -> new Embedding(5, 2).forward(NDArray.zeros(3)), "Embedding", "integers", "F32");
        fails(() -> new Embedding(5, 2).forward(NDArray.of(new long[] {1, 5}, 2)), "index", "5");
        fails(() -> NnFunctional.scaledDotProductAttention(zeros(2, 3, 4), zeros(2, 3, 5), zeros(2, 3, 4)),
                "scaled_dot_product_attention", "[2, 3, 5]");
        fails(() -> NnFunctional.scaledDotProductAttention(Tensor.of(NDArray.zeros(DType.I32, 2, 3)),
                zeros(2, 3), zeros(2, 3)), "floating", "I32");
    }
}
