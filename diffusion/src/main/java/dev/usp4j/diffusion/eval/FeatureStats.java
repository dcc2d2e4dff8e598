package dev.usp4j.diffusion.eval;

import dev.usp4j.tensor.NDArray;
import java.util.Arrays;

/**
 * The mean and covariance of feature vectors, accumulated batch by batch in double, as the FID tools compute them
 * with NumPy ({@code np.mean(axis=0)}, {@code np.cov(rowvar=False)}: the unbiased n − 1 denominator). Sums are taken
 * around the first batch's mean, so that features with a large common offset lose no precision.
 */
public final class FeatureStats {
    private final int dim;
    private double[] shift;
    private final double[] sum;
    private final double[][] cross;
    private long count;

    public FeatureStats(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("FeatureStats: dimension must be positive, got " + dim);
        }
        this.dim = dim;
        this.sum = new double[dim];
        this.cross = new double[dim][dim];
    }

    /** The statistics of features [N, D] in one go. */
    public static FeatureStats of(NDArray features) {
        FeatureStats s = new FeatureStats(features.rank() == 2 ? features.size(1) : -1);
        s.add(features);
        return s;
    }

    /** Adds a batch of features [N, D]. */
    public FeatureStats add(NDArray features) {
        if (features.rank() != 2 || features.size(1) != dim) {
            throw new IllegalArgumentException("FeatureStats: expects features [N, " + dim + "], got "
                    + Arrays.toString(features.shape()));
        }
        int n = features.size(0);
        float[] x = features.contiguous().toFloatArray();
        if (shift == null && n > 0) {
            shift = new double[dim];
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < dim; j++) {
                    shift[j] += x[r * dim + j];
                }
            }
            for (int j = 0; j < dim; j++) {
                shift[j] /= n;
            }
        }
        double[] row = new double[dim];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < dim; j++) {
                row[j] = x[r * dim + j] - shift[j];
                sum[j] += row[j];
            }
            for (int i = 0; i < dim; i++) {
                double ri = row[i];
                double[] ci = cross[i];
                for (int j = 0; j <= i; j++) {
                    ci[j] += ri * row[j];
                }
            }
        }
        count += n;
        return this;
    }

    public long count() {
        return count;
    }

    public int dim() {
        return dim;
    }

    /** The mean feature. */
    public double[] mean() {
        double[] m = new double[dim];
        for (int j = 0; j < dim; j++) {
            m[j] = (shift == null ? 0 : shift[j]) + (count == 0 ? 0 : sum[j] / count);
        }
        return m;
    }

    /** The covariance with the n − 1 denominator (needs at least two samples). */
    public double[][] covariance() {
        if (count < 2) {
            throw new IllegalStateException("FeatureStats: a covariance needs at least 2 samples, have " + count);
        }
        double[][] c = new double[dim][dim];
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j <= i; j++) {
                double v = (cross[i][j] - sum[i] * sum[j] / count) / (count - 1);
                c[i][j] = v;
                c[j][i] = v;
            }
        }
        return c;
    }
}
