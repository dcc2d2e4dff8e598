package dev.usp4j.diffusion.gaussian;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;

/**
 * DDIM sampling ({@code ddim_sample_loop}) over a Gaussian or respaced diffusion (usually "ddimN"): from the
 * predicted x₀ and the ε it implies, x_{t−1} = √ᾱ_{t−1}·x̂₀ + √(1 − ᾱ_{t−1} − σ²)·ε̂ + σ·z with
 * σ = η·√((1 − ᾱ_{t−1})/(1 − ᾱ_t))·√(1 − ᾱ_t/ᾱ_{t−1}). η = 0 is deterministic (no noise is drawn); η = 1 has
 * DDPM's posterior variance.
 */
public final class DdimSampler extends ReverseSampler {
    private final double eta;
    private final boolean clipDenoised;

    /** DDIM with {@code eta} over {@code diffusion}, without clipping x₀. */
    public DdimSampler(GaussianDiffusion diffusion, double eta) {
        this(diffusion, eta, false);
    }

    /** {@code clipDenoised}: clamp the predicted x₀ to [−1, 1] at every step. */
    public DdimSampler(GaussianDiffusion diffusion, double eta, boolean clipDenoised) {
        super(diffusion);
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("DdimSampler: eta must be finite and >= 0, got " + eta);
        }
        this.eta = eta;
        this.clipDenoised = clipDenoised;
    }

    /** One step with the given noise z like x (may be null when η = 0 or every t is 0). */
    public SampleStep step(ModelFn model, NDArray x, NDArray t, NDArray noise) {
        MeanVariance out = diffusion.pMeanVariance(model, x, t, clipDenoised);
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor pred = out.predXstart();
            NDArray eps = diffusion.predictEpsFromXstart(Tensor.of(x), t, pred).data();
            NDArray ab = diffusion.extract(diffusion.schedule().alphasCumprod, t, x.rank());
            NDArray abPrev = diffusion.extract(diffusion.schedule().alphasCumprodPrev, t, x.rank());
            // Float32 like the original, in its order: the coefficients are cast before this arithmetic.
            NDArray sigma = abPrev.neg().add(1.0).div(ab.neg().add(1.0)).sqrt().mul(eta)
                    .mul(ab.div(abPrev).neg().add(1.0).sqrt());
            NDArray meanPred = pred.data().mul(abPrev.sqrt())
                    .add(abPrev.neg().add(1.0).sub(sigma.mul(sigma)).sqrt().mul(eps));
            if (eta == 0 || !anyNonzero(t, noise)) {
                return new SampleStep(meanPred, pred.data());
            }
            checkNoise("DdimSampler", x, noise);
            NDArray scale = nonzeroMask(t, x.rank()).mul(sigma);
            return new SampleStep(meanPred.add(scale.mul(noise)), pred.data());
        }
    }

    @Override
    SampleStep step(ModelFn model, NDArray x, NDArray t, boolean noisy, Generator gen) {
        return step(model, x, t, eta != 0 && noisy ? NDArray.randn(gen, x.device(), x.shape()) : null);
    }

    @Override
    public String describe() {
        return "DDIM (eta " + eta + "), " + steps() + (clipDenoised ? ", x0 clipped to [-1, 1]" : "");
    }
}
