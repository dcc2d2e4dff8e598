package dev.usp4j.usp.eval;

import dev.usp4j.data.Image;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes samples as the ADM evaluator reads them (usp-spec §3.5, §7.3): an .npz holding one array {@code arr_0},
 * uint8 of shape (N, H, W, C), NHWC. The {@code arr_0.npy} entry is byte for byte what NumPy 1.24's
 * {@code np.save} writes (format version 1.0 header, {@code '|u1'}, fortran_order False, padded to 64 bytes with
 * NumPy's spare room for the first axis to grow), so the evaluator streams it without a copy. The zip uses deflate
 * at level 0 (stored blocks: no compression work, read by NumPy's and the evaluator's zipfile readers alike), is
 * written image by image through {@link Writer} so 50K samples never sit in memory, and goes to a temporary name
 * that is renamed into place on {@link Writer#close()}.
 */
public final class NpzExport {
    /** NumPy's header alignment (ARRAY_ALIGN) and spare digits for the growth axis (GROWTH_AXIS_MAX_DIGITS). */
    private static final int ALIGN = 64;
    private static final int GROWTH_DIGITS = 21;

    private NpzExport() {
    }

    /** Writes {@code images} (all of one size and channel count) to {@code file}. */
    public static void write(Path file, List<Image> images) throws IOException {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("NpzExport: no images to write to " + file);
        }
        Image first = images.get(0);
        try (Writer w = open(file, images.size(), first.height(), first.width(), first.channels())) {
            for (Image im : images) {
                w.add(im);
            }
        }
    }

    /** A writer for exactly {@code n} images of h×w×c; {@link Writer#close()} fails unless all were added. */
    public static Writer open(Path file, int n, int h, int w, int c) throws IOException {
        return new Writer(file, n, h, w, c);
    }

    /** The .npy header NumPy 1.24 writes for a C-order uint8 array of {@code shape}. */
    static byte[] npyHeader(int... shape) {
        StringBuilder sh = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sh.append(shape[i]).append(i == 0 && shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        sh.append(')');
        StringBuilder dict = new StringBuilder("{'descr': '|u1', 'fortran_order': False, 'shape': ").append(sh)
                .append(", }");
        if (shape.length > 0) {
            dict.append(" ".repeat(Math.max(0, GROWTH_DIGITS - Integer.toString(shape[0]).length())));
        }
        // As NumPy: a header already aligned still gets a full ALIGN of spaces.
        int pad = ALIGN - (10 + dict.length() + 1) % ALIGN;
        dict.append(" ".repeat(pad)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        if (text.length > 0xffff) {
            throw new IllegalArgumentException("NpzExport: header too long for format 1.0");
        }
        byte[] out = new byte[10 + text.length];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
        System.arraycopy(magic, 0, out, 0, 8);
        out[8] = (byte) text.length;
        out[9] = (byte) (text.length >>> 8);
        System.arraycopy(text, 0, out, 10, text.length);
        return out;
    }

    /** Streams images into one npz; see {@link NpzExport}. */
    public static final class Writer implements AutoCloseable {
        private final Path file;
        private final Path tmp;
        private final int n;
        private final int h;
        private final int w;
        private final int c;
        private final ZipOutputStream zip;
        private final OutputStream out;
        private int added;
        private boolean closed;

        private Writer(Path file, int n, int h, int w, int c) throws IOException {
            if (n <= 0 || h <= 0 || w <= 0 || (c != 1 && c != 3)) {
                throw new IllegalArgumentException("NpzExport: need n, h, w > 0 and 1 or 3 channels, got n = " + n
                        + ", " + h + "×" + w + "×" + c);
            }
            this.file = file;
            this.n = n;
            this.h = h;
            this.w = w;
            this.c = c;
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            this.tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            this.zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20));
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry("arr_0.npy"));
            zip.write(npyHeader(n, h, w, c));
            this.out = zip;
        }

        /** Appends one image, which must have the writer's size and channel count. */
        public void add(Image image) throws IOException {
            if (image.width() != w || image.height() != h || image.channels() != c) {
                throw new IllegalArgumentException("NpzExport: image " + added + " is " + image.width() + "×"
                        + image.height() + "×" + image.channels() + ", the file holds " + w + "×" + h + "×" + c);
            }
            if (added == n) {
                throw new IllegalStateException("NpzExport: all " + n + " images were already written");
            }
            // Image pixels are row-major HWC bytes: exactly one NHWC slice.
            out.write(image.pixels());
            added++;
        }

        /** Finishes the zip and renames it into place; with fewer images than announced, deletes it and fails. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                zip.closeEntry();
                zip.close();
                if (added != n) {
                    throw new IllegalStateException("NpzExport: " + added + " of " + n + " images written to "
                            + file + "; nothing was kept");
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
