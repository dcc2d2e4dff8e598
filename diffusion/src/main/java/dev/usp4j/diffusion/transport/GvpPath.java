package dev.usp4j.diffusion.transport;

/**
 * The generalised variance-preserving interpolant (GVPCPlan): α_t = sin(πt/2), σ_t = cos(πt/2), so α² + σ² = 1 on
 * the whole path.
 */
public final class GvpPath extends TransportPath {

    @Override
    public double alpha(double t) {
        return Math.sin(t * Math.PI / 2);
    }

    @Override
    public double dAlpha(double t) {
        return Math.PI / 2 * Math.cos(t * Math.PI / 2);
    }

    @Override
    public double sigma(double t) {
        return Math.cos(t * Math.PI / 2);
    }

    @Override
    public double dSigma(double t) {
        return -Math.PI / 2 * Math.sin(t * Math.PI / 2);
    }

    /** (π/2)/tan(πt/2): one division instead of a cosine over a sine that both vanish at the ends. */
    @Override
    public double dAlphaAlphaRatio(double t) {
        return Math.PI / (2 * Math.tan(t * Math.PI / 2));
    }

    @Override
    public String name() {
        return "GVP";
    }
}
