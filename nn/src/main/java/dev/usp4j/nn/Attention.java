package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Multi-head self-attention as timm 0.9.12's {@code Attention} (the ViT/MAE and DiT blocks' attention), with its
 * module names: {@code qkv} Linear(dim, 3·dim, qkv_bias), identity {@code q_norm}/{@code k_norm}, {@code attn_drop},
 * {@code proj} Linear(dim, dim) and {@code proj_drop}. For x [B, N, dim] the qkv output is reshaped to
 * (B, N, 3, heads, head_dim) and permuted to (3, B, heads, N, head_dim); q, k and v are views of it that go
 * straight into the fused attention op with scale head_dim^−½, and the heads' outputs are put back side by side,
 * [B, N, dim], before {@code proj} ({@link NnFunctional#packedAttention} does all of that in one node).
 * Attention-probability dropout (attn_drop &gt; 0 in training) needs the probabilities, so that case alone runs
 * the unfused composition.
 */
public final class Attention extends UnaryModule {
    public final Linear qkv;
    public final Identity qNorm;
    public final Identity kNorm;
    public final Dropout attnDrop;
    public final Linear proj;
    public final Dropout projDrop;
    private final int dim;
    private final int heads;
    private final int headDim;
    private final double scale;

    /** timm's defaults: no qkv bias, no dropout. */
    public Attention(int dim, int numHeads) {
        this(dim, numHeads, false);
    }

    public Attention(int dim, int numHeads, boolean qkvBias) {
        this(dim, numHeads, qkvBias, 0, 0);
    }

    public Attention(int dim, int numHeads, boolean qkvBias, double attnDrop, double projDrop) {
        if (numHeads <= 0 || dim <= 0 || dim % numHeads != 0) {
            throw new IllegalArgumentException("Attention: dim (" + dim + ") should be divisible by num_heads ("
                    + numHeads + "), both positive");
        }
        this.dim = dim;
        this.heads = numHeads;
        this.headDim = dim / numHeads;
        this.scale = 1 / Math.sqrt(headDim);
        this.qkv = registerModule("qkv", new Linear(dim, 3 * dim, qkvBias));
        this.qNorm = registerModule("q_norm", new Identity());
        this.kNorm = registerModule("k_norm", new Identity());
        this.attnDrop = registerModule("attn_drop", new Dropout(attnDrop));
        this.proj = registerModule("proj", new Linear(dim, dim));
        this.projDrop = registerModule("proj_drop", new Dropout(projDrop));
    }

    public int numHeads() {
        return heads;
    }

    public int headDim() {
        return headDim;
    }

    public double scale() {
        return scale;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 3 || x.size(2) != dim) {
            throw new IllegalArgumentException("Attention(dim=" + dim + ", heads=" + heads + "): expects [B, N, "
                    + dim + "], got " + Arrays.toString(x.shape()));
        }
        int b = x.size(0);
        int n = x.size(1);
        Tensor qkvOut = qkv.forward(x);
        if (!isTraining() || attnDrop.p() == 0) {
            // q_norm and k_norm are identities: the fused op reads the projection as it is.
            return projDrop.forward(proj.forward(NnFunctional.packedAttention(qkvOut, heads, scale)));
        }
        List<Tensor> parts = qkvOut.reshape(b, n, 3, heads, headDim).permute(2, 0, 3, 1, 4).unbind(0);
        Tensor q = qNorm.forward(parts.get(0));
        Tensor k = kNorm.forward(parts.get(1));
        Tensor v = parts.get(2);
        Tensor attn = q.mul(scale).matmul(k.transpose(-2, -1)).softmax(-1);
        Tensor o = attnDrop.forward(attn).matmul(v);
        return projDrop.forward(proj.forward(o.transpose(1, 2).reshape(b, n, dim)));
    }
}
