package dev.usp4j.usp;

import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.model.DiTConfigs;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.nn.vit.MaeConfigs;
import dev.usp4j.tensor.Device;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The models the USP stages build around a latent cache: a named MAE or DiT/SiT size fitted to the cache's latent
 * shape (channels and side) and class count, and the VAE folder a run wrote. Shared by the subcommands and the
 * pipeline, so both build exactly the same networks.
 */
public final class Models {
    private Models() {
    }

    /**
     * Where {@code model} computes: the device of its first parameter (a module is moved as a whole, so the rest
     * follow). Inputs are moved there and results brought back from there.
     */
    public static Device deviceOf(Module model) {
        return model.parameters().get(0).data().device();
    }

    /** The VAE in {@code dir} (a model folder); anything else there is an error naming it. */
    public static AutoencoderKL loadVae(Path dir) throws IOException {
        Module m = ModelRegistry.fromPretrained(dir);
        if (!(m instanceof AutoencoderKL vae)) {
            throw new IllegalArgumentException(dir + " holds a " + m.getClass().getSimpleName()
                    + ", not an AutoencoderKL");
        }
        return vae;
    }

    /** The named MAE size (e.g. "MAE-ViT-T/2") on latents [C, side, side]. */
    public static MaeConfig mae(String name, int[] latentShape) {
        return mae(name, latentShape, MaeConfigs.named(name, latentShape[1]).patchSize());
    }

    /**
     * The named MAE size on inputs [C, side, side] with patches of {@code patchSize} instead of the name's: the
     * pixel-space MAE of the reproduction study keeps the latent model's token count on 4× larger images.
     */
    public static MaeConfig mae(String name, int[] shape, int patchSize) {
        MaeConfig n = MaeConfigs.named(name, shape[1]);
        return new MaeConfig(shape[1], patchSize, shape[0], n.embedDim(), n.depth(), n.numHeads(),
                n.decoderEmbedDim(), n.decoderDepth(), n.decoderNumHeads(), n.mlpRatio(), n.normPixLoss(),
                n.maskRatio());
    }

    /**
     * A fresh DiT or SiT of {@code size} (e.g. "S/2") on latents [C, side, side] with {@code classes} classes; the
     * affine "-VAE-simple" blocks when it is to receive USP weights.
     */
    public static DiT generative(boolean sit, String size, boolean usp, int[] latentShape, int classes) {
        String name = (sit ? "SiT-" : "DiT-") + size + (usp ? "-VAE-simple" : "");
        if (!DiTConfigs.isKnown(name)) {
            throw new IllegalArgumentException("unknown model size '" + size + "' (e.g. N/2, Ti/2, S/2, B/2, XL/2)");
        }
        DiTConfig b = DiTConfigs.named(name);
        DiTConfig cfg = new DiTConfig(latentShape[1], b.patchSize(), latentShape[0], b.hiddenSize(), b.depth(),
                b.numHeads(), b.mlpRatio(), b.classDropoutProb(), classes, b.learnSigma(), b.affineNorm());
        return sit ? new SiT(cfg) : new DiT(cfg);
    }
}
