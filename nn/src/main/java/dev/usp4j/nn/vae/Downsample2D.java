package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Conv2d;
import dev.usp4j.nn.UnaryModule;
import dev.usp4j.tensor.Conv2dSpec;

/**
 * diffusers' {@code Downsample2D} with a convolution and padding 0, as the VAE encoder builds it: zero padding of
 * one column on the right and one row at the bottom (F.pad (0, 1, 0, 1)), then a 3×3 stride-2 {@code conv}, so an
 * H×W map becomes ⌊H/2⌋×⌊W/2⌋. The padding is folded into the convolution's asymmetric {@link Conv2dSpec}, so no
 * padded copy is made.
 */
public final class Downsample2D extends UnaryModule {
    public final Conv2d conv;

    public Downsample2D(int channels) {
        this.conv = registerModule("conv", new Conv2d(channels, channels, 3, 3,
                Conv2dSpec.of(2, 0).withPadding(0, 1, 0, 1), true));
    }

    @Override
    public Tensor forward(Tensor x) {
        return conv.forward(x);
    }
}
