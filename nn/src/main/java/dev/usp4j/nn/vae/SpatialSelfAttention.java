package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Dropout;
import dev.usp4j.nn.GroupNorm;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.NnFunctional;
import dev.usp4j.nn.UnaryModule;
import java.util.Arrays;

/**
 * The single-head self-attention over the H·W positions of a feature map that sits in the VAE's mid-blocks:
 * diffusers' {@code Attention} built with heads = 1, dim_head = C, a GroupNorm and biased projections. For x
 * [B, C, H, W]: t = GroupNorm(x) as [B, H·W, C]; q, k, v = to_q(t), to_k(t), to_v(t);
 * o = softmax(q·kᵀ·C^−½)·v through the fused attention op; out = to_out.0(o) back to [B, C, H, W] plus x.
 * Names are current diffusers' ({@code group_norm}, {@code to_q}, {@code to_k}, {@code to_v}, {@code to_out.0},
 * with {@code to_out.1} a parameterless dropout); {@link DiffusersVaeKeys} maps the legacy names (query, key,
 * value, proj_attn) and LDM's 1×1-convolution weights onto them.
 */
public final class SpatialSelfAttention extends UnaryModule {
    public final GroupNorm groupNorm;
    public final Linear toQ;
    public final Linear toK;
    public final Linear toV;
    public final ModuleList<UnaryModule> toOut;
    private final Linear outProj;
    private final int channels;
    private final double scale;

    public SpatialSelfAttention(int channels, int groups) {
        this.channels = channels;
        this.scale = 1 / Math.sqrt(channels);
        this.groupNorm = registerModule("group_norm", new GroupNorm(groups, channels, AutoencoderKL.NORM_EPS, true));
        this.toQ = registerModule("to_q", new Linear(channels, channels));
        this.toK = registerModule("to_k", new Linear(channels, channels));
        this.toV = registerModule("to_v", new Linear(channels, channels));
        this.outProj = new Linear(channels, channels);
        this.toOut = registerModule("to_out", new ModuleList<UnaryModule>(outProj, new Dropout(0.0)));
    }

    public int channels() {
        return channels;
    }

    public double scale() {
        return scale;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4 || x.size(1) != channels) {
            throw new IllegalArgumentException("SpatialSelfAttention(" + channels + "): expects [B, " + channels
                    + ", H, W], got " + Arrays.toString(x.shape()));
        }
        int b = x.size(0);
        int h = x.size(2);
        int w = x.size(3);
        Tensor t = groupNorm.forward(x).reshape(b, channels, h * w).transpose(1, 2);
        Tensor o = NnFunctional.scaledDotProductAttention(toQ.forward(t), toK.forward(t), toV.forward(t), scale);
        o = toOut.get(1).forward(outProj.forward(o));
        return o.transpose(1, 2).reshape(b, channels, h, w).add(x);
    }
}
