package dev.usp4j.diffusion.gaussian;

/**
 * How a {@link GaussianDiffusion} gets the reverse-process variance: from C extra network channels (LEARNED: the
 * log-variance itself; LEARNED_RANGE: v ∈ [−1, 1] interpolating log β̃ and log β, DiT's learn_sigma), or fixed
 * (FIXED_SMALL: the posterior variance β̃; FIXED_LARGE: β, with β̃₁ at t = 0).
 */
public enum ModelVarType {
    LEARNED,
    LEARNED_RANGE,
    FIXED_SMALL,
    FIXED_LARGE;

    /** Whether the network outputs 2C channels, the second half for the variance. */
    public boolean learned() {
        return this == LEARNED || this == LEARNED_RANGE;
    }
}
