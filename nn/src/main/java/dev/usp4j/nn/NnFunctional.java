package dev.usp4j.nn;

import dev.usp4j.autograd.Backward;
import dev.usp4j.autograd.Graph;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.AttentionResult;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;

/**
 * Differentiable functions that layers and models share beyond {@link dev.usp4j.autograd.Functional}: fused
 * scaled-dot-product attention (one autograd op whose backward recomputes the probabilities from the saved
 * log-sum-exp instead of storing them) and dropout.
 */
public final class NnFunctional {
    private NnFunctional() {
    }

    /** softmax(q·kᵀ/√D)·v: {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, double)} with PyTorch's scale. */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v) {
        if (q.rank() == 0) {
            throw new IllegalArgumentException("scaled_dot_product_attention: query must have at least 2 dims, got a"
                    + " scalar");
        }
        return scaledDotProductAttention(q, k, v, 1 / Math.sqrt(q.size(-1)));
    }

    /**
     * F.scaled_dot_product_attention without mask or dropout, as one graph node: q [..., Nq, D], k [..., Nk, D],
     * v [..., Nk, Dv] with the same leading dims (typically [B, heads, N, head_dim]) give softmax(q·kᵀ·scale)·v of
     * shape [..., Nq, Dv], computed by the fused kernel block by block. The node keeps q, k, v, the output and each
     * row's log-sum-exp, never the [Nq, Nk] probabilities; gradients flow to every input that needs one.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, double scale) {
        NDArray qa = q.data();
        NDArray ka = k.data();
        NDArray va = v.data();
        AttentionResult r = Functional.attentionWithStats(qa, ka, va, scale);
        NDArray out = r.out();
        NDArray lse = r.logsumexp();
        DType[] types = {q.dtype(), k.dtype(), v.dtype()};
        Backward rule = c -> {
            NDArray[] g = Functional.attentionBackward(c.g(), qa, ka, va, out, lse, scale, c.needs(0), c.needs(1),
                    c.needs(2));
            for (int i = 0; i < 3; i++) {
                g[i] = g[i] == null ? null : g[i].to(types[i]);
            }
            return g;
        };
        return Graph.record("scaled_dot_product_attention", out, new Tensor[] {q, k, v}, rule, qa, ka, va, out, lse);
    }

    /**
     * Multi-head self-attention from timm's fused projection as one graph node: qkv [B, N, 3·heads·head_dim]
     * gives every head's softmax(q·kᵀ·scale)·v side by side, [B, N, heads·head_dim] — the same values as
     * reshaping, permuting and unbinding qkv, {@link #scaledDotProductAttention} and transposing back, without the
     * copies: the fused kernel reads q, k and v in place and writes its output and the qkv gradient in their final
     * layouts. The node keeps qkv, the output and the log-sum-exp.
     */
    public static Tensor packedAttention(Tensor qkv, int heads, double scale) {
        NDArray x = qkv.data();
        AttentionResult r = Functional.packedAttentionWithStats(x, heads, scale);
        NDArray out = r.out();
        NDArray lse = r.logsumexp();
        DType type = qkv.dtype();
        Backward rule = c -> new NDArray[] {
            Functional.packedAttentionBackward(c.g(), x, out, lse, heads, scale).to(type)};
        return Graph.record("packed_attention", out, new Tensor[] {qkv}, rule, x, out, lse);
    }

    static void checkDropout(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        }
    }

    /** F.dropout with the default generator. */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        return dropout(x, p, training, Generator.defaultGenerator());
    }

    /**
     * F.dropout: in training, x·m/(1 − p) with m ~ Bernoulli(1 − p) per element drawn from {@code gen} (all zeros
     * for p = 1); the identity when not training or p = 0. The gradient is the same mask times the upstream one.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        checkDropout(p);
        if (!training || p == 0) {
            return x;
        }
        DType t = x.dtype().isFloating() ? x.dtype() : DType.F32;
        NDArray scaled = p == 1 ? NDArray.zeros(t, x.shape())
                : NDArray.bernoulli(gen, 1 - p, x.device(), x.shape()).to(t).mulInPlace(1 / (1 - p));
        return x.mul(Tensor.of(scaled));
    }
}
