package dev.usp4j.usp.cli;

import dev.usp4j.usp.TensorTour;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./usp demo}: the main job on the built-in dataset until the pipeline lands (see {@link TensorTour}). */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a Fashion-MNIST classifier through the data loader and tour the tensor core.",
            "Installs Fashion-MNIST (apt-get install dataset-fashion-mnist) when missing and running as root."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", description = "Where report.md goes (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("runs", "demo");

    @Option(names = "--steps", paramLabel = "N", description = "SGD steps of the classifier (default: ${DEFAULT-VALUE}).")
    int steps = 200;

    @Override
    public Integer call() {
        if (steps <= 0) {
            throw new IllegalArgumentException("--steps must be positive, got " + steps);
        }
        BuiltInDataset.ensureFashionMnist(new PrintWriter(System.out, true));
        try {
            new TensorTour(out, steps).run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }
}
