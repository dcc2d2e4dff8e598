package dev.usp4j.diffusion.gaussian;

/**
 * What the network's first C output channels predict in a {@link GaussianDiffusion}: the noise ε that was added
 * (DiT's choice) or the clean sample x₀ itself. The reverse-process mean is built from the implied x₀ either way.
 */
public enum ModelMeanType {
    /** The network predicts ε; x₀ = √(1/ᾱ)·x_t − √(1/ᾱ − 1)·ε̂. */
    EPSILON,
    /** The network predicts x₀ directly. */
    START_X
}
