package dev.usp4j.data.datasets;

import dev.usp4j.data.ColorMode;
import dev.usp4j.data.Dataset;
import dev.usp4j.data.DatasetException;
import dev.usp4j.data.ImageFiles;
import dev.usp4j.data.Sample;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * torchvision's {@code ImageFolder}: {@code root/<class>/.../<image>}, one class per sub-folder, labels by sorted
 * folder name, files sorted by path within each class (sub-folders included, as torchvision's sorted os.walk).
 * Files whose extension javax.imageio can read are taken, hidden files and others skipped. Only the list of paths is
 * held; each {@link #get} decodes its file (through {@link ImageFiles#read}, with PIL's conversion rules), so the
 * folder can be larger than memory and decoding runs on the loader's threads.
 */
public final class ImageFolder implements Dataset {
    private final Path root;
    private final ColorMode mode;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;
    private volatile String fingerprint;

    private ImageFolder(Path root, ColorMode mode, List<String> classes, List<Path> files, int[] labels) {
        this.root = root;
        this.mode = mode;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
    }

    /**
     * Lists {@code root}'s class folders and their image files.
     *
     * @throws DatasetException if root is not a folder, has no class folders, or a class folder has no image
     */
    public static ImageFolder open(Path root, ColorMode mode) {
        if (!Files.isDirectory(root)) {
            throw new DatasetException("image folder " + root + " does not exist or is not a folder");
        }
        Set<String> suffixes = new TreeSet<>();
        for (String s : ImageIO.getReaderFileSuffixes()) {
            suffixes.add(s.toLowerCase(Locale.ROOT));
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !hidden(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new DatasetException(root + ": cannot list the folder: " + e.getMessage(), e);
        }
        if (classDirs.isEmpty()) {
            throw new DatasetException(root + ": no class folders (expected " + root + "/<class>/<image files>)");
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            int label = classes.size();
            classes.add(dir.getFileName().toString());
            List<Path> found;
            try (Stream<Path> s = Files.walk(dir, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
                found = s.filter(Files::isRegularFile)
                        .filter(p -> !hidden(p) && suffixes.contains(extension(p)))
                        // torchvision sorts (folder, name) pairs of os.walk: folder first, then file name.
                        .sorted(Comparator.comparing((Path p) -> dir.relativize(p.getParent()).toString())
                                .thenComparing(p -> p.getFileName().toString()))
                        .toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new DatasetException(dir + ": cannot list the folder: " + e.getMessage(), e);
            }
            if (found.isEmpty()) {
                throw new DatasetException(dir + ": class folder '" + dir.getFileName() + "' holds no image file "
                        + "(extensions read: " + String.join(", ", suffixes) + ")");
            }
            for (Path f : found) {
                files.add(f);
                labels.add(label);
            }
        }
        return new ImageFolder(root, mode, List.copyOf(classes), List.copyOf(files),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    @Override
    public int size() {
        return files.size();
    }

    /** Decodes file {@code index}; a file that fails gives a {@link DatasetException} naming it. */
    @Override
    public Sample get(int index) {
        return new Sample(ImageFiles.read(files.get(index), mode), labels[index]);
    }

    /** The file behind sample {@code index}. */
    public Path file(int index) {
        return files.get(index);
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public String name() {
        return "imagefolder/" + root.toAbsolutePath().normalize().getFileName();
    }

    /**
     * SHA-256 over the colour mode and, for each file in order, its path relative to the root, its size and the
     * SHA-256 of its bytes. Modification times are left out on purpose, so that a copy of the same files matches.
     * The cost is reading every byte once (about a second per GB from a warm cache, disk speed otherwise); it is
     * computed on the first call and kept.
     */
    @Override
    public String fingerprint() {
        String fp = fingerprint;
        if (fp == null) {
            MessageDigest all = Hashing.sha256();
            all.update(("mode=" + mode + "\n").getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[1 << 16];
            for (Path f : files) {
                MessageDigest one = Hashing.sha256();
                long size = 0;
                try (InputStream in = Files.newInputStream(f)) {
                    for (int n; (n = in.read(buf)) > 0; size += n) {
                        one.update(buf, 0, n);
                    }
                } catch (IOException e) {
                    throw new DatasetException(f + ": cannot read for the fingerprint: " + e.getMessage(), e);
                }
                String rel = root.relativize(f).toString().replace('\\', '/');
                all.update((rel + "\0" + size + "\0" + Hashing.hex(one.digest()) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            fp = name() + ":sha256:" + Hashing.hex(all.digest());
            fingerprint = fp;
        }
        return fp;
    }

    @Override
    public String toString() {
        return name() + " (" + files.size() + " files, " + classes.size() + " classes, " + mode + ")";
    }
}
