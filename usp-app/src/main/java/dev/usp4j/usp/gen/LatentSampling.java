package dev.usp4j.usp.gen;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.FloatImages;
import dev.usp4j.data.Image;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.sampling.ModelFns;
import dev.usp4j.diffusion.sampling.Sampler;
import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.Models;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Class-conditional generation from a trained (EMA) DiT or SiT, as DiT's and SiT's sample scripts do it: labels
 * given or uniform from a seed, latents drawn in batches by any {@link Sampler} (DDPM/DDIM for DiT, ODE/SDE for SiT)
 * with classifier-free guidance at {@code cfgScale} (1 = none, USP's headline setting), then decoded by an
 * {@link AutoencoderKL} as decode(z / scale) and turned into 8-bit images by {@link FloatImages#fromSymmetric}.
 * Batch b draws all its noise from a generator seeded from (seed, b), so a seed reproduces the samples exactly for a
 * given batch size.
 *
 * <p>Sampling runs where the model's weights are and decoding where the VAE's are (each moved with
 * {@code Module.to} beforehand, as in PyTorch): labels and noise are made on the model's device (the same Philox
 * numbers as on the CPU), every sampler step stays there, and only finished latents and decoded images come back to
 * the host, once per batch.
 */
public final class LatentSampling {
    private final DiT model;
    private final Sampler sampler;
    private final double cfgScale;
    private final int batchSize;

    /** {@code model} should be the EMA network (see {@link GenerativeTrainer#emaModel()}); it is put in eval mode. */
    public LatentSampling(DiT model, Sampler sampler, double cfgScale, int batchSize) {
        this.model = Objects.requireNonNull(model, "model");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        if (!(cfgScale >= 1) || !Double.isFinite(cfgScale)) {
            throw new IllegalArgumentException("LatentSampling: cfg scale must be finite and >= 1 (1 = no guidance),"
                    + " got " + cfgScale);
        }
        if (cfgScale != 1 && model.config().classDropoutProb() <= 0) {
            throw new IllegalArgumentException("LatentSampling: guidance (cfg " + cfgScale + ") needs the null class,"
                    + " which a model trained with class_dropout_prob 0 lacks");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("LatentSampling: batch size must be positive, got " + batchSize);
        }
        this.cfgScale = cfgScale;
        this.batchSize = batchSize;
        model.eval();
    }

    /** {@code n} labels uniform in [0, classes), as sample_ddp.py's randint, from {@code seed}. */
    public static long[] uniformLabels(int n, int classes, long seed) {
        if (n < 0 || classes <= 0) {
            throw new IllegalArgumentException("LatentSampling.uniformLabels: need n >= 0 and classes > 0, got n = "
                    + n + ", classes = " + classes);
        }
        return n == 0 ? new long[0] : NDArray.randint(new Generator(seed), 0, classes, n).toLongArray();
    }

    /**
     * Latents [n, C, H, W] on the host for the given labels; {@code progress} hears the number of latents done after
     * each batch.
     */
    public NDArray latents(long[] labels, long seed, IntConsumer progress) {
        DiTConfig c = model.config();
        checkLabels(labels);
        List<NDArray> parts = new ArrayList<>();
        for (int start = 0, b = 0; start < labels.length; start += batchSize, b++) {
            parts.add(batch(labels, start, b, seed).to(Device.CPU));
            if (progress != null) {
                progress.accept(Math.min(start + batchSize, labels.length));
            }
        }
        if (parts.isEmpty()) {
            return NDArray.zeros(0, c.inChannels(), c.inputSize(), c.inputSize());
        }
        return parts.size() == 1 ? parts.get(0) : NDArray.cat(parts, 0);
    }

    private void checkLabels(long[] labels) {
        int classes = model.config().numClasses();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("LatentSampling: label " + labels[i] + " at " + i
                        + " is outside the model's " + classes + " classes");
            }
        }
    }

    /** Batch {@code b} (labels from {@code start}): start noise and every later draw from the generator of (seed, b). */
    private NDArray batch(long[] labels, int start, int b, long seed) {
        DiTConfig c = model.config();
        int n = Math.min(batchSize, labels.length - start);
        Device device = Models.deviceOf(model);
        NDArray y = NDArray.of(java.util.Arrays.copyOfRange(labels, start, start + n), n).to(device);
        Generator gen = new Generator(GenerativeCheckpoints.mix(seed, 4, b));
        NDArray noise = NDArray.randn(gen, device, n, c.inChannels(), c.inputSize(), c.inputSize());
        return sampler.sample(ModelFns.guided(model, y, cfgScale), noise, gen, StepListener.NONE);
    }

    /**
     * Images [N, C, H, W] in about [−1, 1] on the host from scaled latents (on any device): vae.decode(z / scale),
     * without gradients, on the VAE's device.
     */
    public static NDArray decode(AutoencoderKL vae, NDArray latents, double scale, int batchSize) {
        if (!(scale > 0) || batchSize <= 0) {
            throw new IllegalArgumentException("LatentSampling.decode: scale and batch size must be positive, got "
                    + scale + " and " + batchSize);
        }
        vae.eval();
        Device device = Models.deviceOf(vae);
        List<NDArray> out = new ArrayList<>();
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int start = 0; start < latents.size(0); start += batchSize) {
                int n = Math.min(batchSize, latents.size(0) - start);
                Tensor z = Tensor.of(latents.narrow(0, start, n).to(device).div(scale));
                out.add(vae.decode(z).data().to(Device.CPU));
            }
        }
        return out.size() == 1 ? out.get(0) : NDArray.cat(out, 0);
    }

    /**
     * The whole path: latents for {@code labels} from {@code seed}, decoded by {@code vae} with latent scale
     * {@code scale} (the cache's scale factor), as 8-bit images in label order.
     */
    public List<Image> images(long[] labels, long seed, AutoencoderKL vae, double scale, IntConsumer progress) {
        checkLabels(labels);
        List<Image> images = new ArrayList<>(labels.length);
        // Batch by batch, so that 50K samples never sit in memory as float latents at once.
        for (int start = 0, b = 0; start < labels.length; start += batchSize, b++) {
            NDArray z = batch(labels, start, b, seed);
            images.addAll(FloatImages.fromSymmetric(decode(vae, z, scale, batchSize)));
            if (progress != null) {
                progress.accept(Math.min(start + batchSize, labels.length));
            }
        }
        return images;
    }
}
