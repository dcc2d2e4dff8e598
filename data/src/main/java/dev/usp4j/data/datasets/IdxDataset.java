package dev.usp4j.data.datasets;

import dev.usp4j.data.Dataset;
import dev.usp4j.data.DatasetException;
import dev.usp4j.data.Image;
import dev.usp4j.data.Sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

/**
 * A labelled grey-image dataset held in memory from a pair of IDX files (an images file of rank 3 and a labels file
 * of rank 1): MNIST, Fashion-MNIST and anything else published in LeCun's format. Everything is read once at
 * construction (60,000 × 784 bytes is 47 MB), so {@link #get} is a 784-byte copy, safe from any thread.
 * {@link FashionMnist} and {@link Mnist} build it with their file names and class names.
 */
public final class IdxDataset implements Dataset {
    private final String name;
    private final List<String> classes;
    private final byte[] images;
    private final int imageOffset;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] labels;
    private final int labelOffset;
    private final String fingerprint;

    /**
     * Checks that the two files agree (same count, labels below {@code classes.size()}) and keeps their bytes.
     *
     * @throws DatasetException naming the file and offset of the first inconsistency
     */
    public IdxDataset(String name, List<String> classes, IdxFile images, IdxFile labels) {
        if (images.dim(0) != labels.dim(0)) {
            throw new DatasetException(labels.file() + ": at byte offset 4: expected " + images.dim(0)
                    + " labels, as many as the images in " + images.file() + ", got " + labels.dim(0));
        }
        byte[] lb = labels.bytes();
        for (int i = 0; i < labels.dim(0); i++) {
            int label = lb[labels.dataOffset() + i] & 0xFF;
            if (label >= classes.size()) {
                throw new DatasetException(labels.file() + ": at byte offset " + (labels.dataOffset() + i)
                        + " (label " + i + "): expected a class index 0.." + (classes.size() - 1) + ", got " + label);
            }
        }
        this.name = name;
        this.classes = List.copyOf(classes);
        this.images = images.bytes();
        this.imageOffset = images.dataOffset();
        this.count = images.dim(0);
        this.rows = images.dim(1);
        this.cols = images.dim(2);
        this.labels = lb;
        this.labelOffset = labels.dataOffset();
        MessageDigest md = Hashing.sha256();
        md.update(images.sha256());
        md.update(labels.sha256());
        this.fingerprint = name + ":sha256:" + Hashing.hex(md.digest());
    }

    /**
     * Loads {@code <dir>/<prefix>-images-idx3-ubyte[.gz]} and {@code <dir>/<prefix>-labels-idx1-ubyte[.gz]}
     * (the gzipped name is preferred when both exist).
     *
     * @param missingHelp appended to the error when a file is absent: how to get the dataset
     */
    static IdxDataset load(String name, List<String> classes, Path dir, String prefix, String missingHelp) {
        Path img = find(dir, prefix + "-images-idx3-ubyte", missingHelp);
        Path lab = find(dir, prefix + "-labels-idx1-ubyte", missingHelp);
        return new IdxDataset(name, classes, IdxFile.read(img, 3), IdxFile.read(lab, 1));
    }

    private static Path find(Path dir, String base, String missingHelp) {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(base);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new DatasetException("dataset file not found: looked for " + gz + " and " + plain
                + (Files.isDirectory(dir) ? "" : " (the folder " + dir + " does not exist)") + ". " + missingHelp);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Sample get(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(name + ": index " + index + " outside 0.." + (count - 1));
        }
        int n = rows * cols;
        byte[] px = new byte[n];
        // A copy, because Image hands its array to callers who may change it; 784 bytes cost nothing.
        System.arraycopy(images, imageOffset + index * n, px, 0, n);
        return new Sample(new Image(cols, rows, 1, px), labels[labelOffset + index] & 0xFF);
    }

    /** The label of sample {@code index}, without copying its image (for histograms and class-balanced sampling). */
    public int label(int index) {
        return labels[labelOffset + index] & 0xFF;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public String name() {
        return name;
    }

    /** {@code <name>:sha256:<hex>}, the hash over the SHA-256s of the images file and the labels file as stored. */
    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String toString() {
        return name + " (" + count + " images " + cols + "×" + rows + ", " + classes.size() + " classes)";
    }
}
