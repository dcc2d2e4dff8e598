package dev.usp4j.diffusion.sampling;

import dev.usp4j.tensor.NDArray;

/**
 * Progress of a {@link Sampler}: called after each step with the step just finished (1-based), the number of
 * steps planned (for adaptive ODE solvers, the output time points), the network evaluations so far and the current
 * state. A pipeline prints a progress line or saves intermediate grids from here.
 */
@FunctionalInterface
public interface StepListener {
    /** A listener that ignores every step. */
    StepListener NONE = (step, total, evaluations, x) -> { };

    void onStep(int step, int total, long evaluations, NDArray x);
}
