package dev.usp4j.data.datasets;

import dev.usp4j.data.Dataset;
import dev.usp4j.data.DatasetException;
import dev.usp4j.data.Image;
import dev.usp4j.data.Sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 and CIFAR-100 from Krizhevsky's binary version, held in memory: 32×32 RGB images stored as records of
 * label byte(s) then 3072 bytes in CHW order (1024 red, 1024 green, 1024 blue). CIFAR-10 reads
 * {@code data_batch_1..5.bin} or {@code test_batch.bin} (1 label byte, names from {@code batches.meta.txt});
 * CIFAR-100 reads {@code train.bin} or {@code test.bin} (a coarse then a fine label byte; the fine label, 0..99, is
 * used, names from {@code fine_label_names.txt}). Without a names file the classes are "0", "1", ....
 * {@link #get} transposes one record to HWC (a 3 KB copy), safe from any thread.
 */
public final class Cifar implements Dataset {
    private static final int PIXELS = 32 * 32 * 3;

    private final String name;
    private final List<String> classes;
    private final byte[] pixels;
    private final byte[] labels;
    private final String fingerprint;

    private Cifar(String name, List<String> classes, byte[] pixels, byte[] labels, String fingerprint) {
        this.name = name;
        this.classes = classes;
        this.pixels = pixels;
        this.labels = labels;
        this.fingerprint = fingerprint;
    }

    /** CIFAR-10's train (5 batches, 50,000 images) or test (10,000) split from {@code dir}. */
    public static Cifar cifar10(Path dir, boolean train) {
        List<String> files = train
                ? List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                        "data_batch_5.bin")
                : List.of("test_batch.bin");
        return load("cifar10/" + (train ? "train" : "test"), dir, files, 1, 10, "batches.meta.txt",
                "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (folder cifar-10-batches-bin)");
    }

    /** CIFAR-100's train (50,000 images) or test (10,000) split from {@code dir}, with the 100 fine labels. */
    public static Cifar cifar100(Path dir, boolean train) {
        return load("cifar100/" + (train ? "train" : "test"), dir, List.of(train ? "train.bin" : "test.bin"), 2, 100,
                "fine_label_names.txt",
                "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz (folder cifar-100-binary)");
    }

    private static Cifar load(String name, Path dir, List<String> files, int labelBytes, int classCount,
                              String namesFile, String source) {
        int record = labelBytes + PIXELS;
        List<byte[]> contents = new ArrayList<>();
        MessageDigest md = Hashing.sha256();
        long total = 0;
        for (String f : files) {
            Path file = dir.resolve(f);
            byte[] raw;
            try {
                raw = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new DatasetException(name + ": " + file + " not found (expected the binary version's files "
                        + String.join(", ", files) + " in " + dir + "; download " + source + " and unpack it)");
            } catch (IOException e) {
                throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
            }
            if (raw.length % record != 0) {
                long at = (long) (raw.length / record) * record;
                throw new DatasetException(file + ": truncated record at byte offset " + at + ": expected " + record
                        + " bytes (" + labelBytes + " label byte" + (labelBytes == 1 ? "" : "s") + " + 3072 pixels), "
                        + "only " + (raw.length - at) + " remain");
            }
            // The label byte that counts is the last one of the record's prefix: CIFAR-100's fine label.
            for (int off = 0; off < raw.length; off += record) {
                for (int b = 0; b < labelBytes; b++) {
                    int v = raw[off + b] & 0xFF;
                    int limit = labelBytes == 2 && b == 0 ? 20 : classCount;
                    if (v >= limit) {
                        throw new DatasetException(file + ": bad label at byte offset " + (off + b) + " (record "
                                + off / record + "): expected " + (labelBytes == 2 && b == 0 ? "a coarse" : "a")
                                + " label 0.." + (limit - 1) + ", got " + v);
                    }
                }
            }
            md.update(Hashing.sha256(raw));
            contents.add(raw);
            total += raw.length / record;
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new DatasetException(name + ": " + total + " images do not fit one Java array");
        }
        int n = (int) total;
        byte[] pixels = new byte[n * PIXELS];
        byte[] labels = new byte[n];
        int i = 0;
        for (byte[] raw : contents) {
            for (int off = 0; off < raw.length; off += record, i++) {
                labels[i] = raw[off + labelBytes - 1];
                System.arraycopy(raw, off + labelBytes, pixels, i * PIXELS, PIXELS);
            }
        }
        List<String> classes = classNames(dir.resolve(namesFile), classCount);
        return new Cifar(name, classes, pixels, labels, name + ":sha256:" + Hashing.hex(md.digest()));
    }

    private static List<String> classNames(Path file, int count) {
        if (!Files.isRegularFile(file)) {
            List<String> numbers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                numbers.add(Integer.toString(i));
            }
            return List.copyOf(numbers);
        }
        List<String> names = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                // The official files end with blank lines; they are not classes.
                if (!line.isBlank()) {
                    names.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read the class names: " + e.getMessage(), e);
        }
        if (names.size() != count) {
            throw new DatasetException(file + ": expected " + count + " class names (one per line), got "
                    + names.size());
        }
        return List.copyOf(names);
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public Sample get(int index) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException(name + ": index " + index + " outside 0.." + (labels.length - 1));
        }
        byte[] hwc = new byte[PIXELS];
        int base = index * PIXELS;
        for (int p = 0; p < 1024; p++) {
            hwc[3 * p] = pixels[base + p];
            hwc[3 * p + 1] = pixels[base + 1024 + p];
            hwc[3 * p + 2] = pixels[base + 2048 + p];
        }
        return new Sample(new Image(32, 32, 3, hwc), labels[index] & 0xFF);
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public String name() {
        return name;
    }

    /** {@code <name>:sha256:<hex>}, over the SHA-256s of the batch files as stored, in order. */
    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String toString() {
        return name + " (" + labels.length + " images 32×32×3, " + classes.size() + " classes)";
    }
}
