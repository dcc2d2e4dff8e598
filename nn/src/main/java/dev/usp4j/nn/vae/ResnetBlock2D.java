package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Conv2d;
import dev.usp4j.nn.Dropout;
import dev.usp4j.nn.GroupNorm;
import dev.usp4j.nn.SiLU;
import dev.usp4j.nn.UnaryModule;

/**
 * diffusers' {@code ResnetBlock2D} as the VAE uses it (no time embedding, output scale 1): h = conv2(drop(act(
 * norm2(conv1(act(norm1(x))))))) and out = shortcut(x) + h, where the shortcut is the identity, or a 1×1
 * {@code conv_shortcut} when the channel count changes. GroupNorms have eps 1e-6, convolutions are 3×3 with
 * padding 1. Module names (norm1, conv1, norm2, dropout, conv2, nonlinearity, conv_shortcut) are diffusers'.
 */
public final class ResnetBlock2D extends UnaryModule {
    public final GroupNorm norm1;
    public final Conv2d conv1;
    public final GroupNorm norm2;
    public final Dropout dropout;
    public final Conv2d conv2;
    public final UnaryModule nonlinearity;
    /** Null when in and out channels agree. */
    public final Conv2d convShortcut;
    private final int in;
    private final int out;

    /** SiLU, 1e-6 GroupNorm eps. */
    public ResnetBlock2D(int inChannels, int outChannels, int groups) {
        this(inChannels, outChannels, groups, "silu");
    }

    public ResnetBlock2D(int inChannels, int outChannels, int groups, String actFn) {
        this.in = inChannels;
        this.out = outChannels;
        this.norm1 = registerModule("norm1", new GroupNorm(groups, inChannels, AutoencoderKL.NORM_EPS, true));
        this.conv1 = registerModule("conv1", new Conv2d(inChannels, outChannels, 3, 1, 1));
        this.norm2 = registerModule("norm2", new GroupNorm(groups, outChannels, AutoencoderKL.NORM_EPS, true));
        this.dropout = registerModule("dropout", new Dropout(0.0));
        this.conv2 = registerModule("conv2", new Conv2d(outChannels, outChannels, 3, 1, 1));
        this.nonlinearity = registerModule("nonlinearity", Activations.create(actFn));
        this.convShortcut = inChannels == outChannels ? null
                : registerModule("conv_shortcut", new Conv2d(inChannels, outChannels, 1));
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    /** act(norm(x)), as one fused op when the activation is SiLU. */
    private Tensor normAct(GroupNorm norm, Tensor x) {
        return nonlinearity instanceof SiLU ? norm.forwardSilu(x) : nonlinearity.forward(norm.forward(x));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = conv1.forward(normAct(norm1, x));
        h = conv2.forward(dropout.forward(normAct(norm2, h)));
        Tensor skip = convShortcut == null ? x : convShortcut.forward(x);
        return skip.add(h);
    }
}
