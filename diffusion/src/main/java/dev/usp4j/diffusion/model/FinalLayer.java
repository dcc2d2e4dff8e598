package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.LayerNorm;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.Sequential;
import dev.usp4j.nn.SiLU;
import java.util.List;

/**
 * DiT's {@code final_layer}: (shift, scale) = chunk₂({@code adaLN_modulation} = SiLU → Linear(D, 2D) of c), then
 * {@code linear}(modulate({@code norm_final}(x))) with norm_final a LayerNorm without affine (eps 1e-6, also in
 * USP's variant) and linear D → p²·C_out, giving each token's patch values (p, q, channel), channel fastest.
 */
public final class FinalLayer extends Module {
    public final LayerNorm normFinal;
    public final Linear linear;
    public final Sequential adaLNModulation;

    public FinalLayer(int hiddenSize, int patchSize, int outChannels) {
        this.normFinal = registerModule("norm_final", new LayerNorm(hiddenSize, DiTBlock.EPS, false));
        this.linear = registerModule("linear", new Linear(hiddenSize, patchSize * patchSize * outChannels));
        this.adaLNModulation = registerModule("adaLN_modulation",
                new Sequential(new SiLU(), new Linear(hiddenSize, 2 * hiddenSize)));
    }

    /** {@code adaLN_modulation.1}. */
    public Linear modulationLinear() {
        return (Linear) adaLNModulation.get(1);
    }

    /** x [N, T, D], c [N, D] → [N, T, p²·C_out]. */
    public Tensor forward(Tensor x, Tensor c) {
        List<Tensor> m = adaLNModulation.forward(c).chunk(2, 1);
        return linear.forward(AdaLnModulation.normModulate(normFinal, x, m.get(0), m.get(1)));
    }
}
