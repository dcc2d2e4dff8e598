package dev.usp4j.usp.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.Batch;
import dev.usp4j.data.DataLoader;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vae.DiagonalGaussian;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.StepArena;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a (small) {@link AutoencoderKL} from scratch, for datasets no published VAE covers (Fashion-MNIST: 1 channel,
 * 32×32). The objective is LDM's autoencoder loss without its perceptual and adversarial terms: per-sample sums of
 * |x − x̂| over the pixels plus {@code klWeight}·KL(q(z|x) ‖ N(0, I)), averaged over the batch, with x̂ decoded from a
 * posterior sample. AdamW at a constant rate. Checkpoints (model, optimiser, noise generator, step) every
 * {@code checkpointEvery} steps go to one file by temp-then-rename, and {@link #train} continues from that file if it
 * exists, so an interrupted run resumes where it stopped and ends with the same weights as an uninterrupted one.
 * {@link #calibrateScale} then gives the scaling factor 1/std of the latents, as SD's 0.18215 was found.
 */
public final class VaeTrainer {
    /** The trainer's settings; LDM's kl_weight 1e-6 and a learning rate suited to small models. */
    public record Config(double lr, double klWeight, long checkpointEvery, long seed) {
        public Config {
            if (!(lr > 0) || !(klWeight >= 0) || checkpointEvery <= 0) {
                throw new IllegalArgumentException("VaeTrainer.Config: lr must be > 0, kl_weight >= 0 and"
                        + " checkpoint_every > 0, got " + lr + ", " + klWeight + ", " + checkpointEvery);
            }
        }

        public static Config defaults() {
            return new Config(1e-3, 1e-6, 500, 0);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lr", lr);
            m.put("kl_weight", klWeight);
            m.put("checkpoint_every", checkpointEvery);
            m.put("seed", seed);
            return m;
        }
    }

    /** Called every {@code every} steps and at the end with the step and the batch means of the loss terms. */
    @FunctionalInterface
    public interface Listener {
        void onStep(long step, double loss, double reconstruction, double kl);
    }

    private final AutoencoderKL vae;
    private final DataLoader loader;
    private final Config config;
    private final Path checkpoint;
    private final AdamW optimizer;
    private final Generator noise;
    private final TrainingCheckpoint ckpt;
    private long step;

    /**
     * Trains {@code vae} on {@code loader}'s batches (images in [−1, 1]) on the device its weights are on;
     * checkpoints to {@code checkpoint}.
     */
    public VaeTrainer(AutoencoderKL vae, DataLoader loader, Config config, Path checkpoint) throws IOException {
        this.vae = Objects.requireNonNull(vae, "vae");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.config = Objects.requireNonNull(config, "config");
        this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
        this.optimizer = new AdamW(List.of(new ParamGroup(vae.parameters(), config.lr(), 0.0)));
        this.noise = new Generator(config.seed() + 1);
        this.ckpt = new TrainingCheckpoint(vae).withOptimizer(optimizer).withGenerator("noise", noise);
        if (Files.exists(checkpoint)) {
            TrainingCheckpoint.Restored r = ckpt.load(checkpoint);
            this.step = r.step();
        }
    }

    /** The step the next batch will be (the number of steps done). */
    public long step() {
        return step;
    }

    /** Trains until {@code untilStep} steps are done, reporting every {@code every} steps. */
    public void train(long untilStep, int every, Listener listener) throws IOException {
        int perEpoch = loader.batchesPerEpoch();
        while (step < untilStep) {
            int epoch = (int) (step / perEpoch);
            for (Batch b : loader.epoch(epoch, (int) (step % perEpoch))) {
                if (step >= untilStep) {
                    break;
                }
                vae.train();
                boolean report = (step + 1) % every == 0 || step + 1 == untilStep;
                double[] losses = null;
                // The step's activations, temporaries and gradients go back to the pool at its end (StepArena):
                // the next step reuses their arrays instead of fresh, JVM-cleared memory.
                try (StepArena scope = StepArena.open()) {
                    Tensor x = Tensor.of(b.images().to(deviceOf(vae)));
                    DiagonalGaussian q = vae.encode(x);
                    Tensor recon = vae.decode(q.sample(noise));
                    int n = b.size();
                    Tensor rec = x.sub(recon).abs().sum().div(n);
                    Tensor kl = q.kl().sum().div(n);
                    Tensor loss = rec.add(kl.mul(config.klWeight()));
                    optimizer.zeroGrad();
                    loss.backward();
                    optimizer.step();
                    if (report) {
                        losses = new double[] {loss.item(), rec.item(), kl.item()};
                    }
                }
                step++;
                if (report) {
                    listener.onStep(step, losses[0], losses[1], losses[2]);
                }
                if (step % config.checkpointEvery() == 0 || step == untilStep) {
                    ckpt.save(checkpoint, step, config.toJson());
                }
            }
        }
    }

    /** 1/std of the posterior means over {@code batches} batches of {@code loader}: the latents' scaling factor. */
    public static double calibrateScale(AutoencoderKL vae, DataLoader loader, int batches) {
        vae.eval();
        double sum = 0;
        double sq = 0;
        long count = 0;
        try (var s = dev.usp4j.autograd.GradMode.noGrad()) {
            int k = 0;
            for (Batch b : loader.epoch(0)) {
                if (k++ >= batches) {
                    break;
                }
                float[] z = vae.encode(Tensor.of(b.images().to(deviceOf(vae)))).mean().data().toFloatArray();
                for (float v : z) {
                    sum += v;
                    sq += (double) v * v;
                }
                count += z.length;
            }
        }
        double mean = sum / count;
        double std = Math.sqrt(Math.max(sq / count - mean * mean, 1e-12));
        return 1.0 / std;
    }

    /** The mean reconstruction error |x − decode(mean)| per pixel over a batch (a quick quality number). */
    public static double reconstructionError(AutoencoderKL vae, NDArray images) {
        vae.eval();
        try (var s = dev.usp4j.autograd.GradMode.noGrad()) {
            Tensor x = Tensor.of(images.to(deviceOf(vae)));
            return x.sub(vae.decode(vae.encode(x).mean())).abs().mean().item();
        }
    }

    /** Where the VAE's weights live (batches are moved there). */
    private static Device deviceOf(AutoencoderKL vae) {
        return vae.parameters().get(0).data().device();
    }
}
