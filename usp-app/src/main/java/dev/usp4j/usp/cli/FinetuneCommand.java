package dev.usp4j.usp.cli;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.usp.pretrain.LatentTrainer;
import dev.usp4j.usp.pretrain.MaskedLatentTrainer;
import dev.usp4j.usp.understand.FineTune;
import dev.usp4j.usp.understand.FineTuneConfig;
import dev.usp4j.usp.understand.LinearProbe;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./usp finetune}: MAE's full fine-tuning of a USP encoder ({@link FineTune}: global average pooling +
 * fc_norm, drop path, AdamW with layer-wise lr decay, label smoothing, warmup + cosine) on a latent cache, evaluated
 * on another; {@code --random-init} fine-tunes a randomly initialised ViT of the pretrained one's size, the baseline.
 * Re-running with the same folder resumes its checkpoint (training on to a larger --steps); other hyperparameters
 * than the checkpoint's are refused rather than silently ignored.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tune a pretrained (or random) encoder as a ViT classifier on latents (resumable);"
            + " prints top-1 on the eval cache.",
            "Recipe: average pool + fc_norm, AdamW (0.9, 0.999), weight decay 0.05, lr = blr × batch / 256 with"
                + " 10%% warmup then cosine."})
public final class FinetuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EncoderOptions enc;

    @Option(names = "--steps", required = true, description = "Train until this many steps are done.")
    long steps;

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--blr", description = "Base lr; lr = blr × batch / 256 (default: ${DEFAULT-VALUE}).")
    double blr = 1e-3;

    @Option(names = "--layer-decay", description = "Layer-wise lr decay (default: ${DEFAULT-VALUE}).")
    double layerDecay = 0.75;

    @Option(names = "--label-smoothing", description = "Label smoothing (default: ${DEFAULT-VALUE}).")
    double labelSmoothing = 0.1;

    @Option(names = "--drop-path", description = "Drop path rate, on a linear ramp over the blocks"
            + " (default: ${DEFAULT-VALUE}).")
    double dropPath = 0.1;

    @Option(names = "--out", required = true, description = "The run folder (checkpoint: finetune.ckpt.safetensors).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (steps <= 0 || batch <= 0 || enc.classes <= 0) {
            throw new IllegalArgumentException("--steps, --batch and --classes must be positive");
        }
        PrintWriter w = spec.commandLine().getOut();
        Device onDevice = DeviceOption.parse(enc.device);
        Path ckpt = out.resolve("finetune.ckpt.safetensors");
        try (LatentCache c = LatentCache.open(enc.cache); LatentCache e = LatentCache.open(enc.evalCache)) {
            FineTune f;
            if (Files.exists(ckpt)) {
                checkSameSettings(ckpt);
                f = FineTune.resume(ckpt, c, ckpt, onDevice);
                w.printf(Locale.ROOT, "resuming %s at step %d%n", ckpt, f.step());
            } else {
                if (!Files.isRegularFile(enc.pretrained)) {
                    throw new IllegalArgumentException("no pretraining checkpoint " + enc.pretrained
                            + " (./usp pretrain writes one)");
                }
                Map<String, NDArray> state = MaskedLatentTrainer.readPretrained(enc.pretrained, false);
                VitConfig probe = LinearProbe.vitForPretrained(enc.pretrained, c, enc.classes);
                if (enc.randomInit) {
                    state = null;
                }
                FineTuneConfig cfg = config(probe);
                Files.createDirectories(out);
                f = new FineTune(cfg, state, c, ckpt, onDevice);
                w.printf(Locale.ROOT, "fine-tuning %s ViT (dim %d, depth %d) from %s%n",
                        enc.randomInit ? "a random" : "the pretrained", probe.embedDim(), probe.depth(),
                        enc.randomInit ? "scratch" : enc.pretrained);
            }
            long every = Math.max(1, steps / 20);
            f.train(steps, m -> {
                if (m.step() % every == 0 || m.step() == steps) {
                    w.printf(Locale.ROOT, "finetune step %d/%d: loss %.4f, lr %.2e%n", m.step(), steps, m.loss(),
                            m.lr());
                    w.flush();
                }
            });
            w.printf(Locale.ROOT, "fine-tune top-1 %.4f on %s (%d steps)%n", f.evaluate(e), enc.evalCache, f.step());
        }
        w.println("checkpoint: " + ckpt);
        w.flush();
        return 0;
    }

    /** The recipe for the classifier of {@code probe}'s size (average pooling, this command's options). */
    private FineTuneConfig config(VitConfig probe) {
        return FineTuneConfig.forClassifier(probe, batch, blr, steps, layerDecay, labelSmoothing, dropPath);
    }

    /** Refuses options the checkpoint in --out was not trained with (its schedule's length may grow). */
    private void checkSameSettings(Path ckpt) throws IOException {
        FineTuneConfig saved = FineTuneConfig.fromMap(LatentTrainer.readConfig(ckpt, FineTuneConfig.KIND));
        List<String> diffs = new ArrayList<>();
        differ(diffs, "--batch", saved.train().batchSize(), batch);
        differ(diffs, "--blr", saved.train().blr(), blr);
        differ(diffs, "--layer-decay", saved.layerDecay(), layerDecay);
        differ(diffs, "--label-smoothing", saved.labelSmoothing(), labelSmoothing);
        differ(diffs, "--drop-path", saved.model().dropPathRate(), dropPath);
        differ(diffs, "--classes", saved.model().numClasses(), enc.classes);
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException(out + " holds a fine-tune trained with " + String.join(", ", diffs)
                    + "; re-run with those settings to resume it, or choose another --out");
        }
    }

    private static void differ(List<String> diffs, String option, Object saved, Object asked) {
        if (!Objects.equals(saved, asked)) {
            diffs.add(option + " " + saved + " (asked " + asked + ")");
        }
    }
}
