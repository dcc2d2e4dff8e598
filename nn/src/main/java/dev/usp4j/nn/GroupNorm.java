package dev.usp4j.nn;

import dev.usp4j.autograd.Functional;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;

/**
 * Group normalisation (nn.GroupNorm) of [N, C, *] inputs: the C channels split into {@code groups} groups, each
 * (sample, group) normalised over its channels and positions with the biased variance, then per-channel weight and
 * bias [C] (initialised to 1 and 0) when {@code affine}. The SD-VAE uses 32 groups with eps 1e-6.
 */
public final class GroupNorm extends UnaryModule {
    public final Tensor weight;
    public final Tensor bias;
    private final int groups;
    private final int channels;
    private final double eps;

    /** eps 1e-5 (PyTorch's default), affine. */
    public GroupNorm(int groups, int channels) {
        this(groups, channels, 1e-5, true);
    }

    public GroupNorm(int groups, int channels, double eps, boolean affine) {
        if (groups <= 0 || channels <= 0 || channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: num_channels (" + channels + ") must be divisible by"
                    + " num_groups (" + groups + "), both positive");
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.weight = affine ? registerParameter("weight", NDArray.ones(channels)) : null;
        this.bias = affine ? registerParameter("bias", NDArray.zeros(channels)) : null;
    }

    public int groups() {
        return groups;
    }

    public int channels() {
        return channels;
    }

    @Override
    public Tensor forward(Tensor x) {
        check(x);
        return Functional.groupNorm(x, groups, weight, bias, eps);
    }

    /**
     * silu(forward(x)) in one op ({@link Functional#groupNormSilu}), for blocks that follow this norm with a SiLU;
     * they call it in place of the SiLU module, whose forward then does not run.
     */
    public Tensor forwardSilu(Tensor x) {
        check(x);
        return Functional.groupNormSilu(x, groups, weight, bias, eps);
    }

    private void check(Tensor x) {
        if (x.rank() < 2 || x.size(1) != channels) {
            throw new IllegalArgumentException("GroupNorm(" + groups + ", " + channels + "): expects an input of shape"
                    + " [N, " + channels + ", *], got " + java.util.Arrays.toString(x.shape()));
        }
    }

    @Override
    protected String extraRepr() {
        return groups + ", " + channels + ", eps=" + PyRepr.of(eps) + ", affine=" + PyRepr.of(weight != null);
    }
}
