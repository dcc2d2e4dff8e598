package dev.usp4j.diffusion.transport;

import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;

/**
 * A network seen by the integrators: evaluated at a scalar time shared by the whole batch, turned into the drift,
 * score or SDE drift of a transport, and counted, so samplers can report network evaluations.
 */
final class CountedDrift {
    private final Transport transport;
    private final ModelFn model;
    private long evaluations;

    CountedDrift(Transport transport, ModelFn model) {
        this.transport = transport;
        this.model = model;
    }

    long evaluations() {
        return evaluations;
    }

    /** The network output at (x, t), t rounded to float32 as the original's time tensors are. */
    NDArray output(NDArray x, NDArray t) {
        evaluations++;
        NDArray out = model.apply(x, t);
        if (out == null || !java.util.Arrays.equals(out.shape(), x.shape())) {
            throw new IllegalStateException("transport sampler: the network must return the state's shape "
                    + java.util.Arrays.toString(x.shape()) + ", got "
                    + (out == null ? "null" : java.util.Arrays.toString(out.shape())));
        }
        return out;
    }

    static NDArray timeArray(NDArray x, double t) {
        return NDArray.full(DType.F32, x.device(), t, x.size(0));
    }

    /** The probability-flow drift (the ODE's right-hand side). */
    NDArray drift(NDArray x, double t) {
        NDArray ts = timeArray(x, t);
        return transport.driftFromOutput(output(x, ts), x, ts);
    }

    /** The score. */
    NDArray score(NDArray x, double t) {
        NDArray ts = timeArray(x, t);
        return transport.scoreFromOutput(output(x, ts), x, ts);
    }

    /**
     * The SDE drift v + w(t)·s from one network evaluation. The original calls the network twice here (once in
     * get_drift, once in get_score) on identical inputs; one call gives the same numbers at half the cost.
     */
    NDArray sdeDrift(NDArray x, double t, DiffusionForm form, double norm) {
        NDArray ts = timeArray(x, t);
        double w = transport.path().diffusion(form, norm, (float) t);
        NDArray out = output(x, ts);
        NDArray drift = transport.driftFromOutput(out, x, ts);
        NDArray score = transport.scoreFromOutput(out, x, ts);
        return drift.add(score.mul((float) w));
    }
}
