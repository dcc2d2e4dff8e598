package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.UnaryModule;

/**
 * diffusers' {@code UNetMidBlock2D} as the VAE's encoder and decoder use it at the deepest level: resnets.0 →
 * attentions.0 (single-head {@link SpatialSelfAttention}) → resnets.1, all at the same width. With
 * {@code mid_block_add_attention = false} the attention is left out (and has no parameters), as in diffusers.
 */
public final class UNetMidBlock2D extends UnaryModule {
    /** Empty when the config turns the mid-block attention off. */
    public final ModuleList<SpatialSelfAttention> attentions;
    public final ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2D(int channels, int groups, String actFn, boolean addAttention) {
        this.attentions = registerModule("attentions", addAttention
                ? new ModuleList<>(new SpatialSelfAttention(channels, groups)) : new ModuleList<>());
        this.resnets = registerModule("resnets", new ModuleList<>(new ResnetBlock2D(channels, channels, groups, actFn),
                new ResnetBlock2D(channels, channels, groups, actFn)));
    }

    /** SiLU and attention, as in every SD VAE. */
    public UNetMidBlock2D(int channels, int groups) {
        this(channels, groups, "silu", true);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = resnets.get(0).forward(x);
        if (attentions.size() > 0) {
            h = attentions.get(0).forward(h);
        }
        return resnets.get(1).forward(h);
    }
}
