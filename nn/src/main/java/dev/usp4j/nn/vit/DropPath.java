package dev.usp4j.nn.vit;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.UnaryModule;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Locale;

/**
 * Stochastic depth per sample as timm's {@code DropPath}: in training, each sample's residual branch is dropped
 * (multiplied by 0) with probability p and kept otherwise, scaled by 1/(1 − p) so its expectation is unchanged; in
 * eval mode, and for p = 0, the branch passes through. The fine-tuning recipe (usp-spec §2.2) uses a linear ramp of
 * p over the blocks up to drop_path 0.1. Masks come from the default generator.
 */
public final class DropPath extends UnaryModule {
    private final double p;

    public DropPath(double dropProb) {
        if (!(dropProb >= 0 && dropProb < 1)) {
            throw new IllegalArgumentException("DropPath: drop_prob must be in [0, 1), got " + dropProb);
        }
        this.p = dropProb;
    }

    public double dropProb() {
        return p;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (p == 0 || !isTraining()) {
            return x;
        }
        int[] shape = new int[x.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = x.size(0);
        double keep = 1 - p;
        NDArray m = NDArray.bernoulli(Generator.defaultGenerator(), keep, x.device(), shape).to(x.dtype()).div(keep);
        return x.mul(Tensor.of(m));
    }

    @Override
    protected String extraRepr() {
        return "drop_prob=" + String.format(Locale.ROOT, "%.3f", p);
    }
}
