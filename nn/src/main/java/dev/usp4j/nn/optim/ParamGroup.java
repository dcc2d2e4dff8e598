package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import java.util.List;

/**
 * A set of parameters sharing hyper-parameters, as a param group of torch.optim: its own learning rate and weight
 * decay, and a learning-rate scale (layer-wise decay multiplies a group's lr by it, as MAE's param_groups_lrd).
 * Schedules set {@code lr} every step; the optimiser reads {@code lr · lrScale}.
 */
public final class ParamGroup {
    private final String name;
    private final List<Tensor> params;
    private double lr;
    private double weightDecay;
    private final double lrScale;

    public ParamGroup(String name, List<Tensor> params, double lr, double weightDecay, double lrScale) {
        this.name = name;
        this.params = List.copyOf(params);
        this.lr = check("lr", lr);
        this.weightDecay = check("weight_decay", weightDecay);
        this.lrScale = check("lr_scale", lrScale);
    }

    private double check(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("param group '" + name + "': " + what + " must be finite and >= 0, got "
                    + v);
        }
        return v;
    }

    public ParamGroup(List<Tensor> params, double lr, double weightDecay) {
        this("default", params, lr, weightDecay, 1.0);
    }

    public String name() {
        return name;
    }

    public List<Tensor> params() {
        return params;
    }

    public double lr() {
        return lr;
    }

    public void setLr(double lr) {
        this.lr = check("lr", lr);
    }

    public double weightDecay() {
        return weightDecay;
    }

    public void setWeightDecay(double weightDecay) {
        this.weightDecay = check("weight_decay", weightDecay);
    }

    public double lrScale() {
        return lrScale;
    }

    /** The learning rate this group steps with: lr · lrScale. */
    public double effectiveLr() {
        return lr * lrScale;
    }
}
