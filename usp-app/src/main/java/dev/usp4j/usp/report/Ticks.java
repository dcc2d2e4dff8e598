package dev.usp4j.usp.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Axis ticks a reader can take in at a glance: on a linear axis 1, 2 or 5 times a power of ten apart, covering the
 * data range; on a log axis the powers of ten (with 2 and 5 between them when the range spans few decades). Labels
 * are short: no trailing zeros, scientific notation only for very large or small magnitudes.
 */
public final class Ticks {
    private Ticks() {
    }

    /** About {@code target} round values spanning [lo, hi] on a linear axis, from a multiple of the step below lo. */
    public static double[] linear(double lo, double hi, int target) {
        return linear(lo, hi, target, false);
    }

    /** As {@link #linear(double, double, int)}; with {@code integers} the step is at least 1 (training steps). */
    public static double[] linear(double lo, double hi, int target, boolean integers) {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double step = niceStep((hi - lo) / Math.max(1, target));
        if (integers) {
            step = Math.max(1, step);
        }
        double first = Math.floor(lo / step + 1e-9) * step;
        double last = Math.ceil(hi / step - 1e-9) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = clean(first + i * step, step);
        }
        return t;
    }

    /** The step among 1, 2, 5 × 10^k nearest above {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    }

    private static double clean(double v, double step) {
        // Removes the float noise of first + i·step (0.30000000000000004) without changing the tick.
        double q = Math.pow(10, Math.max(0, -Math.floor(Math.log10(step)) + 2));
        return Math.round(v * q) / q;
    }

    /**
     * Ticks for a log axis over [lo, hi] (both > 0), from the last tick at or below lo to the first at or above hi:
     * powers of ten, with 2 and 5 times them when the range spans at most two decades.
     */
    public static double[] log(double lo, double hi) {
        if (!(lo > 0) || !(hi > 0)) {
            throw new IllegalArgumentException("Ticks.log: the range must be positive, got [" + lo + ", " + hi + "]");
        }
        int d0 = (int) Math.floor(Math.log10(lo) + 1e-9);
        int d1 = (int) Math.ceil(Math.log10(hi) - 1e-9);
        if (d1 <= d0) {
            d1 = d0 + 1;
        }
        List<Double> t = new ArrayList<>();
        double[] mult = d1 - d0 <= 2 ? new double[] {1, 2, 5} : new double[] {1};
        decades:
        for (int d = d0; d <= d1; d++) {
            for (double m : mult) {
                double v = m * Math.pow(10, d);
                // Tight: start at the last tick at or below lo, stop at the first at or above hi (two at least).
                if (t.size() >= 2 && t.getLast() >= hi * (1 - 1e-9)) {
                    break decades;
                }
                if (v <= lo * (1 + 1e-9)) {
                    t.clear();
                }
                t.add(v);
            }
        }
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A short label: plain digits ({@code 0.25}, {@code 400}) from 1e-4 to 1e6, else like {@code 1e+07}. */
    public static String label(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e6 || a < 1e-4) {
            return String.format(Locale.ROOT, "%.3g", v).replaceAll("\\.?0+e", "e");
        }
        String s = String.format(Locale.ROOT, "%.6f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
