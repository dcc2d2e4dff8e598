package dev.usp4j.usp.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * USP's training-speedup measure (usp-spec §6): the steps a from-scratch run needs to reach its own final FID,
 * divided by the steps a USP-initialised run needs to reach that same FID. Both are read off the evaluated
 * checkpoints: the first point where a curve gets down to the target, linearly interpolated between the checkpoint
 * before it and the one at or below it. A run already at the target at its first checkpoint is credited that
 * checkpoint's step (the speedup is then a lower bound); one that never reaches it has no crossing, and the pair no
 * factor (the USP run was slower than scratch over the whole budget).
 */
public record Speedup(double targetFid, double scratchSteps, double uspSteps, boolean lowerBound) {

    /** The factor, NaN when the USP run never reached the target. */
    public double factor() {
        return reached() ? scratchSteps / uspSteps : Double.NaN;
    }

    public boolean reached() {
        return !Double.isNaN(uspSteps) && !Double.isNaN(scratchSteps);
    }

    /** The speedup of the USP curve over the scratch curve; steps ascending, one FID per step, at least one each. */
    public static Speedup of(long[] scratchSteps, double[] scratchFid, long[] uspSteps, double[] uspFid) {
        check("scratch", scratchSteps, scratchFid);
        return to(scratchFid[scratchFid.length - 1], scratchSteps, scratchFid, uspSteps, uspFid);
    }

    /**
     * The same measure for another target FID (the scratch run's first crossing of it over the USP run's): how much
     * sooner USP gets to a looser FID shows whether the initialisation helps early in training. NaN steps on the
     * scratch side (it never got there) make the factor NaN too.
     */
    public static Speedup to(double target, long[] scratchSteps, double[] scratchFid, long[] uspSteps,
                             double[] uspFid) {
        check("scratch", scratchSteps, scratchFid);
        check("USP", uspSteps, uspFid);
        double s = crossing(scratchSteps, scratchFid, target);
        double u = crossing(uspSteps, uspFid, target);
        boolean bound = !Double.isNaN(u) && u == uspSteps[0];
        return new Speedup(target, s, u, bound);
    }

    /** The first (interpolated) step at which the curve is at or below {@code target}; NaN if it never is. */
    static double crossing(long[] steps, double[] fid, double target) {
        if (fid[0] <= target) {
            return steps[0];
        }
        for (int i = 1; i < fid.length; i++) {
            if (fid[i] <= target) {
                double t = (fid[i - 1] - target) / (fid[i - 1] - fid[i]);
                return steps[i - 1] + t * (steps[i] - steps[i - 1]);
            }
        }
        return Double.NaN;
    }

    private static void check(String what, long[] steps, double[] fid) {
        if (steps.length == 0 || steps.length != fid.length) {
            throw new IllegalArgumentException("Speedup: the " + what + " curve needs one FID per step and at least"
                    + " one point, got " + steps.length + " steps and " + fid.length + " FIDs");
        }
        for (int i = 0; i < steps.length; i++) {
            if (i > 0 && steps[i] <= steps[i - 1] || !Double.isFinite(fid[i])) {
                throw new IllegalArgumentException("Speedup: the " + what + " curve must have ascending steps and"
                        + " finite FIDs, got step " + steps[i] + " FID " + fid[i] + " at point " + i);
            }
        }
    }

    /** Mean, min and max of the factors of the pairs that reached the target, and how many did of how many. */
    public record Summary(double mean, double min, double max, int reached, int pairs) {
        public static Summary of(List<Speedup> runs) {
            List<Double> f = new ArrayList<>();
            for (Speedup r : runs) {
                if (r.reached()) {
                    f.add(r.factor());
                }
            }
            double mean = f.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double min = f.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
            double max = f.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            return new Summary(mean, min, max, f.size(), runs.size());
        }
    }
}
