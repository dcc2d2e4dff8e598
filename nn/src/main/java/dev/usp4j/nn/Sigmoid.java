package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;

/**
 * 1/(1 + exp(−x)) (nn.Sigmoid) as a module, for {@link Sequential} and timm-style {@code act_layer}
 * arguments.
 */
public final class Sigmoid extends UnaryModule {
    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }
}
