package dev.usp4j.nn.optim;

/**
 * A learning-rate schedule: the lr at a position (a step, or a fractional epoch for MAE's per-iteration schedule),
 * set on every param group of an optimiser, each of which then steps with lr · its lrScale (MAE's
 * {@code param_group["lr"] = lr * param_group["lr_scale"]}).
 */
public interface LrSchedule {
    /** The learning rate at {@code position}. */
    double lr(double position);

    /** Sets the lr at {@code position} on every group of {@code optimizer}; returns it. */
    default double apply(Optimizer optimizer, double position) {
        double lr = lr(position);
        for (ParamGroup g : optimizer.paramGroups()) {
            g.setLr(lr);
        }
        return lr;
    }
}
