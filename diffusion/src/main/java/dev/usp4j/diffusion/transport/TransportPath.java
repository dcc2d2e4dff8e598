package dev.usp4j.diffusion.transport;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;

/**
 * An interpolant between noise and data (SiT's coupling plans in {@code transport/path.py}): x_t = α_t·x₁ + σ_t·x₀
 * with t = 0 pure noise x₀ ~ N(0, I) and t = 1 data x₁, and the velocity u_t = α̇_t·x₁ + σ̇_t·x₀. Subclasses give
 * α, σ and their derivatives; this class derives the SDE's drift and drift variance, every diffusion form, the
 * training pair (x_t, u_t) and the conversions between velocity, score and noise.
 *
 * <p>Coefficients are computed per sample in double (like the original's float64 schedules) and turned into float32
 * arrays of shape [N, 1, …, 1] that broadcast against the state, as the original's {@code expand_t_like_x} reshapes t.
 */
public abstract sealed class TransportPath permits LinearPath, GvpPath, VpPath {

    /** The data coefficient α_t. */
    public abstract double alpha(double t);

    /** dα/dt. */
    public abstract double dAlpha(double t);

    /** The noise coefficient σ_t. */
    public abstract double sigma(double t);

    /** dσ/dt. */
    public abstract double dSigma(double t);

    /** The name SiT's {@code --path-type} uses ("Linear", "GVP", "VP"). */
    public abstract String name();

    /** α̇_t/α_t; subclasses override it where the quotient has a stabler closed form. */
    public double dAlphaAlphaRatio(double t) {
        return dAlpha(t) / alpha(t);
    }

    /**
     * The coefficient c of the SDE's linear drift term: compute_drift's first output is −c·x. For the interpolants
     * built on the linear plan c = α̇/α; VP overrides it with β_t/2.
     */
    public double driftCoefficient(double t) {
        return dAlphaAlphaRatio(t);
    }

    /** compute_drift's second output, the drift variance: (α̇/α)·σ² − σ·σ̇ ((1 − t)/t on the Linear path). */
    public double driftVar(double t) {
        double s = sigma(t);
        return dAlphaAlphaRatio(t) * s * s - s * dSigma(t);
    }

    /** The SDE sampler's diffusion w(t) of the given form, scaled by {@code norm}. */
    public double diffusion(DiffusionForm form, double norm, double t) {
        return switch (form) {
            case CONSTANT -> norm;
            case SBDM -> norm * driftVar(t);
            case SIGMA -> norm * sigma(t);
            case LINEAR -> norm * (1 - t);
            case DECREASING -> {
                double c = norm * Math.cos(Math.PI * t) + 1;
                yield 0.25 * c * c;
            }
            case INCREASING_DECREASING -> {
                double s = Math.sin(Math.PI * t);
                yield norm * s * s;
            }
        };
    }

    /** The path of the given name: "Linear", "GVP" or "VP" (case-insensitive; VP with σ_min 0.1, σ_max 20). */
    public static TransportPath of(String name) {
        if (name != null) {
            switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case "linear":
                    return new LinearPath();
                case "gvp":
                    return new GvpPath();
                case "vp":
                    return new VpPath(VpPath.SIGMA_MIN, VpPath.SIGMA_MAX);
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("TransportPath: unknown path type '" + name
                + "', expected one of Linear, GVP, VP");
    }

    // ---- per-sample tensors ---------------------------------------------------------------------------------

    /** −c_t·x, the linear part of the SDE drift (compute_drift's first output). */
    public NDArray driftMean(NDArray x, double[] t) {
        return x.mul(perSample("driftMean", t, x, this::driftCoefficient)).neg();
    }

    /** x_t = α_t·x₁ + σ_t·x₀ (compute_xt). */
    public NDArray computeXt(double[] t, NDArray x0, NDArray x1) {
        checkPair("computeXt", x0, x1);
        return x1.mul(perSample("computeXt", t, x1, this::alpha))
                .add(x0.mul(perSample("computeXt", t, x1, this::sigma)));
    }

    /** u_t = α̇_t·x₁ + σ̇_t·x₀, the velocity the network learns (compute_ut). */
    public NDArray computeUt(double[] t, NDArray x0, NDArray x1) {
        checkPair("computeUt", x0, x1);
        return x1.mul(perSample("computeUt", t, x1, this::dAlpha))
                .add(x0.mul(perSample("computeUt", t, x1, this::dSigma)));
    }

    /** The score from a velocity: s = ((α/α̇)·v − x)/(σ² − (α/α̇)·σ̇·σ) (get_score_from_velocity). */
    public NDArray scoreFromVelocity(NDArray velocity, NDArray x, double[] t) {
        checkPair("scoreFromVelocity", velocity, x);
        NDArray rev = perSample("scoreFromVelocity", t, x, s -> alpha(s) / dAlpha(s));
        NDArray var = perSample("scoreFromVelocity", t, x, s -> {
            double sig = sigma(s);
            return sig * sig - alpha(s) / dAlpha(s) * dSigma(s) * sig;
        });
        return rev.mul(velocity).sub(x).div(var);
    }

    /** The noise from a velocity: ε = ((α/α̇)·v − x)/((α/α̇)·σ̇ − σ) (get_noise_from_velocity). */
    public NDArray noiseFromVelocity(NDArray velocity, NDArray x, double[] t) {
        checkPair("noiseFromVelocity", velocity, x);
        NDArray rev = perSample("noiseFromVelocity", t, x, s -> alpha(s) / dAlpha(s));
        NDArray var = perSample("noiseFromVelocity", t, x, s -> alpha(s) / dAlpha(s) * dSigma(s) - sigma(s));
        return rev.mul(velocity).sub(x).div(var);
    }

    /** The velocity from a score: v = drift_var·s + c·x (get_velocity_from_score). */
    public NDArray velocityFromScore(NDArray score, NDArray x, double[] t) {
        checkPair("velocityFromScore", score, x);
        return perSample("velocityFromScore", t, x, this::driftVar).mul(score).sub(driftMean(x, t));
    }

    @Override
    public String toString() {
        return name();
    }

    /**
     * The coefficients f(t_i) as a float32 [N, 1, …, 1] array broadcasting against {@code like} [N, …]: computed in
     * double, then rounded once, as the original rounds its float64 coefficients with {@code .float()}.
     */
    static NDArray perSample(String op, double[] t, NDArray like, java.util.function.DoubleUnaryOperator f) {
        if (like.rank() < 1 || like.size(0) != t.length) {
            throw new IllegalArgumentException("TransportPath." + op + ": the times t [" + t.length
                    + "] must have one entry per sample of x " + Arrays.toString(like.shape()));
        }
        float[] c = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            c[i] = (float) f.applyAsDouble(t[i]);
        }
        int[] shape = new int[like.rank()];
        Arrays.fill(shape, 1);
        shape[0] = t.length;
        return NDArray.of(c, shape).to(like.device());
    }

    /** The float32 times of a [N] array as doubles (the coefficients are evaluated at these exact values). */
    static double[] times(String op, NDArray t) {
        checkTimes(op, t);
        float[] f = t.to(DType.F32).toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Checks that t is [N]. */
    static void checkTimes(String op, NDArray t) {
        if (t.rank() != 1) {
            throw new IllegalArgumentException("Transport." + op + ": t must be [N], got "
                    + Arrays.toString(t.shape()));
        }
    }

    private static void checkPair(String op, NDArray a, NDArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("TransportPath." + op + ": the two states must have the same shape, got "
                    + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
    }
}
