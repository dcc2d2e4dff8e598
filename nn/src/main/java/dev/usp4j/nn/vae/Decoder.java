package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Conv2d;
import dev.usp4j.nn.GroupNorm;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.SiLU;
import dev.usp4j.nn.UnaryModule;
import java.util.List;

/**
 * The VAE decoder, diffusers' {@code Decoder}: {@code conv_in} (3×3, latent channels → the deepest width),
 * {@code mid_block} ({@link UNetMidBlock2D}), {@code up_blocks} ({@link UpDecoderBlock2D}s ordered from the DEEPEST
 * level: up_blocks.0 works at the deepest width, up_blocks.(n−1) at block_out_channels[0]; each has
 * layers_per_block + 1 ResNet blocks, each but the last doubles H and W), then {@code conv_norm_out} (GroupNorm,
 * eps 1e-6), {@code conv_act} (SiLU) and {@code conv_out} (3×3 → image channels). The state dict lists
 * {@code up_blocks} before {@code mid_block}, as diffusers registers them.
 */
public final class Decoder extends UnaryModule {
    public final Conv2d convIn;
    public final ModuleList<UpDecoderBlock2D> upBlocks;
    public final UNetMidBlock2D midBlock;
    public final GroupNorm convNormOut;
    public final SiLU convAct;
    public final Conv2d convOut;

    public Decoder(VaeConfig c) {
        List<Integer> widths = c.blockOutChannels();
        int groups = c.normNumGroups();
        int n = widths.size();
        int deepest = widths.get(n - 1);
        this.convIn = registerModule("conv_in", new Conv2d(c.latentChannels(), deepest, 3, 1, 1));
        this.upBlocks = registerModule("up_blocks", new ModuleList<>());
        this.midBlock = registerModule("mid_block", new UNetMidBlock2D(deepest, groups, c.actFn(),
                c.midBlockAddAttention()));
        int prev = deepest;
        for (int i = 0; i < n; i++) {
            int width = widths.get(n - 1 - i);
            upBlocks.add(new UpDecoderBlock2D(prev, width, c.layersPerBlock() + 1, groups, c.actFn(), i < n - 1));
            prev = width;
        }
        this.convNormOut = registerModule("conv_norm_out", new GroupNorm(groups, prev, AutoencoderKL.NORM_EPS, true));
        // Kept in the module tree (diffusers' names); the forward fuses it into conv_norm_out (GroupNorm.forwardSilu).
        this.convAct = registerModule("conv_act", new SiLU());
        this.convOut = registerModule("conv_out", new Conv2d(prev, c.outChannels(), 3, 1, 1));
    }

    @Override
    public Tensor forward(Tensor z) {
        Tensor h = midBlock.forward(convIn.forward(z));
        for (UpDecoderBlock2D b : upBlocks) {
            h = b.forward(h);
        }
        return convOut.forward(convNormOut.forwardSilu(h));
    }
}
