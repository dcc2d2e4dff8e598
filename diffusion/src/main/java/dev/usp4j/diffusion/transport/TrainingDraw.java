package dev.usp4j.diffusion.transport;

import dev.usp4j.tensor.NDArray;

/**
 * The random part of one training step (the original's {@code Transport.sample}): times t [N] ~ U[t0, t1] and noise
 * x0 ~ N(0, I) with the data's shape.
 */
public record TrainingDraw(NDArray t, NDArray x0) {
}
