package dev.usp4j.diffusion.sampling;

import dev.usp4j.tensor.NDArray;

/**
 * A denoising network as the samplers see it: the current state x [N, ...] at times t [N] (in the process's own
 * units: DiT's integer steps 0…999, SiT's t ∈ [0, 1]) → the network output [N, ...] — ε (and the variance channels)
 * for Gaussian diffusion, the velocity, noise or score for a transport. Called without gradients; the conditioning
 * (labels, classifier-free guidance) is closed over by whoever builds the function ({@link ModelFns}).
 */
@FunctionalInterface
public interface ModelFn {
    NDArray apply(NDArray x, NDArray t);
}
