package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;

/**
 * max(x, 0) (nn.ReLU) as a module, for {@link Sequential} and timm-style {@code act_layer} arguments.
 */
public final class ReLU extends UnaryModule {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
