package dev.usp4j.usp.cli;

import dev.usp4j.data.DatasetException;
import dev.usp4j.data.datasets.DatasetInstaller;
import java.io.PrintWriter;

/**
 * The built-in dataset for the commands that run on it by default ({@code demo}, {@code pipeline}): Debian's
 * {@code dataset-fashion-mnist}, installed when missing (root only), with a failure turned into the CLI's one-line
 * bad-input error.
 */
final class BuiltInDataset {
    private BuiltInDataset() {
    }

    /** Installs Fashion-MNIST when it is missing, saying so on {@code out}. */
    static void ensureFashionMnist(PrintWriter out) {
        try {
            if (DatasetInstaller.installFashionMnist()) {
                out.println("usp: installed Fashion-MNIST (dataset-fashion-mnist)");
            }
        } catch (DatasetException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
