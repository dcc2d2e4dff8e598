package dev.usp4j.diffusion.gaussian;

import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;

/**
 * Ancestral DDPM sampling ({@code p_sample_loop}) over a Gaussian or respaced diffusion: each step draws
 * x_{t−1} = mean + σ_t·z from the reverse Gaussian the network implies (its learned-range variance, or the fixed
 * one), with no noise on the last step. DiT samples this way without clipping x₀.
 */
public final class DdpmSampler extends ReverseSampler {
    private final boolean clipDenoised;

    /** DDPM over {@code diffusion} without clipping the predicted x₀. */
    public DdpmSampler(GaussianDiffusion diffusion) {
        this(diffusion, false);
    }

    /** {@code clipDenoised}: clamp the predicted x₀ to [−1, 1] at every step (for pixel-space data). */
    public DdpmSampler(GaussianDiffusion diffusion, boolean clipDenoised) {
        super(diffusion);
        this.clipDenoised = clipDenoised;
    }

    /** One step with the given noise z like x (may be null when every t is 0: that step adds none). */
    public SampleStep step(ModelFn model, NDArray x, NDArray t, NDArray noise) {
        MeanVariance out = diffusion.pMeanVariance(model, x, t, clipDenoised);
        NDArray mean = out.mean().data();
        if (!anyNonzero(t, noise)) {
            return new SampleStep(mean, out.predXstart().data());
        }
        checkNoise("DdpmSampler", x, noise);
        NDArray std = nonzeroMask(t, x.rank()).mul(out.logVariance().data().mul(0.5).exp());
        return new SampleStep(mean.add(std.mul(noise)), out.predXstart().data());
    }

    @Override
    SampleStep step(ModelFn model, NDArray x, NDArray t, boolean noisy, Generator gen) {
        return step(model, x, t, noisy ? NDArray.randn(gen, x.device(), x.shape()) : null);
    }

    @Override
    public String describe() {
        return "DDPM (ancestral), " + steps() + (clipDenoised ? ", x0 clipped to [-1, 1]" : "");
    }
}
