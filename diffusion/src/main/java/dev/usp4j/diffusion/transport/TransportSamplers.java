package dev.usp4j.diffusion.transport;

/**
 * The samplers USP evaluates SiT with, built in one call: the SDE of its FID numbers (Linear path, velocity,
 * Euler–Maruyama, 250 steps, w = σ_t, last step "Mean" 0.04) and SiT's default ODE (dopri5, atol 1e-6, rtol 1e-3,
 * 250 output times).
 */
public final class TransportSamplers {
    /** sample_ddp's num-sampling-steps. */
    public static final int USP_STEPS = 250;

    private TransportSamplers() {
    }

    /** USP's evaluation sampler. */
    public static SdeSampler uspSde() {
        return sde(Transport.usp(), USP_STEPS);
    }

    /** USP's SDE settings on any transport, with {@code numSteps} grid points. */
    public static SdeSampler sde(Transport transport, int numSteps) {
        return new SdeSampler(transport, SdeMethod.EULER, DiffusionForm.SIGMA, 1.0, LastStep.MEAN, 0.04, numSteps);
    }

    /** SiT's default ODE sampler on USP's transport. */
    public static OdeSampler uspOde() {
        return ode(Transport.usp(), USP_STEPS);
    }

    /** dopri5 with atol 1e-6, rtol 1e-3 on any transport. */
    public static OdeSampler ode(Transport transport, int numSteps) {
        return new OdeSampler(transport, OdeMethod.DOPRI5, numSteps, 1e-6, 1e-3);
    }
}
