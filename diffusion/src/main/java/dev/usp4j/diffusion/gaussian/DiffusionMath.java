package dev.usp4j.diffusion.gaussian;

import dev.usp4j.autograd.Tensor;

/**
 * The differentiable pieces of the variational bound, on float32 autograd tensors in the operation order of DiT's
 * diffusion_utils.py (so that results agree with PyTorch to float32 rounding): the KL divergence of two diagonal
 * Gaussians, the tanh approximation of the standard normal CDF, the discretised Gaussian log-likelihood of data in
 * [−1, 1] with 256 bins, and the mean over all but the batch dimension.
 */
public final class DiffusionMath {
    /** Half the width of one of the 256 data bins on [−1, 1]. */
    public static final double BIN_HALF_WIDTH = 1.0 / 255.0;

    private DiffusionMath() {
    }

    /** KL(N(mean1, e^logvar1) ‖ N(mean2, e^logvar2)) elementwise, in nats. */
    public static Tensor normalKl(Tensor mean1, Tensor logvar1, Tensor mean2, Tensor logvar2) {
        Tensor t = logvar2.add(-1.0).sub(logvar1).add(logvar1.sub(logvar2).exp());
        Tensor d = mean1.sub(mean2);
        return t.add(d.mul(d).mul(logvar2.neg().exp())).mul(0.5);
    }

    /** 0.5·(1 + tanh(√(2/π)·(x + 0.044715·x³))): a fast approximation of Φ(x). */
    public static Tensor approxStandardNormalCdf(Tensor x) {
        Tensor cube = x.mul(x).mul(x);
        return x.add(cube.mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI)).tanh().add(1.0).mul(0.5);
    }

    /**
     * log P(x) for data x in [−1, 1] under N(means, e^{2·logScales}) integrated over x's bin of half-width 1/255;
     * the two edge bins take the whole tail (x < −0.999: the CDF up to the bin's top; x > 0.999: one minus the CDF at
     * its bottom). Probabilities are floored at 1e-12 before the log.
     */
    public static Tensor discretizedGaussianLogLikelihood(Tensor x, Tensor means, Tensor logScales) {
        if (!java.util.Arrays.equals(x.shape(), means.shape())
                || !java.util.Arrays.equals(x.shape(), logScales.shape())) {
            throw new IllegalArgumentException("discretizedGaussianLogLikelihood: x, means and logScales must have"
                    + " one shape, got " + java.util.Arrays.toString(x.shape()) + ", "
                    + java.util.Arrays.toString(means.shape()) + " and "
                    + java.util.Arrays.toString(logScales.shape()));
        }
        Tensor centered = x.sub(means);
        Tensor invStdv = logScales.neg().exp();
        Tensor cdfPlus = approxStandardNormalCdf(invStdv.mul(centered.add(BIN_HALF_WIDTH)));
        Tensor cdfMin = approxStandardNormalCdf(invStdv.mul(centered.sub(BIN_HALF_WIDTH)));
        Tensor logCdfPlus = cdfPlus.clampMin(1e-12).log();
        Tensor logOneMinusCdfMin = cdfMin.neg().add(1.0).clampMin(1e-12).log();
        Tensor logCdfDelta = cdfPlus.sub(cdfMin).clampMin(1e-12).log();
        Tensor xd = x.detach();
        return Tensor.where(xd.lt(-0.999), logCdfPlus, Tensor.where(xd.gt(0.999), logOneMinusCdfMin, logCdfDelta));
    }

    /** The mean over every dimension but the first (batch) one: [N, ...] → [N]. */
    public static Tensor meanFlat(Tensor x) {
        int[] dims = new int[x.rank() - 1];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i + 1;
        }
        return dims.length == 0 ? x : x.mean(dims);
    }
}
