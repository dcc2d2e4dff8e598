package dev.usp4j.diffusion.eval;

/**
 * The Fréchet distance between two Gaussians fitted to feature sets, the number behind FID:
 * d² = ‖μ₁ − μ₂‖² + Tr(Σ₁) + Tr(Σ₂) − 2·Tr((Σ₁Σ₂)^½). The trace of the square root is computed as
 * Tr((Σ₁^½ Σ₂ Σ₁^½)^½) — the same value, since Σ₁Σ₂ is similar to that symmetric positive semi-definite matrix — from
 * symmetric eigen-decompositions in double, so no complex parts or failed Schur iterations appear (the reference
 * tools call {@code scipy.linalg.sqrtm(Σ₁Σ₂)}, drop imaginary parts and, when the result is not finite, retry with
 * 1e-6 added to both diagonals). Tiny negative eigenvalues from rounding are clamped to zero.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /** The distance between the Gaussians of two feature sets. */
    public static double of(FeatureStats a, FeatureStats b) {
        if (a.dim() != b.dim()) {
            throw new IllegalArgumentException("FrechetDistance: feature dimensions differ: " + a.dim() + " and "
                    + b.dim());
        }
        return of(a.mean(), a.covariance(), b.mean(), b.covariance());
    }

    /** The distance between N(mu1, sigma1) and N(mu2, sigma2). */
    public static double of(double[] mu1, double[][] sigma1, double[] mu2, double[][] sigma2) {
        int n = mu1.length;
        if (mu2.length != n || sigma1.length != n || sigma2.length != n) {
            throw new IllegalArgumentException("FrechetDistance: means of " + mu1.length + " and " + mu2.length
                    + " and covariances of " + sigma1.length + " and " + sigma2.length + " rows must all agree");
        }
        double diff = 0;
        for (int i = 0; i < n; i++) {
            double d = mu1[i] - mu2[i];
            diff += d * d;
        }
        double trace = 0;
        for (int i = 0; i < n; i++) {
            trace += sigma1[i][i] + sigma2[i][i];
        }
        return diff + trace - 2 * traceSqrtProduct(sigma1, sigma2);
    }

    /** Tr((Σ₁Σ₂)^½) = Σ √λ of S·Σ₂·S with S = Σ₁^½. */
    static double traceSqrtProduct(double[][] sigma1, double[][] sigma2) {
        int n = sigma1.length;
        double[][] s = SymmetricEigen.of(sigma1).sqrtPsd();
        double[][] t = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double sik = s[i][k];
                if (sik != 0) {
                    double[] row = sigma2[k];
                    double[] out = t[i];
                    for (int j = 0; j < n; j++) {
                        out[j] += sik * row[j];
                    }
                }
            }
        }
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += t[i][k] * s[k][j];
                }
                m[i][j] = sum;
                m[j][i] = sum;
            }
        }
        double tr = 0;
        for (double lambda : SymmetricEigen.of(m).values()) {
            tr += Math.sqrt(Math.max(lambda, 0));
        }
        return tr;
    }
}
