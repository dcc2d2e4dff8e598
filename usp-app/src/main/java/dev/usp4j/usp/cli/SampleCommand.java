package dev.usp4j.usp.cli;

import dev.usp4j.data.Image;
import dev.usp4j.data.ImageGrid;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.sampling.Samplers;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.tensor.Device;
import dev.usp4j.usp.eval.NpzExport;
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

/** {@code ./usp sample}: class-conditional samples of a trained DiT/SiT (its EMA weights), decoded by the VAE. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Generate class-conditional samples with any sampler, as a PNG grid and optionally an npz.")
public final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, description = "A checkpoint of ./usp train.")
    Path checkpoint;

    @Option(names = "--vae", required = true, description = "The VAE model folder the latents came from.")
    Path vaeDir;

    @Option(names = "--sampler", description = "ddpm:250, ddim:50, ode:dopri5:250, sde:euler:250, ..."
            + " (default: ddpm for DiT, sde for SiT).")
    String sampler;

    @Option(names = "--cfg", description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
    double cfg = 1.0;

    @Option(names = "-n", description = "Number of samples (default: ${DEFAULT-VALUE}).")
    int n = 64;

    @Option(names = "--seed", description = "Seed of labels and noise (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--out", required = true, description = "The PNG grid.")
    Path out;

    @Option(names = "--npz", description = "Also write the samples as arr_0 uint8 NHWC (.npz).")
    Path npz;

    @Option(names = "--device", description = "cpu (default) or cuda[:N]: where the model samples and the VAE"
            + " decodes (images come back to the host).")
    String device = "cpu";

    @Override
    public Integer call() throws IOException {
        if (n <= 0) {
            throw new IllegalArgumentException("-n must be positive, got " + n);
        }
        Device onDevice = DeviceOption.parse(device);
        DiT model = GenerativeCheckpoints.loadEma(checkpoint);
        AutoencoderKL vae = dev.usp4j.usp.Models.loadVae(vaeDir);
        model.to(onDevice);
        vae.to(onDevice);
        String spec0 = samplerFor(model, sampler, checkpoint);
        LatentSampling sampling = new LatentSampling(model, Samplers.parse(spec0), cfg, Math.min(n, 64));
        long[] labels = LatentSampling.uniformLabels(n, model.config().numClasses(), seed);
        PrintWriter w = spec.commandLine().getOut();
        List<Image> images = sampling.images(labels, seed, vae, vae.scalingFactor(), done -> { });
        List<String> captions = new ArrayList<>();
        for (long l : labels) {
            captions.add(Long.toString(l));
        }
        new ImageGrid().writePng(images, captions, out);
        if (npz != null) {
            NpzExport.write(npz, images);
        }
        w.printf(Locale.ROOT, "%d samples (%s, cfg %.2f) → %s%s%n", n, spec0, cfg, out,
                npz != null ? " and " + npz : "");
        w.flush();
        return 0;
    }

    /**
     * The sampler spec for {@code model}: {@code spec}, or the model's default (ddpm for DiT, sde for SiT) when null;
     * a Gaussian-diffusion sampler for a SiT, or a transport one for a DiT, is refused in words.
     */
    static String samplerFor(DiT model, String spec, Path checkpoint) {
        boolean sit = model.getClass().getSimpleName().equals("SiT");
        if (spec == null) {
            return sit ? "sde" : "ddpm";
        }
        String kind = spec.strip().split("[:,]")[0].toLowerCase(Locale.ROOT);
        boolean gaussian = kind.equals("ddpm") || kind.equals("ddim");
        boolean transport = kind.equals("ode") || kind.equals("sde");
        if (sit && gaussian || !sit && transport) {
            throw new IllegalArgumentException("--sampler " + spec + " samples a " + (gaussian ? "DiT (Gaussian"
                    + " diffusion)" : "SiT (transport)") + ", but " + checkpoint + " holds a " + (sit ? "SiT" : "DiT")
                    + "; use " + (sit ? "ode:... or sde:..." : "ddpm:... or ddim:...") + ", or leave --sampler out");
        }
        return spec;
    }
}
