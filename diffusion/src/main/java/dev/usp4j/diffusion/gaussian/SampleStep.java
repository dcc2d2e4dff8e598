package dev.usp4j.diffusion.gaussian;

import dev.usp4j.tensor.NDArray;

/** The result of one reverse step of a {@link DdpmSampler} or {@link DdimSampler}: x_{t−1} and the predicted x₀. */
public record SampleStep(NDArray sample, NDArray predXstart) {
}
