package dev.usp4j.diffusion.gaussian;

/**
 * DiT's {@code create_diffusion}: the Gaussian diffusion its training and sampling scripts build from a handful of
 * switches, always as a {@link SpacedDiffusion} (an empty respacing keeps every step). Defaults as in DiT: linear
 * schedule, T = 1000, ε prediction, learned-range variance, MSE loss (plus the bound for the variance channels).
 */
public final class Diffusions {
    private Diffusions() {
    }

    /** DiT's defaults with the given respacing ("" or null: all 1000 steps; "250"; "ddim50"; "10,15,20"). */
    public static SpacedDiffusion create(String timestepRespacing) {
        return create(timestepRespacing, "linear", false, false, false, true, false, 1000);
    }

    /**
     * The full factory. {@code useKl}: loss RESCALED_KL; else {@code rescaleLearnedSigmas}: RESCALED_MSE; else MSE.
     * {@code predictXstart}: START_X instead of EPSILON. Variance: LEARNED_RANGE when {@code learnSigma}, else
     * FIXED_SMALL with {@code sigmaSmall} and FIXED_LARGE without.
     */
    public static SpacedDiffusion create(String timestepRespacing, String noiseSchedule, boolean useKl,
                                         boolean sigmaSmall, boolean predictXstart, boolean learnSigma,
                                         boolean rescaleLearnedSigmas, int diffusionSteps) {
        double[] betas = BetaSchedules.named(noiseSchedule, diffusionSteps);
        LossType loss = useKl ? LossType.RESCALED_KL
                : rescaleLearnedSigmas ? LossType.RESCALED_MSE : LossType.MSE;
        int[] kept = timestepRespacing == null || timestepRespacing.isEmpty()
                ? Respacing.sections(diffusionSteps, new int[] {diffusionSteps}, String.valueOf(diffusionSteps))
                : Respacing.spaceTimesteps(diffusionSteps, timestepRespacing);
        ModelVarType var = learnSigma ? ModelVarType.LEARNED_RANGE
                : sigmaSmall ? ModelVarType.FIXED_SMALL : ModelVarType.FIXED_LARGE;
        return new SpacedDiffusion(kept, betas, predictXstart ? ModelMeanType.START_X : ModelMeanType.EPSILON, var,
                loss);
    }
}
