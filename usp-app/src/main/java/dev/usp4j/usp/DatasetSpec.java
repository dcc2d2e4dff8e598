package dev.usp4j.usp;

import dev.usp4j.data.ColorMode;
import dev.usp4j.data.Dataset;
import dev.usp4j.data.datasets.Cifar;
import dev.usp4j.data.datasets.FashionMnist;
import dev.usp4j.data.datasets.ImageFolder;
import dev.usp4j.data.datasets.Mnist;
import dev.usp4j.data.datasets.SyntheticDataset;
import java.nio.file.Path;

/**
 * The datasets the command line names: {@code fashion-mnist} (the built-in default), {@code mnist:DIR},
 * {@code cifar10:DIR}, {@code cifar100:DIR}, {@code folder:DIR} (class per sub-folder; the same folder serves both
 * splits) and {@code synthetic[:N]} (N deterministic 28×28 grey images in 10 classes, for tests and dry runs).
 */
public final class DatasetSpec {
    private DatasetSpec() {
    }

    /** The training ({@code train}) or test split of the dataset {@code spec} names. */
    public static Dataset open(String spec, boolean train) {
        String kind = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
        String arg = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : null;
        return switch (kind) {
            case "fashion-mnist" -> arg == null ? FashionMnist.standard(train) : FashionMnist.load(Path.of(arg), train);
            case "mnist" -> Mnist.load(Path.of(need(arg, spec)), train);
            case "cifar10" -> Cifar.cifar10(Path.of(need(arg, spec)), train);
            case "cifar100" -> Cifar.cifar100(Path.of(need(arg, spec)), train);
            case "folder" -> ImageFolder.open(Path.of(need(arg, spec)), ColorMode.AUTO);
            case "synthetic" -> new SyntheticDataset(arg == null ? 512 : positive(arg, spec) / (train ? 1 : 4), 28,
                    28, 1, 10, train ? 1 : 2);
            default -> throw new IllegalArgumentException("unknown dataset '" + spec + "'; expected fashion-mnist,"
                    + " mnist:DIR, cifar10:DIR, cifar100:DIR, folder:DIR or synthetic[:N]");
        };
    }

    private static String need(String arg, String spec) {
        if (arg == null || arg.isBlank()) {
            throw new IllegalArgumentException("dataset '" + spec + "' needs a folder after the colon, e.g. "
                    + spec + ":/data/" + spec);
        }
        return arg;
    }

    private static int positive(String arg, String spec) {
        try {
            int n = Integer.parseInt(arg);
            if (n >= 4) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what is wanted
        }
        throw new IllegalArgumentException("dataset '" + spec + "': the sample count must be an integer >= 4");
    }
}
