package dev.usp4j.usp.cli;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.MaskedLatentTrainer;
import dev.usp4j.usp.understand.LinearProbe;
import dev.usp4j.usp.understand.LinearProbeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./usp probe}: MAE's linear probe of a USP encoder (cls token, BatchNorm without affine + Linear, LARS,
 * warmup + cosine) on a latent cache, evaluated on another; {@code --random-init} probes a randomly initialised
 * encoder of the pretrained one's size, the baseline USP is compared with.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Linear probe of a pretrained (or random) encoder on latents; prints top-1 on the eval cache.")
public final class ProbeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EncoderOptions enc;

    @Option(names = "--steps", required = true, description = "Training steps.")
    long steps;

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch = 256;

    @Option(names = "--out", required = true, description = "The run folder (checkpoint: probe.ckpt.safetensors).")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        Device onDevice = DeviceOption.parse(enc.device);
        Files.createDirectories(out);
        Path ckpt = out.resolve("probe.ckpt.safetensors");
        try (LatentCache c = LatentCache.open(enc.cache); LatentCache e = LatentCache.open(enc.evalCache)) {
            LinearProbe p;
            if (Files.exists(ckpt)) {
                p = LinearProbe.resume(ckpt, c, ckpt, onDevice);
                w.printf(Locale.ROOT, "resuming %s at step %d%n", ckpt, p.step());
            } else {
                Map<String, NDArray> state = MaskedLatentTrainer.readPretrained(enc.pretrained, false);
                VitConfig vit = LinearProbe.vitForPretrained(enc.pretrained, c, enc.classes);
                if (enc.randomInit) {
                    state = null;
                }
                LinearProbeConfig d = LinearProbeConfig.defaults(vit);
                LinearProbeConfig cfg = d.withTrain(d.train().withBatchSize(batch)
                        .withPlan(LrPlan.steps(Math.max(1, steps / 10), steps)).withCheckpointEvery(Math.max(1,
                                steps / 4)));
                p = new LinearProbe(cfg, state, c, ckpt, onDevice);
            }
            p.train(steps, m -> { });
            w.printf(Locale.ROOT, "linear probe top-1 %.4f on %s (%d steps)%n", p.evaluate(e), enc.evalCache, steps);
        }
        w.flush();
        return 0;
    }
}
