package dev.usp4j.usp.cli;

import dev.usp4j.data.Dataset;
import dev.usp4j.data.DataLoader;
import dev.usp4j.data.LatentCache;
import dev.usp4j.data.ToTensor;
import dev.usp4j.data.Transform;
import dev.usp4j.data.transforms.Pad;
import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vae.VaeConfigs;
import dev.usp4j.tensor.Device;
import dev.usp4j.usp.DatasetSpec;
import dev.usp4j.usp.VaeLatentEncoder;
import dev.usp4j.usp.vae.VaeTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./usp vae train} and {@code ./usp vae encode}: the VAE for datasets without a published one, and the latent
 * cache every later stage reads. 28×28 images are padded to 32×32 first (the small VAEs' input).
 */
@Command(name = "vae", mixinStandardHelpOptions = true, description = "Train a VAE or encode a dataset with one.",
        subcommands = {VaeCommand.Train.class, VaeCommand.Encode.class})
public final class VaeCommand {
    private VaeCommand() {
    }

    /** 28×28 datasets to the small VAEs' 32×32; other sizes as they are. */
    static Transform inputTransform(Dataset ds) {
        return ds.get(0).image().width() == 28 ? Pad.all(2) : Transform.identity();
    }

    static String transformName(Dataset ds) {
        return ds.get(0).image().width() == 28 ? "pad 2" : "none";
    }

    /** {@code ./usp vae train}. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train a small AutoencoderKL from scratch (L1 + kl_weight·KL), resumable; writes a model"
                + " folder (config.json with the calibrated scaling factor + safetensors)."})
    public static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", description = "A VAE config name (default: ${DEFAULT-VALUE}).")
        String model = "VAE-f4-small";

        @Option(names = "--dataset", description = "fashion-mnist (default), mnist:DIR, cifar10:DIR, folder:DIR,"
                + " synthetic[:N].")
        String dataset = "fashion-mnist";

        @Option(names = "--steps", description = "Training steps (default: ${DEFAULT-VALUE}).")
        long steps = 2000;

        @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batch = 64;

        @Option(names = "--lr", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
        double lr = 1e-3;

        @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out = Path.of("runs", "vae");

        @Option(names = "--device", description = "cpu (default) or cuda[:N]: where the VAE trains.")
        String device = "cpu";

        @Override
        public Integer call() throws IOException {
            if (steps <= 0 || batch <= 0) {
                throw new IllegalArgumentException("--steps and --batch must be positive, got " + steps + " and "
                        + batch);
            }
            PrintWriter w = spec.commandLine().getOut();
            Dataset train = DatasetSpec.open(dataset, true);
            Device onDevice = DeviceOption.parse(device);
            AutoencoderKL vae = new AutoencoderKL(VaeConfigs.named(model));
            vae.to(onDevice);
            Files.createDirectories(out);
            try (DataLoader loader = DataLoader.builder(train).batchSize(batch).shuffle(0).dropLast(true).workers(2)
                    .transform(inputTransform(train)).build()) {
                VaeTrainer t = new VaeTrainer(vae, loader, new VaeTrainer.Config(lr, 1e-6, 200, 0),
                        out.resolve("train.ckpt.safetensors"));
                if (t.step() > 0) {
                    w.printf(Locale.ROOT, "resuming %s at step %d%n", out.resolve("train.ckpt.safetensors"), t.step());
                }
                long every = Math.max(1, steps / 20);
                t.train(steps, (int) every, (s, loss, rec, kl) -> {
                    w.printf(Locale.ROOT, "vae step %d/%d: loss %.2f (L1 sum %.2f, KL %.1f)%n", s, steps, loss, rec,
                            kl);
                    w.flush();
                });
                double scale = VaeTrainer.calibrateScale(vae, loader, Math.min(16, loader.batchesPerEpoch()));
                AutoencoderKL scaled = new AutoencoderKL(vae.config().withScalingFactor(scale));
                scaled.loadStateDict(vae.stateDict(), true);
                ModelRegistry.save(scaled, out.resolve("model"));
                w.printf(Locale.ROOT, "scaling factor %.5f (1/std of the latents); reconstruction L1 %.4f per pixel;"
                        + " model in %s%n", scale, VaeTrainer.reconstructionError(vae, loader.batch(0, 0).images()),
                        out.resolve("model"));
            }
            w.flush();
            return 0;
        }
    }

    /** {@code ./usp vae encode}. */
    @Command(name = "encode", mixinStandardHelpOptions = true,
            description = "Encode a dataset split into a latent cache (posterior mean and log-variance, optional flips)."
                + " An existing cache is reused only if it matches the VAE, dataset and settings.")
    public static final class Encode implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--vae", required = true, description = "A VAE model folder (./usp vae train writes one).")
        Path vaeDir;

        @Option(names = "--dataset", description = "As for vae train (default: ${DEFAULT-VALUE}).")
        String dataset = "fashion-mnist";

        @Option(names = "--split", description = "train or test (default: ${DEFAULT-VALUE}).")
        String split = "train";

        @Option(names = "--flip", description = "Also store the latents of horizontally flipped images.")
        boolean flip;

        @Option(names = "--out", required = true, description = "The cache file (.safetensors).")
        Path out;

        @Option(names = "--device", description = "cpu (default) or cuda[:N]: where the VAE encodes (the cache is"
                + " written from the host).")
        String device = "cpu";

        @Override
        public Integer call() throws IOException {
            if (!split.equals("train") && !split.equals("test")) {
                throw new IllegalArgumentException("--split must be train or test, got '" + split + "'");
            }
            Device onDevice = DeviceOption.parse(device);
            AutoencoderKL vae = dev.usp4j.usp.Models.loadVae(vaeDir);
            vae.to(onDevice);
            Dataset ds = DatasetSpec.open(dataset, split.equals("train"));
            PrintWriter w = spec.commandLine().getOut();
            try (LatentCache c = LatentCache.openOrBuild(out, ds, inputTransform(ds), transformName(ds),
                    ToTensor.symmetric(), new VaeLatentEncoder(vaeDir.getFileName().toString(), vae),
                    vae.scalingFactor(), flip, 64, msg -> {
                        w.println(msg);
                        w.flush();
                    })) {
                w.printf(Locale.ROOT, "%s: %d latents %s, scale %.5f%n", out, c.size(),
                        java.util.Arrays.toString(c.latentShape()), c.spec().scaleFactor());
            }
            w.flush();
            return 0;
        }
    }
}
