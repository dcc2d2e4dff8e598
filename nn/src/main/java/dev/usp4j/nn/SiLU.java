package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;

/**
 * x·sigmoid(x) (nn.SiLU, also called swish), the activation of DiT's conditioning MLPs and of the VAE,
 * as a module for {@link Sequential} and timm-style {@code act_layer} arguments.
 */
public final class SiLU extends UnaryModule {
    @Override
    public Tensor forward(Tensor x) {
        return x.silu();
    }
}
