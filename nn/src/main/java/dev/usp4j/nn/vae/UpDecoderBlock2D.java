package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.UnaryModule;

/**
 * One resolution level of the VAE decoder, diffusers' {@code UpDecoderBlock2D}: {@code resnets} (layers_per_block
 * + 1 of them; the first maps the incoming width to this level's) and, on every level but the last (shallowest),
 * {@code upsamplers.0} (a nearest ×2 {@link Upsample2D}).
 */
public final class UpDecoderBlock2D extends UnaryModule {
    public final ModuleList<ResnetBlock2D> resnets;
    /** Empty on the last level. */
    public final ModuleList<Upsample2D> upsamplers;

    public UpDecoderBlock2D(int inChannels, int outChannels, int numLayers, int groups, String actFn,
                            boolean addUpsample) {
        this.resnets = registerModule("resnets", new ModuleList<>());
        for (int i = 0; i < numLayers; i++) {
            resnets.add(new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, groups, actFn));
        }
        this.upsamplers = addUpsample ? registerModule("upsamplers", new ModuleList<>(new Upsample2D(outChannels)))
                : new ModuleList<>();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (ResnetBlock2D r : resnets) {
            h = r.forward(h);
        }
        for (Upsample2D u : upsamplers) {
            h = u.forward(h);
        }
        return h;
    }
}
