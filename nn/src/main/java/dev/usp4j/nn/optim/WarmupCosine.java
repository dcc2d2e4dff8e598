package dev.usp4j.nn.optim;

/**
 * Linear warmup then half-cycle cosine decay, as MAE's {@code util/lr_sched.adjust_learning_rate}: lr·t/warmup
 * while t &lt; warmup, then minLr + (lr − minLr)·0.5·(1 + cos(π·(t − warmup)/(total − warmup))), and minLr from
 * total on. The position t is in whatever unit warmup and total are: MAE updates it every iteration with the
 * fractional epoch {@link #epochPosition} (warmup 40 epochs of 800 for pre-training, 5 of 50 for fine-tuning); the
 * step-based variant gives warmup and total in optimiser steps and passes the step number.
 */
public final class WarmupCosine implements LrSchedule {
    private final double lr;
    private final double minLr;
    private final double warmup;
    private final double total;

    /** Peak {@code lr} reached at {@code warmup}, decaying to {@code minLr} at {@code total}. */
    public WarmupCosine(double lr, double minLr, double warmup, double total) {
        if (!(lr >= 0) || !(minLr >= 0) || Double.isInfinite(lr) || Double.isInfinite(minLr)) {
            throw new IllegalArgumentException("WarmupCosine: lr and min_lr must be finite and >= 0, got " + lr
                    + " and " + minLr);
        }
        if (!(warmup >= 0) || !(total > 0) || warmup > total || Double.isInfinite(total)) {
            throw new IllegalArgumentException("WarmupCosine: need 0 <= warmup <= total and total > 0 (finite), got"
                    + " warmup " + warmup + ", total " + total);
        }
        this.lr = lr;
        this.minLr = minLr;
        this.warmup = warmup;
        this.total = total;
    }

    /** The step-based variant: linear warmup over {@code warmupSteps}, cosine to {@code minLr} at totalSteps. */
    public static WarmupCosine steps(double lr, double minLr, long warmupSteps, long totalSteps) {
        return new WarmupCosine(lr, minLr, warmupSteps, totalSteps);
    }

    /**
     * MAE's fractional epoch {@code data_iter_step / len(data_loader) + epoch}, computed in that order so that the
     * schedule's values equal the Python ones bit for bit.
     */
    public static double epochPosition(int epoch, int iteration, int itersPerEpoch) {
        if (itersPerEpoch <= 0 || iteration < 0 || iteration >= itersPerEpoch || epoch < 0) {
            throw new IllegalArgumentException("epochPosition: need epoch >= 0 and 0 <= iteration < itersPerEpoch,"
                    + " got epoch " + epoch + ", iteration " + iteration + ", itersPerEpoch " + itersPerEpoch);
        }
        return (double) iteration / itersPerEpoch + epoch;
    }

    @Override
    public double lr(double t) {
        if (Double.isNaN(t) || t < 0) {
            throw new IllegalArgumentException("WarmupCosine: position must be >= 0, got " + t);
        }
        if (t < warmup) {
            return lr * t / warmup;
        }
        if (t >= total) {
            return minLr;
        }
        return minLr + (lr - minLr) * 0.5 * (1.0 + StrictMath.cos(Math.PI * (t - warmup) / (total - warmup)));
    }

    /** Sets the lr at MAE's iteration {@code iteration} of {@code epoch} on every group; returns it. */
    public double apply(Optimizer optimizer, int epoch, int iteration, int itersPerEpoch) {
        return apply(optimizer, epochPosition(epoch, iteration, itersPerEpoch));
    }

    public double peakLr() {
        return lr;
    }

    public double minLr() {
        return minLr;
    }

    public double warmup() {
        return warmup;
    }

    public double total() {
        return total;
    }
}
