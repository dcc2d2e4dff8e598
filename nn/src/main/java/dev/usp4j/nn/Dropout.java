package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;

/**
 * Dropout (nn.Dropout): in training mode each element is zeroed with probability p and the survivors are scaled by
 * 1/(1 − p), with the mask drawn from the default generator ({@link NnFunctional#dropout}); in eval mode, and for
 * p = 0, the input passes through unchanged.
 */
public final class Dropout extends UnaryModule {
    private final double p;

    public Dropout(double p) {
        NnFunctional.checkDropout(p);
        this.p = p;
    }

    public double p() {
        return p;
    }

    @Override
    public Tensor forward(Tensor x) {
        return NnFunctional.dropout(x, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + PyRepr.of(p) + ", inplace=False";
    }
}
