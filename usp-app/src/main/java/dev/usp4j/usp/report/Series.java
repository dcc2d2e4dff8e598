package dev.usp4j.usp.report;

import java.util.Arrays;

/**
 * One line of a {@link LineChart}: a name for the legend and its points (x ascending). NaN or infinite y values are
 * gaps, so a series may be partly or wholly without data; {@link #ema} smooths it for noisy training losses.
 */
public record Series(String name, double[] x, double[] y) {
    public Series {
        if (x.length != y.length) {
            throw new IllegalArgumentException("Series '" + name + "': " + x.length + " x values but " + y.length
                    + " y values; expected as many of each");
        }
        x = x.clone();
        y = y.clone();
    }

    @Override
    public double[] x() {
        return x.clone();
    }

    @Override
    public double[] y() {
        return y.clone();
    }

    public int size() {
        return x.length;
    }

    double xAt(int i) {
        return x[i];
    }

    double yAt(int i) {
        return y[i];
    }

    /** True when at least one point has finite coordinates (and, for a log axis, a positive y). */
    public boolean hasData(boolean logY) {
        for (int i = 0; i < x.length; i++) {
            if (usable(i, logY)) {
                return true;
            }
        }
        return false;
    }

    boolean usable(int i, boolean logY) {
        return Double.isFinite(x[i]) && Double.isFinite(y[i]) && (!logY || y[i] > 0);
    }

    /**
     * This series smoothed by an exponential moving average with the given weight of the past (0 = none), debiased
     * at the start as TensorBoard does so that the first points are not pulled towards zero; gaps stay gaps.
     */
    public Series ema(double weight) {
        if (weight < 0 || weight >= 1) {
            throw new IllegalArgumentException("Series.ema: weight must be in [0, 1), got " + weight);
        }
        double[] s = new double[y.length];
        double acc = 0;
        double norm = 0;
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                s[i] = Double.NaN;
                continue;
            }
            acc = weight * acc + (1 - weight) * y[i];
            norm = weight * norm + (1 - weight);
            s[i] = acc / norm;
        }
        return new Series(name, x, s);
    }

    @Override
    public String toString() {
        return "Series[" + name + ", " + x.length + " points, x " + Arrays.toString(Arrays.copyOf(x, Math.min(3,
                x.length))) + "...]";
    }
}
