package dev.usp4j.usp.pretrain;

import dev.usp4j.nn.ConfigArgs;
import dev.usp4j.nn.optim.WarmupCosine;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long a run is and how long its linear warmup lasts, in optimiser steps or in epochs, for MAE's per-iteration
 * warmup + half-cycle cosine schedule ({@link WarmupCosine}). With epochs the schedule's position at step s is MAE's
 * fractional epoch {@code (s mod I)/I + ⌊s/I⌋} for I iterations per epoch (bit for bit as the Python scripts compute
 * it), so the lr is updated every iteration, not once per epoch; with steps it is s itself.
 */
public record LrPlan(double warmup, double total, Unit unit) {
    /** The unit of {@link #warmup} and {@link #total}. */
    public enum Unit {
        STEPS,
        EPOCHS
    }

    public LrPlan {
        if (unit == null) {
            throw new IllegalArgumentException("LrPlan: unit must be STEPS or EPOCHS");
        }
        if (!(total > 0) || Double.isInfinite(total) || !(warmup >= 0) || warmup > total) {
            throw new IllegalArgumentException("LrPlan: need 0 <= warmup <= total and a finite total > 0, got warmup "
                    + warmup + ", total " + total + " " + unit.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (unit == Unit.STEPS && (warmup != Math.rint(warmup) || total != Math.rint(total))) {
            throw new IllegalArgumentException("LrPlan: warmup and total steps must be whole numbers, got " + warmup
                    + " and " + total);
        }
    }

    /** A plan in epochs, e.g. USP's pretraining {@code epochs(40, 800)}. */
    public static LrPlan epochs(double warmupEpochs, double totalEpochs) {
        return new LrPlan(warmupEpochs, totalEpochs, Unit.EPOCHS);
    }

    /** A plan in optimiser steps. */
    public static LrPlan steps(long warmupSteps, long totalSteps) {
        return new LrPlan(warmupSteps, totalSteps, Unit.STEPS);
    }

    /** The steps of the whole run: total, or ⌈total · itersPerEpoch⌉ for epochs. */
    public long totalSteps(int itersPerEpoch) {
        return unit == Unit.STEPS ? (long) total : (long) Math.ceil(total * itersPerEpoch);
    }

    /** The schedule's position before step {@code step} (0-based). */
    public double position(long step, int itersPerEpoch) {
        if (unit == Unit.STEPS) {
            return step;
        }
        return WarmupCosine.epochPosition(Math.toIntExact(step / itersPerEpoch), (int) (step % itersPerEpoch),
                itersPerEpoch);
    }

    /** The warmup + cosine schedule from 0 to {@code lr} and down to {@code minLr}, in this plan's unit. */
    public WarmupCosine schedule(double lr, double minLr) {
        return new WarmupCosine(lr, minLr, warmup, total);
    }

    /** {@code epochs}/{@code warmup_epochs} or {@code steps}/{@code warmup_steps}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (unit == Unit.STEPS) {
            m.put("steps", (long) total);
            m.put("warmup_steps", (long) warmup);
        } else {
            m.put("epochs", total);
            m.put("warmup_epochs", warmup);
        }
        return m;
    }

    /**
     * The plan given by {@code steps}/{@code warmup_steps} or {@code epochs}/{@code warmup_epochs} (not both
     * kinds); a missing warmup is 0 for a new unit and the fallback's for the same unit.
     */
    static LrPlan fromArgs(ConfigArgs a, LrPlan fallback) {
        boolean steps = a.has("steps") || a.has("warmup_steps");
        boolean epochs = a.has("epochs") || a.has("warmup_epochs");
        if (steps && epochs) {
            throw new IllegalArgumentException("LrPlan: give the schedule in steps or in epochs, not both");
        }
        if (!steps && !epochs) {
            return fallback;
        }
        Unit u = steps ? Unit.STEPS : Unit.EPOCHS;
        String key = steps ? "steps" : "epochs";
        double total = a.doubleArg(key, fallback.unit == u ? fallback.total : Double.NaN);
        if (Double.isNaN(total)) {
            throw new IllegalArgumentException("LrPlan: warmup_" + key + " given without " + key);
        }
        double warmup = a.doubleArg("warmup_" + key, fallback.unit == u ? Math.min(fallback.warmup, total) : 0);
        return new LrPlan(warmup, total, u);
    }
}
