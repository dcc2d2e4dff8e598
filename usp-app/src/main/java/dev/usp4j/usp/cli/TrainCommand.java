package dev.usp4j.usp.cli;

import dev.usp4j.data.LatentCache;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.model.DiTConfigs;
import dev.usp4j.usp.gen.GenerativeCheckpoints;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.usp.gen.GenerativeConfig;
import dev.usp4j.usp.gen.GenerativeTrainer;
import dev.usp4j.usp.gen.TrainingListener;
import dev.usp4j.usp.gen.TrainingMetrics;
import dev.usp4j.usp.transfer.TransferReport;
import dev.usp4j.usp.transfer.UspTransfer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./usp train dit|sit}: DiT or SiT on a latent cache, from scratch or initialised from a USP (MAE)
 * checkpoint through {@link UspTransfer}; resumes from the run's checkpoint when it exists.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train DiT (Gaussian diffusion) or SiT (transport) on a latent cache.",
            "--init usp:FILE starts from a pretrained MAE (the -VAE-simple model, USP's weight transfer)."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "dit or sit")
    String kind;

    @Option(names = "--cache", required = true, description = "The latent cache (./usp vae encode).")
    Path cache;

    @Option(names = "--model", description = "Size and patch, e.g. S/2, B/2, N/2 (default: ${DEFAULT-VALUE}).")
    String size = "S/2";

    @Option(names = "--classes", description = "Number of classes (default: ${DEFAULT-VALUE}).")
    int classes = 10;

    @Option(names = "--init", description = "scratch (default) or usp:FILE (an MAE state dict or pretraining"
            + " checkpoint).")
    String init = "scratch";

    @Option(names = "--steps", required = true, description = "Train until this many steps are done.")
    long steps;

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch = 256;

    @Option(names = "--lr", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double lr = 1e-4;

    @Option(names = "--ema", description = "EMA decay (default: ${DEFAULT-VALUE}).")
    double ema = 0.9999;

    @Option(names = "--out", required = true, description = "The run folder (checkpoint: train.ckpt.safetensors).")
    Path out;

    @Option(names = "--device", description = "cpu (default) or cuda[:N]: where the model trains.")
    String device = "cpu";

    @Override
    public Integer call() throws IOException {
        if (!kind.equals("dit") && !kind.equals("sit")) {
            throw new IllegalArgumentException("train: expected dit or sit, got '" + kind + "'");
        }
        PrintWriter w = spec.commandLine().getOut();
        Device onDevice = DeviceOption.parse(device);
        Path ckpt = out.resolve("train.ckpt.safetensors");
        try (LatentCache c = LatentCache.open(cache)) {
            GenerativeTrainer trainer;
            if (Files.exists(ckpt)) {
                checkSameModel(ckpt);
                trainer = GenerativeTrainer.resume(ckpt, c, ckpt, onDevice);
                w.printf(Locale.ROOT, "resuming %s at step %d%n", ckpt, trainer.step());
            } else {
                DiT model = build(c, init.startsWith("usp:"));
                if (init.startsWith("usp:")) {
                    Map<String, NDArray> mae = maeState(Path.of(init.substring(4)));
                    TransferReport r = UspTransfer.intoDiT(mae, model);
                    if (r.copied().isEmpty()) {
                        throw new IllegalArgumentException("--init " + init + ": no tensor of it fits the "
                                + kind.toUpperCase(java.util.Locale.ROOT) + " blocks (it holds " + mae.size()
                                + " tensors, e.g. " + mae.keySet().stream().limit(2).toList() + "); give a ./usp"
                                + " pretrain checkpoint or an MAE state dict");
                    }
                    w.println("USP transfer: " + r.summary());
                } else if (!init.equals("scratch")) {
                    throw new IllegalArgumentException("--init must be scratch or usp:FILE, got '" + init + "'");
                }
                GenerativeConfig cfg = GenerativeConfig.defaults().withBatchSize(batch).withLr(lr).withEmaDecay(ema)
                        .withLogEvery((int) Math.max(1, Math.min(100, steps / 20)))
                        .withCheckpointEvery((int) Math.max(1, Math.min(1000, steps / 4)));
                Files.createDirectories(out);
                model.to(onDevice);
                trainer = GenerativeTrainer.start(model, c, cfg, ckpt);
            }
            trainer.train(steps, new TrainingListener() {
                @Override
                public void onMetrics(TrainingMetrics m) {
                    w.printf(Locale.ROOT, "%s step %d/%d: loss %.4f, lr %.2e, %.0f images/s%n", kind, m.step(), steps,
                            m.loss(), m.lr(), m.imagesPerSecond());
                    w.flush();
                }
            });
        }
        w.println("checkpoint: " + ckpt);
        w.flush();
        return 0;
    }

    /** Refuses to resume a checkpoint of another model than asked for (kind, size or classes). */
    private void checkSameModel(Path ckpt) throws IOException {
        GenerativeCheckpoints.Header h = GenerativeCheckpoints.readHeader(ckpt);
        String name = (kind.equals("sit") ? "SiT-" : "DiT-") + size;
        if (!DiTConfigs.isKnown(name)) {
            throw new IllegalArgumentException("unknown model size '" + size + "' (e.g. N/2, Ti/2, S/2, B/2, XL/2)");
        }
        DiTConfig want = DiTConfigs.named(name);
        DiTConfig have = h.model();
        if (!h.kind().label().equalsIgnoreCase(kind) || have.hiddenSize() != want.hiddenSize()
                || have.depth() != want.depth() || have.patchSize() != want.patchSize()
                || have.numClasses() != classes) {
            throw new IllegalArgumentException(out + " holds a " + h.kind().label() + " run (hidden "
                    + have.hiddenSize() + ", depth " + have.depth() + ", patch " + have.patchSize() + ", "
                    + have.numClasses() + " classes) at step " + h.step() + ", not " + name + " with " + classes
                    + " classes; choose another --out, or ask for that model to resume it");
        }
    }

    private DiT build(LatentCache c, boolean usp) {
        return dev.usp4j.usp.Models.generative(kind.equals("sit"), size, usp, c.latentShape(), classes);
    }

    /** An MAE state dict, plain or inside a training checkpoint (keys "model.*"). */
    static Map<String, NDArray> maeState(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no USP checkpoint " + file);
        }
        Map<String, NDArray> all = Safetensors.load(file);
        Map<String, NDArray> model = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith("model.")) {
                model.put(k.substring(6), v);
            }
        });
        return model.isEmpty() ? all : model;
    }
}
