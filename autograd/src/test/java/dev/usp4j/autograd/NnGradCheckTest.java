package dev.usp4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import dev.usp4j.tensor.random.Generator;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks (GradCheck) of the nn functional ops on small inputs, with non-contiguous (permuted,
 * transposed) and broadcast (expanded) operands, so every backward rule is checked independently of PyTorch.
 */
class NnGradCheckTest {
    private final Generator gen = new Generator(31);

    private NDArray randn(int... shape) {
        return NDArray.randn(gen, shape);
    }

    private static void check(String name, Function<Tensor[], Tensor> f, NDArray... in) {
        GradCheck.check(name, f, in);
    }

    @Test
    void conv2d() {
        Conv2dSpec down = new Conv2dSpec(2, 2, 0, 1, 0, 1, 1, 1, 1, 0, 0);
        check("conv2d s2 pad(0,1,0,1)", t -> Functional.conv2d(t[0], t[1], t[2], down),
                randn(2, 3, 5, 6), randn(4, 3, 3, 3), randn(4));
        check("conv2d stride 3, rows never read", t -> Functional.conv2d(t[0], t[1], null, Conv2dSpec.of(3, 0)),
                randn(1, 2, 8, 7), randn(3, 2, 2, 2));
        Conv2dSpec dil = new Conv2dSpec(1, 2, 2, 1, 1, 0, 2, 1, 2, 0, 0);
        check("conv2d groups 2, dilation, asymmetric", t -> Functional.conv2d(t[0], t[1], t[2], dil),
                randn(1, 4, 6, 5), randn(4, 2, 2, 3), randn(4));
        check("conv2d depthwise", t -> Functional.conv2d(t[0], t[1], null, Conv2dSpec.of(1, 1).withGroups(3)),
                randn(2, 3, 4, 4), randn(3, 1, 3, 3));
        check("conv2d 1x1 on NHWC view", t -> Functional.conv2d(t[0].permute(0, 3, 1, 2), t[1], t[2],
                Conv2dSpec.defaults()), randn(2, 3, 4, 5), randn(2, 5, 1, 1), randn(2));
        check("conv2d unbatched, broadcast input", t -> Functional.conv2d(t[0].expand(3, 5, 4), t[1], null,
                Conv2dSpec.of(2, 1)), randn(1, 5, 4), randn(2, 3, 3, 3));
    }

    @Test
    void convTranspose2d() {
        Conv2dSpec s = Conv2dSpec.of(2, 1).withOutputPadding(1, 1).withGroups(2);
        check("conv_transpose2d s2 p1 op1 groups 2", t -> Functional.convTranspose2d(t[0], t[1], t[2], s),
                randn(1, 4, 3, 3), randn(4, 2, 3, 3), randn(4));
        Conv2dSpec dil = Conv2dSpec.defaults().withDilation(2, 2).withOutputPadding(1, 0);
        check("conv_transpose2d output padding >= stride", t -> Functional.convTranspose2d(t[0], t[1], null, dil),
                randn(1, 2, 3, 4), randn(2, 3, 2, 2));
        Conv2dSpec asym = new Conv2dSpec(2, 3, 1, 0, 0, 2, 1, 1, 1, 1, 2);
        check("conv_transpose2d asymmetric crop, unbatched",
                t -> Functional.convTranspose2d(t[0].transpose(1, 2), t[1], t[2], asym),
                randn(2, 4, 3), randn(2, 3, 3, 3), randn(3));
    }

    @Test
    void norms() {
        check("layer_norm affine", t -> Functional.layerNorm(t[0], new int[] {7}, t[1], t[2], 1e-5),
                randn(3, 7), randn(7), randn(7));
        check("layer_norm over 2 dims, transposed", t -> Functional.layerNorm(t[0].transpose(1, 2),
                new int[] {3, 4}, null, null, 1e-5), randn(2, 4, 3));
        check("layer_norm broadcast weight", t -> Functional.layerNorm(t[0], new int[] {5}, t[1].expand(5), null,
                1e-5), randn(4, 5), randn(1));
        check("group_norm affine 3-D", t -> Functional.groupNorm(t[0], 3, t[1], t[2], 1e-5),
                randn(2, 6, 3), randn(6), randn(6));
        check("group_norm 4-D plain, permuted", t -> Functional.groupNorm(t[0].permute(0, 3, 1, 2), 2, null, null,
                1e-5), randn(2, 2, 3, 4));
        check("group_norm bias only, groups = C", t -> Functional.groupNorm(t[0], 4, null, t[1], 1e-5),
                randn(2, 4, 5), randn(4));
        check("group_norm_silu affine 4-D", t -> Functional.groupNormSilu(t[0], 3, t[1], t[2], 1e-5),
                randn(2, 6, 3, 2), randn(6), randn(6));
        check("group_norm_silu plain, permuted", t -> Functional.groupNormSilu(t[0].permute(0, 3, 1, 2), 2, null,
                null, 1e-5), randn(2, 2, 3, 4));
        check("group_norm_silu bias only", t -> Functional.groupNormSilu(t[0], 4, null, t[1], 1e-5),
                randn(2, 4, 5), randn(4));
        check("layer_norm_modulate plain", t -> Functional.layerNormModulate(t[0], null, null, t[1], t[2], 1e-6),
                randn(2, 3, 5), randn(2, 5), randn(2, 5));
        check("layer_norm_modulate affine, chunked shift/scale", t -> {
            java.util.List<Tensor> m = t[3].chunk(2, 1);
            return Functional.layerNormModulate(t[0], t[1], t[2], m.get(0), m.get(1), 1e-6);
        }, randn(2, 4, 3), randn(3), randn(3), randn(2, 6));
        check("gated_add", t -> Functional.gatedAdd(t[0], t[1], t[2]), randn(2, 3, 5), randn(2, 3, 5),
                randn(2, 5));
    }

