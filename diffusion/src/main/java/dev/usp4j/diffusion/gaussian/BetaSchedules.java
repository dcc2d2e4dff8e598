package dev.usp4j.diffusion.gaussian;

import java.util.function.DoubleUnaryOperator;

/**
 * The β schedules DiT can train with, in double precision exactly as NumPy computes them: "linear" (β from 1e-4 to
 * 0.02, scaled by 1000/T so that other step counts keep the same total noise) and "cosine" (also under DiT's name
 * "squaredcos_cap_v2": β from the squared-cosine ᾱ(t), capped at 0.999).
 */
public final class BetaSchedules {
    private BetaSchedules() {
    }

    /** The schedule called {@code name} ("linear", "cosine" or "squaredcos_cap_v2") with {@code steps} steps. */
    public static double[] named(String name, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("BetaSchedules: the number of diffusion steps must be >= 1, got "
                    + steps);
        }
        return switch (name) {
            case "linear" -> linear(steps);
            case "cosine", "squaredcos_cap_v2" -> cosine(steps);
            default -> throw new IllegalArgumentException("BetaSchedules: unknown noise schedule '" + name
                    + "' (expected linear, cosine or squaredcos_cap_v2)");
        };
    }

    /** DiT's linear schedule: linspace(s·1e-4, s·0.02, T) with s = 1000/T. */
    public static double[] linear(int steps) {
        double scale = 1000.0 / steps;
        return linspace(scale * 0.0001, scale * 0.02, steps);
    }

    /** The cosine schedule: ᾱ(t) = cos²((t + 0.008)/1.008 · π/2), β capped at 0.999. */
    public static double[] cosine(int steps) {
        return betasForAlphaBar(steps, t -> {
            // Same operation order as the original lambda, so the doubles agree to the last bit or two.
            double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
            return c * c;
        }, 0.999);
    }

    /** β_i = min(1 − ᾱ((i+1)/T)/ᾱ(i/T), maxBeta) for a continuous ᾱ on [0, 1]. */
    public static double[] betasForAlphaBar(int steps, DoubleUnaryOperator alphaBar, double maxBeta) {
        double[] betas = new double[steps];
        for (int i = 0; i < steps; i++) {
            double t1 = (double) i / steps;
            double t2 = (double) (i + 1) / steps;
            betas[i] = Math.min(1 - alphaBar.applyAsDouble(t2) / alphaBar.applyAsDouble(t1), maxBeta);
        }
        return betas;
    }

    /**
     * NumPy's float64 linspace with the endpoint: i·step + start with step = (stop − start)/(n − 1), the last value
     * set to stop. Written out because a different formula (start + i·(stop − start)/(n − 1)) rounds differently.
     */
    static double[] linspace(double start, double stop, int n) {
        double[] y = new double[n];
        if (n == 1) {
            y[0] = start;
            return y;
        }
        double step = (stop - start) / (n - 1);
        for (int i = 0; i < n; i++) {
            y[i] = i * step + start;
        }
        y[n - 1] = stop;
        return y;
    }
}
