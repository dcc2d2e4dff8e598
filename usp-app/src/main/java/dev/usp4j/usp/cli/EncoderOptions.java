package dev.usp4j.usp.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options {@code probe} and {@code finetune} share: which encoder (a USP pretraining checkpoint, or a random one
 * of its size as the baseline), the latent caches to train and evaluate on, the number of classes, and the device.
 */
public final class EncoderOptions {
    @Option(names = "--pretrained", required = true, description = "A pretraining checkpoint (./usp pretrain).")
    Path pretrained;

    @Option(names = "--random-init", description = "Use a randomly initialised encoder of the same size instead"
            + " (the baseline USP is compared with).")
    boolean randomInit;

    @Option(names = "--cache", required = true, description = "Training latents.")
    Path cache;

    @Option(names = "--eval-cache", required = true, description = "Evaluation latents.")
    Path evalCache;

    @Option(names = "--classes", description = "Number of classes (default: ${DEFAULT-VALUE}).")
    int classes = 10;

    @Option(names = "--device", description = "cpu (default) or cuda[:N]: where the encoder trains and is"
            + " evaluated.")
    String device = "cpu";
}
