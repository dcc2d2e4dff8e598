package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;

/**
 * tanh(x) (nn.Tanh) as a module, for {@link Sequential} and timm-style {@code act_layer} arguments.
 */
public final class Tanh extends UnaryModule {
    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }
}
