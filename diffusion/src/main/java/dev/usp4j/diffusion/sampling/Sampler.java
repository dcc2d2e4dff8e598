package dev.usp4j.diffusion.sampling;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;

/**
 * One way of turning a trained network into samples: ancestral DDPM or DDIM over a Gaussian diffusion, the ODE or
 * SDE of a transport. The pipeline holds a {@code Sampler} and does not care which. Every random number a sampler
 * draws comes from the {@link Generator} it is given, so a seed reproduces the samples exactly.
 */
public interface Sampler {
    /**
     * Runs from the start state {@code noise} (drawn from N(0, I) by the caller) to data, drawing any further noise
     * from {@code gen}, and reports each step to {@code listener}.
     */
    NDArray sample(ModelFn model, NDArray noise, Generator gen, StepListener listener);

    /** Samples of {@code shape} from {@code seed}: the start noise and every later draw from one generator. */
    default NDArray sample(ModelFn model, int[] shape, long seed, StepListener listener) {
        Generator gen = new Generator(seed);
        return sample(model, NDArray.randn(gen, shape), gen, listener);
    }

    /** What this sampler does, with its settings, for logs and reports (e.g. "DDPM, 250 respaced steps"). */
    String describe();
}
