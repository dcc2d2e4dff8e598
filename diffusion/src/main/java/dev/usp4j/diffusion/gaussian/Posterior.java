package dev.usp4j.diffusion.gaussian;

import dev.usp4j.autograd.Tensor;

/**
 * The diffusion posterior q(x_{t−1} | x_t, x₀) = N(mean, variance) at a batch of timesteps: the mean [N, ...], and
 * the variance β̃_t and its clipped log broadcastable to it ([N, 1, ...], float32 as the original casts them).
 */
public record Posterior(Tensor mean, Tensor variance, Tensor logVariance) {
}
