package dev.usp4j.diffusion.gaussian;

import dev.usp4j.autograd.Tensor;

/**
 * Per-sample training loss terms of {@link GaussianDiffusion#trainingLosses}, each [N] and differentiable: the total
 * {@code loss}, and its parts where the loss type has them: {@code mse} (the mean-prediction MSE) and {@code vb}
 * (the variational bound in bits per dimension, feeding only the variance channels); null where absent.
 */
public record LossTerms(Tensor loss, Tensor mse, Tensor vb) {
}
