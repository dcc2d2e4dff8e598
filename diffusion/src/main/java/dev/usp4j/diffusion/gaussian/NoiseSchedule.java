package dev.usp4j.diffusion.gaussian;

import java.util.Arrays;

/**
 * Every per-timestep coefficient of a Gaussian diffusion, derived in double from its β schedule the way DiT's
 * GaussianDiffusion derives them with NumPy float64: ᾱ (a running product), ᾱ_prev/ᾱ_next, the square roots and
 * logs used by the forward process and the x₀/ε conversions, the posterior q(x_{t−1} | x_t, x₀) variance, its
 * clipped log (element 0 replaced by element 1, since β̃₀ = 0) and mean coefficients. Arrays are returned as copies;
 * {@link GaussianDiffusion} reads the fields directly.
 */
public final class NoiseSchedule {
    /** The names of the arrays as DiT's Python attributes call them, for {@link #array(String)}. */
    public static final String[] NAMES = {"betas", "alphas_cumprod", "alphas_cumprod_prev", "alphas_cumprod_next",
        "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod",
        "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
        "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2"};

    final double[] betas;
    final double[] logBetas;
    final double[] alphasCumprod;
    final double[] alphasCumprodPrev;
    final double[] alphasCumprodNext;
    final double[] sqrtAlphasCumprod;
    final double[] sqrtOneMinusAlphasCumprod;
    final double[] logOneMinusAlphasCumprod;
    final double[] sqrtRecipAlphasCumprod;
    final double[] sqrtRecipm1AlphasCumprod;
    final double[] posteriorVariance;
    final double[] posteriorLogVarianceClipped;
    final double[] posteriorMeanCoef1;
    final double[] posteriorMeanCoef2;

    /** Derives everything from {@code betas} (each in (0, 1]). */
    public NoiseSchedule(double[] betas) {
        int n = betas.length;
        if (n < 1) {
            throw new IllegalArgumentException("NoiseSchedule: empty beta schedule");
        }
        for (int i = 0; i < n; i++) {
            if (!(betas[i] > 0 && betas[i] <= 1)) {
                throw new IllegalArgumentException("NoiseSchedule: betas must lie in (0, 1], got betas[" + i + "] = "
                        + betas[i]);
            }
        }
        this.betas = betas.clone();
        logBetas = new double[n];
        alphasCumprod = new double[n];
        alphasCumprodPrev = new double[n];
        alphasCumprodNext = new double[n];
        sqrtAlphasCumprod = new double[n];
        sqrtOneMinusAlphasCumprod = new double[n];
        logOneMinusAlphasCumprod = new double[n];
        sqrtRecipAlphasCumprod = new double[n];
        sqrtRecipm1AlphasCumprod = new double[n];
        posteriorVariance = new double[n];
        posteriorLogVarianceClipped = new double[n];
        posteriorMeanCoef1 = new double[n];
        posteriorMeanCoef2 = new double[n];
        double prod = 1.0;
        for (int i = 0; i < n; i++) {
            prod *= 1.0 - betas[i];  // np.cumprod: the same left-to-right products
            alphasCumprod[i] = prod;
        }
        for (int i = 0; i < n; i++) {
            double b = betas[i];
            double ac = alphasCumprod[i];
            double acp = i == 0 ? 1.0 : alphasCumprod[i - 1];
            logBetas[i] = Math.log(b);
            alphasCumprodPrev[i] = acp;
            alphasCumprodNext[i] = i == n - 1 ? 0.0 : alphasCumprod[i + 1];
            sqrtAlphasCumprod[i] = Math.sqrt(ac);
            sqrtOneMinusAlphasCumprod[i] = Math.sqrt(1.0 - ac);
            logOneMinusAlphasCumprod[i] = Math.log(1.0 - ac);
            sqrtRecipAlphasCumprod[i] = Math.sqrt(1.0 / ac);
            sqrtRecipm1AlphasCumprod[i] = Math.sqrt(1.0 / ac - 1);
            posteriorVariance[i] = b * (1.0 - acp) / (1.0 - ac);
            posteriorMeanCoef1[i] = b * Math.sqrt(acp) / (1.0 - ac);
            posteriorMeanCoef2[i] = (1.0 - acp) * Math.sqrt(1.0 - b) / (1.0 - ac);
        }
        for (int i = 0; i < n; i++) {
            // β̃₀ is 0; its log would be −∞, so the original repeats β̃₁ there (a single-step schedule has no β̃₁).
            double v = i == 0 ? (n > 1 ? posteriorVariance[1] : posteriorVariance[0]) : posteriorVariance[i];
            posteriorLogVarianceClipped[i] = Math.log(v);
        }
    }

    /** The number of timesteps T of this schedule. */
    public int size() {
        return betas.length;
    }

    /** β_t. */
    public double[] betas() {
        return betas.clone();
    }

    /** ᾱ_t = Π_{s ≤ t} (1 − β_s). */
    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** ᾱ_{t−1}, with 1 at t = 0. */
    public double[] alphasCumprodPrev() {
        return alphasCumprodPrev.clone();
    }

    /** The array DiT names {@code name} (one of {@link #NAMES}), as a copy. */
    public double[] array(String name) {
        double[] a = switch (name) {
            case "betas" -> betas;
            case "alphas_cumprod" -> alphasCumprod;
            case "alphas_cumprod_prev" -> alphasCumprodPrev;
            case "alphas_cumprod_next" -> alphasCumprodNext;
            case "sqrt_alphas_cumprod" -> sqrtAlphasCumprod;
            case "sqrt_one_minus_alphas_cumprod" -> sqrtOneMinusAlphasCumprod;
            case "log_one_minus_alphas_cumprod" -> logOneMinusAlphasCumprod;
            case "sqrt_recip_alphas_cumprod" -> sqrtRecipAlphasCumprod;
            case "sqrt_recipm1_alphas_cumprod" -> sqrtRecipm1AlphasCumprod;
            case "posterior_variance" -> posteriorVariance;
            case "posterior_log_variance_clipped" -> posteriorLogVarianceClipped;
            case "posterior_mean_coef1" -> posteriorMeanCoef1;
            case "posterior_mean_coef2" -> posteriorMeanCoef2;
            default -> throw new IllegalArgumentException("NoiseSchedule: no array '" + name + "' (expected one of "
                    + Arrays.toString(NAMES) + ")");
        };
        return a.clone();
    }
}
