package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.UnaryModule;

/**
 * One resolution level of the VAE encoder, diffusers' {@code DownEncoderBlock2D}: {@code resnets} (the first maps
 * the incoming width to this level's, with a 1×1 shortcut when they differ) and, on every level but the deepest,
 * {@code downsamplers.0} (a stride-2 {@link Downsample2D}).
 */
public final class DownEncoderBlock2D extends UnaryModule {
    public final ModuleList<ResnetBlock2D> resnets;
    /** Empty on the deepest level. */
    public final ModuleList<Downsample2D> downsamplers;

    public DownEncoderBlock2D(int inChannels, int outChannels, int numLayers, int groups, String actFn,
                              boolean addDownsample) {
        this.resnets = registerModule("resnets", new ModuleList<>());
        for (int i = 0; i < numLayers; i++) {
            resnets.add(new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, groups, actFn));
        }
        this.downsamplers = addDownsample ? registerModule("downsamplers", new ModuleList<>(
                new Downsample2D(outChannels))) : new ModuleList<>();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (ResnetBlock2D r : resnets) {
            h = r.forward(h);
        }
        for (Downsample2D d : downsamplers) {
            h = d.forward(h);
        }
        return h;
    }
}
