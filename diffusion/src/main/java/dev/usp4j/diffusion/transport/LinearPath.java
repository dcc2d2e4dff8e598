package dev.usp4j.diffusion.transport;

/**
 * SiT's default interpolant (ICPlan), the one USP trains: x_t = t·x₁ + (1 − t)·x₀, so the velocity is x₁ − x₀ and
 * the drift variance (1 − t)/t.
 */
public final class LinearPath extends TransportPath {

    @Override
    public double alpha(double t) {
        return t;
    }

    @Override
    public double dAlpha(double t) {
        return 1;
    }

    @Override
    public double sigma(double t) {
        return 1 - t;
    }

    @Override
    public double dSigma(double t) {
        return -1;
    }

    @Override
    public double dAlphaAlphaRatio(double t) {
        return 1 / t;
    }

    @Override
    public String name() {
        return "Linear";
    }
}
