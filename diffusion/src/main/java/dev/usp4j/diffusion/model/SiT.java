package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Map;

/**
 * The Scalable Interpolant Transformer of Ma et al. ({@code willisma/SiT} models.py, usp-spec §4.1): DiT's
 * backbone, names, configs and initialisation unchanged, fed a continuous t ∈ [0, 1] straight into the 256-dim
 * sinusoidal embedder (no scaling to 1000; t = 0 is noise, t = 1 data), and with learned sigma the final layer
 * still makes 2C channels but {@code forward} keeps only the first C (the velocity); the rest get no gradient.
 * {@code forwardWithCfg} guides the first 3 of those C channels, as SiT's code does.
 */
public final class SiT extends DiT {

    public SiT(DiTConfig config) {
        super(config);
    }

    public SiT(DiTConfig config, Generator gen) {
        super(config, gen);
    }

    /** A SiT from the original constructor's keyword arguments (see {@link DiTConfig#fromJson}). */
    public static SiT create(Map<String, ?> json) {
        return new SiT(DiTConfig.fromJson(json));
    }

    /** x [N, C, H, W], t [N] in [0, 1], y [N] → the velocity [N, C, H, W]. */
    @Override
    public Tensor forward(Tensor x, NDArray t, NDArray y, NDArray forceDropIds) {
        Tensor out = unpatchify(backbone(x, t, y, forceDropIds));
        return config.learnSigma() ? out.narrow(1, 0, config.inChannels()) : out;
    }
}
