package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Conv2d;
import dev.usp4j.nn.LoadReport;
import dev.usp4j.nn.UnaryModule;
import dev.usp4j.nn.io.PtFile;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KL-regularised autoencoder of latent diffusion (the SD "KL-f8" VAE; usp-spec §1.2), as diffusers'
 * {@code AutoencoderKL} with its parameter names: {@code encoder} ({@link Encoder}), {@code decoder}
 * ({@link Decoder}), {@code quant_conv} (1×1, 2·latent → 2·latent, applied to the encoder's moments) and
 * {@code post_quant_conv} (1×1, latent → latent, applied before the decoder). {@link #encode} gives the posterior
 * ({@link DiagonalGaussian}); {@link #decode} maps latents back to images; {@link #forward} reconstructs through the
 * posterior's mode. Diffusion models work on scaled latents: {@link #encodeLatents} is USP's
 * (mean − shift)·scaling_factor and {@link #decodeLatents} its inverse. Checkpoints load with
 * {@link #loadDiffusersStateDict}, which accepts current and legacy diffusers names and the LDM layout.
 */
public final class AutoencoderKL extends UnaryModule {
    /** GroupNorm eps everywhere in the VAE. */
    public static final double NORM_EPS = 1e-6;

    public final Encoder encoder;
    public final Decoder decoder;
    /** Null when the config sets use_quant_conv false. */
    public final Conv2d quantConv;
    /** Null when the config sets use_post_quant_conv false. */
    public final Conv2d postQuantConv;
    private final VaeConfig config;

    public AutoencoderKL(VaeConfig config) {
        this.config = config;
        int latent = config.latentChannels();
        this.encoder = registerModule("encoder", new Encoder(config));
        this.decoder = registerModule("decoder", new Decoder(config));
        this.quantConv = config.useQuantConv() ? registerModule("quant_conv", new Conv2d(2 * latent, 2 * latent, 1))
                : null;
        this.postQuantConv = config.usePostQuantConv() ? registerModule("post_quant_conv",
                new Conv2d(latent, latent, 1)) : null;
    }

    /** A model from a diffusers {@code config.json} map (see {@link VaeConfig#fromDiffusers}). */
    public static AutoencoderKL create(Map<String, Object> diffusersConfig) {
        return new AutoencoderKL(VaeConfig.fromDiffusers(diffusersConfig));
    }

    /** A model from a registry name of {@link VaeConfigs} ("VAE-f8", "VAE-f4-small", "VAE-f8-small"). */
    public static AutoencoderKL named(String name) {
        return new AutoencoderKL(VaeConfigs.named(name));
    }

    /**
     * A diffusers model folder ({@code config.json} plus {@code diffusion_pytorch_model.safetensors}, or the
     * pickled {@code diffusion_pytorch_model.bin} read by the allow-listed {@link PtFile}), loaded strictly.
     */
    public static AutoencoderKL fromPretrained(Path dir) throws IOException {
        Path configFile = dir.resolve("config.json");
        AutoencoderKL vae = create(Json.parseObject(Files.readString(configFile, StandardCharsets.UTF_8)));
        Path st = dir.resolve("diffusion_pytorch_model.safetensors");
        Path bin = dir.resolve("diffusion_pytorch_model.bin");
        Map<String, NDArray> weights;
        if (Files.exists(st)) {
            weights = Safetensors.load(st);
        } else if (Files.exists(bin)) {
            weights = PtFile.stateDict(bin);
        } else {
            throw new IOException("AutoencoderKL.fromPretrained: " + dir + " has neither " + st.getFileName()
                    + " nor " + bin.getFileName());
        }
        vae.loadDiffusersStateDict(weights, true);
        return vae;
    }

    public VaeConfig config() {
        return config;
    }

    public double scalingFactor() {
        return config.scalingFactor();
    }

    /** The posterior q(z|x) of images x [N, in_channels, H, W]; latents are [N, latent, H/f, W/f]. */
    public DiagonalGaussian encode(Tensor x) {
        checkInput("encode", x, config.inChannels(), "in_channels");
        Tensor moments = encoder.forward(x);
        return new DiagonalGaussian(quantConv == null ? moments : quantConv.forward(moments));
    }

    /** Images [N, out_channels, h·f, w·f] from (unscaled) latents z [N, latent, h, w]. */
    public Tensor decode(Tensor z) {
        checkInput("decode", z, config.latentChannels(), "latent_channels");
        return decoder.forward(postQuantConv == null ? z : postQuantConv.forward(z));
    }

    /** Reconstruction through the posterior's mode (diffusers' forward with sample_posterior = false). */
    @Override
    public Tensor forward(Tensor x) {
        return decode(encode(x).mode());
    }

    /** Reconstruction through a posterior sample drawn from {@code gen}. */
    public Tensor forward(Tensor x, Generator gen) {
        return decode(encode(x).sample(gen));
    }

    /**
     * The latents a diffusion model or USP's MAE trains on: (posterior mean − shift_factor)·scaling_factor
     * (usp-spec §1.1: the mean, not a sample, times 0.18215). Runs in the caller's grad mode: wrap it in
     * {@code GradMode.noGrad()} for a frozen VAE.
     */
    public Tensor encodeLatents(Tensor x) {
        return scale(encode(x).mean());
    }

    /** Scaled latents of a posterior sample, as DiT/SiT training draws them: (sample − shift)·scaling_factor. */
    public Tensor sampleLatents(Tensor x, Generator gen) {
        return scale(encode(x).sample(gen));
    }

    /** Images from scaled latents: decode(z/scaling_factor + shift_factor). */
    public Tensor decodeLatents(Tensor z) {
        Tensor unscaled = z.div(config.scalingFactor());
        return decode(config.shiftFactor() == 0 ? unscaled : unscaled.add(config.shiftFactor()));
    }

    private Tensor scale(Tensor z) {
        Tensor shifted = config.shiftFactor() == 0 ? z : z.sub(config.shiftFactor());
        return shifted.mul(config.scalingFactor());
    }

    private static void checkInput(String op, Tensor x, int channels, String what) {
        if (x.rank() != 4 || x.size(1) != channels || x.size(2) == 0 || x.size(3) == 0) {
            throw new IllegalArgumentException("AutoencoderKL." + op + ": expects [N, " + channels + ", H, W] ("
                    + what + " = " + channels + ", H and W positive), got " + Arrays.toString(x.shape()));
        }
    }

    /** {@link #loadDiffusersStateDict(Map, boolean)} with strict = true. */
    public LoadReport loadDiffusersStateDict(Map<String, NDArray> checkpoint) {
        return loadDiffusersStateDict(checkpoint, true);
    }

    /**
     * Loads a diffusers (current or legacy names) or LDM-layout VAE state dict: keys are renamed by
     * {@link DiffusersVaeKeys}, 1×1-convolution attention weights squeezed to Linear matrices, and then every
     * tensor is checked. Each problem names the model's tensor, the checkpoint key it came from when that differs,
     * and for a shape mismatch both shapes. With {@code strict} any problem is an error listing them all and
     * nothing is copied; otherwise the matching tensors are copied and the problems reported.
     */
    public LoadReport loadDiffusersStateDict(Map<String, NDArray> checkpoint, boolean strict) {
        Map<String, String> origin = new LinkedHashMap<>();
        for (String k : checkpoint.keySet()) {
            origin.put(DiffusersVaeKeys.rename(k, config.levels()), k);
        }
        Map<String, NDArray> renamed = DiffusersVaeKeys.toCurrent(checkpoint, config.levels());
        Map<String, NDArray> own = stateDict();
        Map<String, NDArray> usable = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : own.entrySet()) {
            String key = e.getKey();
            NDArray src = renamed.get(key);
            if (src == null) {
                missing.add(key);
                continue;
            }
            NDArray shaped = DiffusersVaeKeys.reshapeLike(src, e.getValue().shape());
            if (!Arrays.equals(shaped.shape(), e.getValue().shape())) {
                String from = origin.get(key).equals(key) ? "" : " (checkpoint key '" + origin.get(key) + "')";
                mismatched.add("'" + key + "'" + from + ": checkpoint shape " + Shape.str(src.shape())
                        + ", model shape " + Shape.str(e.getValue().shape()));
            } else {
                usable.put(key, shaped);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : renamed.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(origin.get(k).equals(k) ? k : origin.get(k) + " (read as " + k + ")");
            }
        }
        LoadReport report = new LoadReport(missing, unexpected, mismatched);
        if (strict && !report.isClean()) {
            throw new IllegalArgumentException("AutoencoderKL.loadDiffusersStateDict(strict) for a "
                    + config.blockOutChannels() + " VAE: " + report);
        }
        loadStateDict(usable, false);
        return report;
    }
}
