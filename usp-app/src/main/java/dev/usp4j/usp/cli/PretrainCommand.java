package dev.usp4j.usp.cli;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.tensor.Device;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.MaskedLatentTrainer;
import dev.usp4j.usp.pretrain.PretrainConfig;
import dev.usp4j.usp.pretrain.TrainMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./usp pretrain}: USP's masked latent modeling (an MAE on the latent cache's posterior modes, mask ratio 0.75,
 * AdamW (0.9, 0.95), weight decay 0.05, warmup + cosine); resumes from the run's checkpoint when it exists.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "USP pretraining: masked latent modeling on a latent cache (resumable).")
public final class PretrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--cache", required = true, description = "The latent cache (./usp vae encode).")
    Path cache;

    @Option(names = "--model", description = "An MAE size (MAE-ViT-T/2, S/2, B/2, ...; default: ${DEFAULT-VALUE}).")
    String model = "MAE-ViT-S/2";

    @Option(names = "--steps", required = true, description = "Total steps (the cosine's length).")
    long steps;

    @Option(names = "--warmup", description = "Warmup steps (default: 5%% of --steps).")
    Long warmup;

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--blr", description = "Base lr; lr = blr × batch / 256 (default: ${DEFAULT-VALUE}).")
    double blr = 1.5e-4;

    @Option(names = "--out", required = true, description = "The run folder (checkpoint: pretrain.ckpt.safetensors).")
    Path out;

    @Option(names = "--device", description = "cpu (default) or cuda[:N]: where the model trains.")
    String device = "cpu";

    @Override
    public Integer call() throws IOException {
        if (steps <= 0 || batch <= 0) {
            throw new IllegalArgumentException("--steps and --batch must be positive");
        }
        PrintWriter w = spec.commandLine().getOut();
        Device onDevice = DeviceOption.parse(device);
        Path ckpt = out.resolve("pretrain.ckpt.safetensors");
        Files.createDirectories(out);
        try (LatentCache c = LatentCache.open(cache)) {
            MaskedLatentTrainer t;
            if (Files.exists(ckpt)) {
                MaeConfig asked = dev.usp4j.usp.Models.mae(model, c.latentShape());
                Object had = dev.usp4j.usp.pretrain.LatentTrainer.readConfig(ckpt, PretrainConfig.KIND).get("model");
                MaeConfig have = had instanceof Map<?, ?> m ? dev.usp4j.nn.vit.MaeConfigs.fromMap(cast(m)) : null;
                if (have != null && !have.equals(asked)) {
                    throw new IllegalArgumentException(out + " holds a pretraining run of another MAE (embed "
                            + have.embedDim() + ", depth " + have.depth() + ") than " + model + " (embed "
                            + asked.embedDim() + ", depth " + asked.depth() + "); choose another --out, or ask for"
                            + " that model to resume it");
                }
                t = MaskedLatentTrainer.resume(ckpt, c, ckpt, onDevice);
                w.printf(Locale.ROOT, "resuming %s at step %d%n", ckpt, t.step());
            } else {
                MaeConfig mae = dev.usp4j.usp.Models.mae(model, c.latentShape());
                PretrainConfig d = PretrainConfig.defaults(mae);
                long wu = warmup != null ? warmup : Math.max(1, steps / 20);
                PretrainConfig cfg = d.withTrain(d.train().withBatchSize(batch).withBlr(blr)
                        .withPlan(LrPlan.steps(wu, steps)).withCheckpointEvery(Math.max(1, steps / 4)));
                t = new MaskedLatentTrainer(cfg, c, ckpt, onDevice);
            }
            long every = Math.max(1, steps / 20);
            t.train(steps, m -> {
                if (m.step() % every == 0 || m.step() == steps) {
                    report(w, m, steps);
                }
            });
        }
        w.println("checkpoint: " + ckpt);
        w.flush();
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static void report(PrintWriter w, TrainMetrics m, long steps) {
        w.printf(Locale.ROOT, "pretrain step %d/%d: loss %.4f, lr %.2e, %.0f latents/s%n", m.step(), steps, m.loss(),
                m.lr(), m.imagesPerSecond());
        w.flush();
    }
}
