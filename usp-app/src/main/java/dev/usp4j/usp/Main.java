package dev.usp4j.usp;

import dev.usp4j.data.DatasetException;
import dev.usp4j.data.datasets.DatasetInstaller;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The command-line entry point behind {@code ./usp}. Until the USP pipeline lands it has one command, {@code demo}
 * (the default), which runs {@link TensorTour} on the built-in dataset (Fashion-MNIST, installed with apt-get when
 * missing and running as root): a classifier fed by the data loader, a convolutional stem, GEMM throughput and a
 * checkpoint round trip, with a short report.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "demo" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "demo" -> {
                Path out = Path.of("runs", "demo");
                int steps = 200;
                for (int i = 0; i < rest.length; i++) {
                    switch (rest[i]) {
                        case "--out" -> out = Path.of(value(rest, ++i, "--out"));
                        case "--steps" -> steps = Integer.parseInt(value(rest, ++i, "--steps"));
                        default -> usage("unknown option " + rest[i]);
                    }
                }
                try {
                    if (DatasetInstaller.installFashionMnist()) {
                        System.out.println("usp: installed Fashion-MNIST (dataset-fashion-mnist)");
                    }
                } catch (DatasetException e) {
                    System.err.println("usp: " + e.getMessage());
                    System.exit(2);
                }
                new TensorTour(out, steps).run();
            }
            case "-h", "--help", "help" -> usage(null);
            default -> usage("unknown command " + cmd);
        }
    }

    private static String value(String[] a, int i, String opt) {
        if (i >= a.length) {
            usage(opt + " needs a value");
        }
        return a[i];
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("usp: " + error);
        }
        System.err.println("""
                usage: ./usp [demo] [--out DIR] [--steps N]
                  demo    train a Fashion-MNIST classifier through the loader and tour the tensor core (default);
                          writes DIR/report.md (default runs/demo); --steps N SGD steps (default 200)
                  test    run the test suite (handled by the ./usp script)""");
        System.exit(error == null ? 0 : 2);
    }
}
