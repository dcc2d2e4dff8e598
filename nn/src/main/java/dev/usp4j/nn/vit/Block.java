package dev.usp4j.nn.vit;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Attention;
import dev.usp4j.nn.Identity;
import dev.usp4j.nn.LayerNorm;
import dev.usp4j.nn.Mlp;
import dev.usp4j.nn.UnaryModule;

/**
 * The pre-norm transformer block of timm 0.9.12 ({@code Block}) as the MAE encoder/decoder and the ViT classifier
 * use it (usp-spec §1.6): x ← x + drop_path1(ls1(attn(norm1(x)))), then x ← x + drop_path2(ls2(mlp(norm2(x)))), with
 * LayerNorm eps 1e-6 (MAE's {@code partial(nn.LayerNorm, eps=1e-6)}), timm {@link Attention} with a qkv bias, and an
 * {@link Mlp} of width mlp_ratio·dim with the exact (erf) GELU. Layer scale is off in every USP model, so
 * {@code ls1}/{@code ls2} are identities; {@code drop_path1}/{@code drop_path2} are identities unless a drop-path
 * rate is given (fine-tuning). State-dict keys: norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2 (weight/bias).
 */
public final class Block extends UnaryModule {
    /** timm's ViT LayerNorm eps as MAE and USP configure it. */
    public static final double LN_EPS = 1e-6;

    public final LayerNorm norm1;
    public final Attention attn;
    public final UnaryModule ls1;
    public final UnaryModule dropPath1;
    public final LayerNorm norm2;
    public final Mlp mlp;
    public final UnaryModule ls2;
    public final UnaryModule dropPath2;

    /** A block without drop path: qkv bias on, as MAE and the USP ViTs build it. */
    public Block(int dim, int numHeads, double mlpRatio) {
        this(dim, numHeads, mlpRatio, true, 0);
    }

    public Block(int dim, int numHeads, double mlpRatio, boolean qkvBias, double dropPath) {
        if (!(mlpRatio > 0)) {
            throw new IllegalArgumentException("Block: mlp_ratio must be positive, got " + mlpRatio);
        }
        this.norm1 = registerModule("norm1", new LayerNorm(dim, LN_EPS));
        this.attn = registerModule("attn", new Attention(dim, numHeads, qkvBias));
        this.ls1 = registerModule("ls1", new Identity());
        this.dropPath1 = registerModule("drop_path1", dropPath > 0 ? new DropPath(dropPath) : new Identity());
        this.norm2 = registerModule("norm2", new LayerNorm(dim, LN_EPS));
        // timm: hidden_features = int(dim * mlp_ratio), truncating.
        this.mlp = registerModule("mlp", new Mlp(dim, (int) (dim * mlpRatio)));
        this.ls2 = registerModule("ls2", new Identity());
        this.dropPath2 = registerModule("drop_path2", dropPath > 0 ? new DropPath(dropPath) : new Identity());
    }

    @Override
    public Tensor forward(Tensor x) {
        x = x.add(dropPath1.forward(ls1.forward(attn.forward(norm1.forward(x)))));
        return x.add(dropPath2.forward(ls2.forward(mlp.forward(norm2.forward(x)))));
    }
}
