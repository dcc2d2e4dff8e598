package dev.usp4j.usp.cli;

import dev.usp4j.data.Dataset;
import dev.usp4j.data.Image;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.sampling.Samplers;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.tensor.Device;
import dev.usp4j.usp.DatasetSpec;
import dev.usp4j.usp.eval.FeatureClassifier;
import dev.usp4j.usp.eval.Fid;
import dev.usp4j.usp.gen.GenerativeCheckpoints;
import dev.usp4j.usp.gen.LatentSampling;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./usp fid}: the Fréchet distance between class-conditional samples and the dataset's test images in the
 * features of a classifier trained once on the training split (reported as "FID (classifier features)", not
 * Inception FID), and that classifier's accuracy on the samples w.r.t. the labels asked for.
 */
@Command(name = "fid", mixinStandardHelpOptions = true,
        description = {"FID (classifier features) and sample accuracy of a trained DiT/SiT.",
            "The feature classifier is trained on the dataset's training split once and cached in --classifier."})
public final class FidCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, description = "A checkpoint of ./usp train.")
    Path checkpoint;

    @Option(names = "--vae", required = true, description = "The VAE model folder.")
    Path vaeDir;

    @Option(names = "--dataset", description = "The real images (default: ${DEFAULT-VALUE}).")
    String dataset = "fashion-mnist";

    @Option(names = "--classifier", description = "The feature classifier's file (default: ${DEFAULT-VALUE}).")
    Path classifierFile = Path.of("runs", "classifier.safetensors");

    @Option(names = "--classifier-steps", description = "Training steps of a new feature classifier"
            + " (default: ${DEFAULT-VALUE}).")
    int classifierSteps = FeatureClassifier.Settings.defaults().steps();

    @Option(names = "--sampler", description = "Sampler spec (default: ddpm for DiT, sde for SiT).")
    String sampler;

    @Option(names = "--cfg", description = "Guidance scale (default: ${DEFAULT-VALUE}).")
    double cfg = 1.0;

    @Option(names = "-n", description = "Samples and real images compared (default: ${DEFAULT-VALUE}).")
    int n = 1000;

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--device", description = "cpu (default) or cuda[:N]: where the model samples, the VAE decodes"
            + " and the feature classifier runs (and trains, when it must); statistics are gathered on the host.")
    String device = "cpu";

    @Override
    public Integer call() throws IOException {
        if (n < 2) {
            throw new IllegalArgumentException("-n must be at least 2, got " + n);
        }
        PrintWriter w = spec.commandLine().getOut();
        Device onDevice = DeviceOption.parse(device);
        DiT model = GenerativeCheckpoints.loadEma(checkpoint);
        model.to(onDevice);
        String s = SampleCommand.samplerFor(model, sampler, checkpoint);
        Dataset train = DatasetSpec.open(dataset, true);
        Dataset test = DatasetSpec.open(dataset, false);
        FeatureClassifier.Settings d = FeatureClassifier.Settings.defaults();
        FeatureClassifier net = FeatureClassifier.loadOrTrain(classifierFile, train,
                new FeatureClassifier.Settings(classifierSteps, d.batchSize(), d.lr(), d.seed()), msg -> {
                    w.println(msg);
                    w.flush();
                }, onDevice);
        AutoencoderKL vae = dev.usp4j.usp.Models.loadVae(vaeDir);
        vae.to(onDevice);
        long[] labels = LatentSampling.uniformLabels(n, model.config().numClasses(), seed);
        List<Image> samples = new LatentSampling(model, Samplers.parse(s), cfg, 64).images(labels, seed, vae,
                vae.scalingFactor(), done -> { });
        List<Image> real = new ArrayList<>();
        for (int i = 0; i < Math.min(n, test.size()); i++) {
            real.add(test.get(i).image());
        }
        double fid = new Fid(net).fid(real, samples);
        double acc = net.accuracy(FeatureClassifier.input(samples), labels);
        w.printf(Locale.ROOT, "FID (%s classifier features) %.3f over %d samples (%s, cfg %.2f); sample accuracy"
                + " %.3f%n", dataset, fid, n, s, cfg, acc);
        w.flush();
        return 0;
    }
}
