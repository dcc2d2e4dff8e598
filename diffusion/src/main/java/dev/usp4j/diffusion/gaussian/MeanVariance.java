package dev.usp4j.diffusion.gaussian;

import dev.usp4j.autograd.Tensor;

/**
 * The reverse-process Gaussian p(x_{t−1} | x_t) a network implies ({@link GaussianDiffusion#pMeanVariance}): its
 * mean (the posterior mean around the predicted x₀), variance and log-variance (full shape when learned, [N, 1, ...]
 * when fixed), and the predicted x₀ itself.
 */
public record MeanVariance(Tensor mean, Tensor variance, Tensor logVariance, Tensor predXstart) {
}
