package dev.usp4j.data.datasets;

import java.nio.file.Path;
import java.util.List;

/**
 * LeCun's MNIST handwritten digits (grey 28×28, classes "0"…"9"), in the same IDX files and layout as
 * {@link FashionMnist}. No standard location exists for it, so the folder is always given.
 */
public final class Mnist {
    /** The class names: the digits. */
    public static final List<String> CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private Mnist() {
    }

    /** The train or test split from {@code dir} ({@code train-images-idx3-ubyte[.gz]} and its three siblings). */
    public static IdxDataset load(Path dir, boolean train) {
        return IdxDataset.load("mnist/" + (train ? "train" : "test"), CLASSES, dir, train ? "train" : "t10k",
                "To get MNIST: download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                        + "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (e.g. from "
                        + "https://ossci-datasets.s3.amazonaws.com/mnist/, torchvision's mirror) into " + dir + ".");
    }
}
