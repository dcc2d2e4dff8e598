package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;

/**
 * What a {@link Backward} rule receives: the gradient of each output (an output nothing flowed into gets a zero
 * array of its shape, so rules never test for null) and which inputs need a gradient (rules skip the others, which
 * matters for the expensive ones: a frozen weight's gradient in matmul or conv is never computed).
 */
public final class BackwardContext {
    private final NDArray[] gradOutputs;
    private final boolean[] needs;

    BackwardContext(NDArray[] gradOutputs, boolean[] needs) {
        this.gradOutputs = gradOutputs;
        this.needs = needs;
    }

    /** The gradient of the only (or first) output. */
    public NDArray g() {
        return gradOutputs[0];
    }

    /** The gradient of output {@code i}. */
    public NDArray g(int i) {
        return gradOutputs[i];
    }

    /** True when input {@code i} needs a gradient. */
    public boolean needs(int i) {
        return needs[i];
    }
}
