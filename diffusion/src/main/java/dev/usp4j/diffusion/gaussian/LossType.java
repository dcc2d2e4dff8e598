package dev.usp4j.diffusion.gaussian;

/**
 * The training objective of a {@link GaussianDiffusion}: the simple MSE on the mean prediction (plus the
 * variational bound for the variance channels when the variance is learned, DiT's default), the same with the bound
 * scaled by T/1000 (RESCALED_MSE), or the variational bound alone in bits per dimension (KL), times T (RESCALED_KL).
 */
public enum LossType {
    MSE,
    RESCALED_MSE,
    KL,
    RESCALED_KL;

    /** Whether the loss is the variational bound alone. */
    public boolean isKl() {
        return this == KL || this == RESCALED_KL;
    }
}
