package dev.usp4j.nn;

import dev.usp4j.autograd.GradCheck;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks (GradCheck) of the fused attention op, independent of PyTorch: every input's gradient,
 * on contiguous, transposed and timm-style strided (views of one qkv array) inputs, Nq ≠ Nk, Dv ≠ D, one key, and
 * inputs scaled so the softmax is peaked; and of BatchNorm1d's input gradient through the batch mean and variance
 * in training (2-D and 3-D, with and without affine) and through the running statistics in eval. The timm
 * Attention module is checked end to end on its input.
 */
class LayersGradCheckTest {
    private final Generator gen = new Generator(2024);

    private NDArray randn(int... shape) {
        return NDArray.randn(gen, shape);
    }

    private static void check(String name, Function<Tensor[], Tensor> f, NDArray... in) {
        GradCheck.check(name, f, in);
    }

    @Test
    void fusedAttention() {
        check("sdpa [2, 2, 5, 4]", t -> NnFunctional.scaledDotProductAttention(t[0], t[1], t[2]),
                randn(2, 2, 5, 4), randn(2, 2, 5, 4), randn(2, 2, 5, 4));
        check("sdpa Nq 3, Nk 6, Dv 5, scale 0.7", t -> NnFunctional.scaledDotProductAttention(t[0], t[1], t[2], 0.7),
                randn(1, 2, 3, 4), randn(1, 2, 6, 4), randn(1, 2, 6, 5));
        check("sdpa one key", t -> NnFunctional.scaledDotProductAttention(t[0], t[1], t[2]),
                randn(2, 3, 4), randn(2, 1, 4), randn(2, 1, 3));
        check("sdpa peaked softmax", t -> NnFunctional.scaledDotProductAttention(t[0].mul(3), t[1].mul(3), t[2]),
                randn(1, 4, 3), randn(1, 5, 3), randn(1, 5, 2));
        check("sdpa transposed inputs", t -> NnFunctional.scaledDotProductAttention(t[0].transpose(1, 2),
                t[1].transpose(1, 2), t[2].transpose(1, 2)), randn(1, 4, 2, 3), randn(1, 6, 2, 3), randn(1, 6, 2, 3));
        // timm: qkv [B, N, 3·H·D] → (B, N, 3, H, D) → (3, B, H, N, D); q, k, v are strided views of one leaf.
        check("sdpa timm qkv views", t -> {
            List<Tensor> p = t[0].reshape(2, 5, 3, 2, 3).permute(2, 0, 3, 1, 4).unbind(0);
            return NnFunctional.scaledDotProductAttention(p.get(0), p.get(1), p.get(2));
        }, randn(2, 5, 18));
        check("packed attention, 2 heads", t -> NnFunctional.packedAttention(t[0], 2, 1 / Math.sqrt(3)),
                randn(2, 5, 18));
        check("packed attention, one token, scale 0.8", t -> NnFunctional.packedAttention(t[0], 3, 0.8),
                randn(1, 1, 18));
    }

    @Test
    void attentionModule() {
        Generator.manualSeed(5);
        Attention attn = new Attention(8, 2, true);
        check("Attention(8, 2) input", t -> attn.forward(t[0]), randn(2, 4, 8));
    }

    @Test
    void batchNorm1d() {
        BatchNorm1d bn = new BatchNorm1d(3);
        Init.normal(bn.weight, 1, 0.5, gen);
        Init.normal(bn.bias, 0, 0.5, gen);
        check("BatchNorm1d train [N, C]", t -> bn.forward(t[0]), randn(5, 3));
        check("BatchNorm1d train [N, C, L]", t -> bn.forward(t[0]), randn(2, 3, 4));
        BatchNorm1d plain = new BatchNorm1d(4, 1e-6, 0.1, false, false);
        check("BatchNorm1d no affine, no tracking", t -> plain.forward(t[0]), randn(3, 4, 2));
        check("BatchNorm1d on a transposed input", t -> plain.forward(t[0].transpose(0, 1)), randn(4, 6));
        bn.eval();
        check("BatchNorm1d eval", t -> bn.forward(t[0]), randn(2, 3, 4));
    }
}
