package dev.usp4j.diffusion.gaussian;

import java.util.Arrays;

/**
 * A Gaussian diffusion that keeps only some timesteps τ₀ < τ₁ < … of a base process (DiT's respaced sampling, e.g.
 * 250 of 1000 steps): new betas β'_k = 1 − ᾱ_{τ_k}/ᾱ_{τ_{k−1}} (ᾱ_{τ_{−1}} = 1) so that the kept steps have the
 * base's ᾱ, every other coefficient derived from them, and the network called with the original index τ_k (not
 * k, and not rescaled), since that is what it was trained on.
 */
public class SpacedDiffusion extends GaussianDiffusion {
    private final int originalNumSteps;

    /** Keeps {@code useTimesteps} (sorted or not, without repeats) of the base process over {@code betas}. */
    public SpacedDiffusion(int[] useTimesteps, double[] betas, ModelMeanType meanType, ModelVarType varType,
                           LossType lossType) {
        // kept() twice (sorting and checking a few hundred ints) keeps the constructor a single super call.
        super(spacedBetas(kept(useTimesteps, betas.length), betas), meanType, varType, lossType,
                kept(useTimesteps, betas.length));
        this.originalNumSteps = betas.length;
    }

    /** The step count T of the base process. */
    public int originalNumSteps() {
        return originalNumSteps;
    }

    private static int[] kept(int[] useTimesteps, int numSteps) {
        int[] sorted = useTimesteps.clone();
        Arrays.sort(sorted);
        if (sorted.length == 0) {
            throw new IllegalArgumentException("SpacedDiffusion: no timesteps kept");
        }
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || sorted[i] >= numSteps || (i > 0 && sorted[i] == sorted[i - 1])) {
                throw new IllegalArgumentException("SpacedDiffusion: kept timesteps must be distinct and in [0, "
                        + numSteps + "), got " + Arrays.toString(useTimesteps));
            }
        }
        return sorted;
    }

    private static double[] spacedBetas(int[] kept, double[] betas) {
        double[] alphasCumprod = new NoiseSchedule(betas).alphasCumprod;
        double[] out = new double[kept.length];
        double last = 1.0;
        for (int k = 0; k < kept.length; k++) {
            double ac = alphasCumprod[kept[k]];
            out[k] = 1 - ac / last;
            last = ac;
        }
        return out;
    }
}
