package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Conv2d;
import dev.usp4j.nn.GroupNorm;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.SiLU;
import dev.usp4j.nn.UnaryModule;
import java.util.List;

/**
 * The VAE encoder, diffusers' {@code Encoder} with double_z: {@code conv_in} (3×3, image channels → the first
 * width), one {@link DownEncoderBlock2D} per level in {@code down_blocks} (each but the deepest halving H and W),
 * {@code mid_block} ({@link UNetMidBlock2D}), then {@code conv_norm_out} (GroupNorm, eps 1e-6), {@code conv_act}
 * (always SiLU) and {@code conv_out} (3×3 → 2·latent channels: the posterior's mean and log-variance, before
 * {@code quant_conv}). For the SD config a [N, 3, 256, 256] image gives [N, 8, 32, 32].
 */
public final class Encoder extends UnaryModule {
    public final Conv2d convIn;
    public final ModuleList<DownEncoderBlock2D> downBlocks;
    public final UNetMidBlock2D midBlock;
    public final GroupNorm convNormOut;
    public final SiLU convAct;
    public final Conv2d convOut;

    public Encoder(VaeConfig c) {
        List<Integer> widths = c.blockOutChannels();
        int groups = c.normNumGroups();
        this.convIn = registerModule("conv_in", new Conv2d(c.inChannels(), widths.get(0), 3, 1, 1));
        this.downBlocks = registerModule("down_blocks", new ModuleList<>());
        int prev = widths.get(0);
        for (int i = 0; i < widths.size(); i++) {
            downBlocks.add(new DownEncoderBlock2D(prev, widths.get(i), c.layersPerBlock(), groups, c.actFn(),
                    i < widths.size() - 1));
            prev = widths.get(i);
        }
        this.midBlock = registerModule("mid_block", new UNetMidBlock2D(prev, groups, c.actFn(),
                c.midBlockAddAttention()));
        this.convNormOut = registerModule("conv_norm_out", new GroupNorm(groups, prev, AutoencoderKL.NORM_EPS, true));
        // Kept in the module tree (diffusers' names); the forward fuses it into conv_norm_out (GroupNorm.forwardSilu).
        this.convAct = registerModule("conv_act", new SiLU());
        this.convOut = registerModule("conv_out", new Conv2d(prev, 2 * c.latentChannels(), 3, 1, 1));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = convIn.forward(x);
        for (DownEncoderBlock2D b : downBlocks) {
            h = b.forward(h);
        }
        h = midBlock.forward(h);
        return convOut.forward(convNormOut.forwardSilu(h));
    }
}
