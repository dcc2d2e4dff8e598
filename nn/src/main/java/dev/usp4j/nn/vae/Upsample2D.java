package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Functional;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Conv2d;
import dev.usp4j.nn.UnaryModule;
import dev.usp4j.tensor.InterpolationMode;

/**
 * diffusers' {@code Upsample2D} with a convolution, as the VAE decoder builds it: nearest-neighbour ×2 upsampling
 * (each pixel repeated 2×2) followed by a 3×3 {@code conv} with padding 1.
 */
public final class Upsample2D extends UnaryModule {
    public final Conv2d conv;

    public Upsample2D(int channels) {
        this.conv = registerModule("conv", new Conv2d(channels, channels, 3, 1, 1));
    }

    @Override
    public Tensor forward(Tensor x) {
        return conv.forward(Functional.interpolate(x, 2.0, 2.0, InterpolationMode.NEAREST, false));
    }
}
