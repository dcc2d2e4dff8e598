package dev.usp4j.diffusion.transport;

/**
 * The variance-preserving interpolant of score SDEs (VPCPlan) in SiT's time direction: α_t = exp(m(t)) with
 * m(t) = −¼(1 − t)²(σ_max − σ_min) − ½(1 − t)σ_min, and σ_t = √(1 − α_t²). Its SDE drift is the VP SDE's own,
 * −½β_t·x with β_t = σ_min + (1 − t)(σ_max − σ_min), and drift variance β_t/2.
 */
public final class VpPath extends TransportPath {
    /** SiT's defaults. */
    public static final double SIGMA_MIN = 0.1;
    public static final double SIGMA_MAX = 20.0;

    private final double sigmaMin;
    private final double sigmaMax;

    public VpPath(double sigmaMin, double sigmaMax) {
        if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) {
            throw new IllegalArgumentException("VpPath: need 0 < sigma_min < sigma_max, got sigma_min " + sigmaMin
                    + ", sigma_max " + sigmaMax);
        }
        this.sigmaMin = sigmaMin;
        this.sigmaMax = sigmaMax;
    }

    private double logMeanCoeff(double t) {
        return -0.25 * (1 - t) * (1 - t) * (sigmaMax - sigmaMin) - 0.5 * (1 - t) * sigmaMin;
    }

    private double dLogMeanCoeff(double t) {
        return 0.5 * (1 - t) * (sigmaMax - sigmaMin) + 0.5 * sigmaMin;
    }

    private double beta(double t) {
        return sigmaMin + (1 - t) * (sigmaMax - sigmaMin);
    }

    @Override
    public double alpha(double t) {
        return Math.exp(logMeanCoeff(t));
    }

    @Override
    public double dAlpha(double t) {
        return alpha(t) * dLogMeanCoeff(t);
    }

    @Override
    public double sigma(double t) {
        return Math.sqrt(1 - Math.exp(2 * logMeanCoeff(t)));
    }

    @Override
    public double dSigma(double t) {
        double p = Math.exp(2 * logMeanCoeff(t));
        return p * (2 * dLogMeanCoeff(t)) / (-2 * sigma(t));
    }

    /** d(log α)/dt in closed form, finite where α underflows. */
    @Override
    public double dAlphaAlphaRatio(double t) {
        return dLogMeanCoeff(t);
    }

    @Override
    public double driftCoefficient(double t) {
        return 0.5 * beta(t);
    }

    @Override
    public double driftVar(double t) {
        return beta(t) / 2;
    }

    @Override
    public String name() {
        return "VP";
    }
}
