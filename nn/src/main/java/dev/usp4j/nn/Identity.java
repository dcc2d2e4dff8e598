package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;

/** Returns its input (nn.Identity): a placeholder where a layer is optional, e.g. no final norm. */
public final class Identity extends UnaryModule {
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }
}
