package dev.usp4j.data.datasets;

import java.nio.file.Path;
import java.util.List;

/**
 * Zalando's Fashion-MNIST (70,000 grey 28×28 images of clothing in 10 classes; 60,000 train, 10,000 test), the
 * small dataset the trainers and tests use. {@link #standard} reads the copy that Debian's
 * {@code dataset-fashion-mnist} package installs; {@link DatasetInstaller} can install it.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} package puts the four gzipped IDX files. */
    public static final Path STANDARD_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The class names, index = label, as in the dataset's README and torchvision. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {
    }

    /**
     * The train or test split from {@code dir}, which holds {@code train-images-idx3-ubyte.gz} and its three
     * siblings (gzipped or not).
     */
    public static IdxDataset load(Path dir, boolean train) {
        return IdxDataset.load("fashion-mnist/" + (train ? "train" : "test"), CLASSES, dir, train ? "train" : "t10k",
                howToGet(dir));
    }

    /** The train or test split from {@link #STANDARD_DIR}. */
    public static IdxDataset standard(boolean train) {
        return load(STANDARD_DIR, train);
    }

    /** Whether the standard copy is installed (tests skip without it). */
    public static boolean standardInstalled() {
        return java.nio.file.Files.isRegularFile(STANDARD_DIR.resolve("train-images-idx3-ubyte.gz"));
    }

    static String howToGet(Path dir) {
        return "To get Fashion-MNIST: run 'apt-get install dataset-fashion-mnist' as root, or with sudo (Debian and "
                + "Ubuntu; it installs the files in " + STANDARD_DIR + "), or download train-images-idx3-ubyte.gz, "
                + "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from "
                + "https://github.com/zalandoresearch/fashion-mnist into " + dir + ".";
    }
}