    @Test
    void softmaxCrossEntropy() {
        NDArray target = NDArray.of(new long[] {2, -100, 0, 4}, 4);
        check("softmax_cross_entropy", t -> Functional.softmaxCrossEntropy(t[0], target, -100, 0), randn(4, 5));
        check("softmax_cross_entropy smoothed, transposed logits",
                t -> Functional.softmaxCrossEntropy(t[0].t(), target, -100, 0.2), randn(5, 4));
    }

    @Test
    void interpolate() {
        for (InterpolationMode mode : InterpolationMode.values()) {
            for (boolean ac : mode == InterpolationMode.NEAREST ? new boolean[] {false} : new boolean[] {false, true}) {
                String tag = mode + (ac ? " align_corners" : "");
                check("interpolate " + tag + " to 7x5", t -> Functional.interpolate(t[0], 7, 5, mode, ac),
                        randn(1, 2, 4, 3));
                check("interpolate " + tag + " down to 2x3", t -> Functional.interpolate(t[0], 2, 3, mode, ac),
                        randn(1, 1, 5, 6));
                check("interpolate " + tag + " by 1.7x0.6, transposed", t -> Functional.interpolate(
                        t[0].transpose(2, 3), 1.7, 0.6, mode, ac), randn(2, 1, 6, 3));
            }
        }
    }

    @Test
    void avgPool2d() {
        for (boolean ceil : new boolean[] {false, true}) {
            for (boolean cip : new boolean[] {false, true}) {
                Pool2dSpec p = new Pool2dSpec(3, 2, 2, 2, 1, 1, ceil, cip, 0);
                check("avg_pool2d ceil=" + ceil + " cip=" + cip, t -> Functional.avgPool2d(t[0], p),
                        randn(1, 2, 6, 5));
            }
        }
        check("avg_pool2d divisor override, unbatched", t -> Functional.avgPool2d(t[0],
                new Pool2dSpec(2, 2, 1, 1, 1, 0, false, true, 3)), randn(2, 3, 4));
    }

    @Test
    void pad() {
        check("pad constant", t -> Functional.pad(t[0], new int[] {1, 2, 0, 1}, PadMode.CONSTANT, 0.5),
                randn(2, 3, 4));
        check("pad constant negative", t -> Functional.pad(t[0], new int[] {-1, 2, 1, -2}, PadMode.CONSTANT, 0),
                randn(2, 5, 4));
        for (PadMode m : new PadMode[] {PadMode.REFLECT, PadMode.REPLICATE, PadMode.CIRCULAR}) {
            check("pad " + m, t -> Functional.pad(t[0], new int[] {2, 3, 1, 2}, m, 0), randn(1, 2, 4, 5));
            check("pad " + m + " on a transposed view", t -> Functional.pad(t[0].transpose(1, 2),
                    new int[] {3, 1}, m, 0), randn(2, 4, 3));
        }
    }

    private static void backwardOnes(Tensor out) {
        out.backward(NDArray.ones(out.shape()).to(out.dtype()));
    }

    @Test
    void frozenWeightEmptyBatchAndHalfPrecision() {
        // A frozen weight gets no gradient (and none is computed); the input still does.
        Tensor x = Tensor.parameter(randn(1, 2, 4, 4));
        Tensor w = Tensor.of(randn(3, 2, 3, 3));
        backwardOnes(Functional.conv2d(x, w, null, Conv2dSpec.of(1, 1)));
        assertNull(w.grad());
        assertArrayEquals(new int[] {1, 2, 4, 4}, x.grad().shape());
        // An empty batch: zero weight and bias gradients of the right shapes.
        Tensor xe = Tensor.parameter(NDArray.zeros(0, 2, 4, 4));
        Tensor we = Tensor.parameter(randn(3, 2, 3, 3));
        Tensor be = Tensor.parameter(randn(3));
        backwardOnes(Functional.conv2d(xe, we, be, Conv2dSpec.of(1, 1)));
        assertArrayEquals(new float[54], we.grad().toFloatArray());
        assertArrayEquals(new float[3], be.grad().toFloatArray());
        assertArrayEquals(new int[] {0, 2, 4, 4}, xe.grad().shape());
        // BF16 inputs compute in F32 and get BF16 gradients, as PyTorch's do.
        Tensor xh = Tensor.parameter(randn(1, 4, 3, 3).to(DType.BF16));
        Tensor gw = Tensor.parameter(randn(4).to(DType.BF16));
        backwardOnes(Functional.groupNorm(xh, 2, gw, null, 1e-5));
        assertEquals(DType.BF16, xh.grad().dtype());
        assertEquals(DType.BF16, gw.grad().dtype());
        Tensor xp = Tensor.parameter(randn(2, 3).to(DType.BF16));
        backwardOnes(Functional.pad(xp, new int[] {1, 1}, PadMode.REFLECT, 0));
        assertEquals(DType.BF16, xp.grad().dtype());
    }
}
