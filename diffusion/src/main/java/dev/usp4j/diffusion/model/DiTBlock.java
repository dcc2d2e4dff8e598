package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Attention;
import dev.usp4j.nn.GELU;
import dev.usp4j.nn.LayerNorm;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.Mlp;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.Sequential;
import dev.usp4j.nn.SiLU;
import java.util.Arrays;
import java.util.List;

/**
 * The adaLN-Zero transformer block of DiT/SiT (usp-spec §3.1) with the original module names: {@code norm1}
 * LayerNorm(eps 1e-6; no affine in DiT, affine in USP's "-VAE-simple" blocks), {@code attn} (timm Attention, qkv
 * bias), {@code norm2}, {@code mlp} (timm Mlp with the tanh GELU) and {@code adaLN_modulation} = SiLU →
 * Linear(D, 6D). The conditioning c [N, D] gives, in this order, shift_msa, scale_msa, gate_msa, shift_mlp,
 * scale_mlp, gate_mlp, and x ← x + gate_msa·attn(modulate(norm1(x))), x ← x + gate_mlp·mlp(modulate(norm2(x))).
 */
public final class DiTBlock extends Module {
    /** LayerNorm eps in every DiT block. */
    public static final double EPS = 1e-6;

    public final LayerNorm norm1;
    public final Attention attn;
    public final LayerNorm norm2;
    public final Mlp mlp;
    public final Sequential adaLNModulation;
    private final int hidden;

    public DiTBlock(int hiddenSize, int numHeads, double mlpRatio, boolean affineNorm) {
        this.hidden = hiddenSize;
        this.norm1 = registerModule("norm1", new LayerNorm(hiddenSize, EPS, affineNorm));
        this.attn = registerModule("attn", new Attention(hiddenSize, numHeads, true));
        this.norm2 = registerModule("norm2", new LayerNorm(hiddenSize, EPS, affineNorm));
        int mlpHidden = (int) (hiddenSize * mlpRatio);
        this.mlp = registerModule("mlp", new Mlp(hiddenSize, mlpHidden, hiddenSize, () -> new GELU(true), 0));
        this.adaLNModulation = registerModule("adaLN_modulation",
                new Sequential(new SiLU(), new Linear(hiddenSize, 6 * hiddenSize)));
    }

    /** {@code adaLN_modulation.1}, the Linear(D, 6D) that DiT zero-initialises. */
    public Linear modulationLinear() {
        return (Linear) adaLNModulation.get(1);
    }

    /** x [N, T, D], c [N, D] → [N, T, D]. */
    public Tensor forward(Tensor x, Tensor c) {
        if (x.rank() != 3 || x.size(2) != hidden || c.rank() != 2 || c.size(0) != x.size(0) || c.size(1) != hidden) {
            throw new IllegalArgumentException("DiTBlock(hidden " + hidden + "): expects x [N, T, " + hidden
                    + "] and c [N, " + hidden + "], got " + Arrays.toString(x.shape()) + " and "
                    + Arrays.toString(c.shape()));
        }
        List<Tensor> m = adaLNModulation.forward(c).chunk(6, 1);
        Tensor h = AdaLnModulation.normModulate(norm1, x, m.get(0), m.get(1));
        x = AdaLnModulation.gatedResidual(x, attn.forward(h), m.get(2));
        h = AdaLnModulation.normModulate(norm2, x, m.get(3), m.get(4));
        return AdaLnModulation.gatedResidual(x, mlp.forward(h), m.get(5));
    }
}
