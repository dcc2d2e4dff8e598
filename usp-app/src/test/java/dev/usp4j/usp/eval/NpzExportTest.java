package dev.usp4j.usp.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.Image;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NpzExport against np.savez (gen_npz.py): the arr_0.npy entry of our file equals NumPy's byte for byte (header and
 * data); the zip container may differ. Also the header rule on its own, and the writer's errors.
 */
class NpzExportTest {
    @TempDir
    Path dir;

    /** The fixture's images: values (flat index·7 + 3) mod 256 in NHWC order. */
    private static List<Image> images(int n, int h, int w, int c) {
        List<Image> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] px = new byte[h * w * c];
            for (int j = 0; j < px.length; j++) {
                px[j] = (byte) ((((long) i * px.length + j) * 7 + 3) % 256);
            }
            out.add(new Image(w, h, c, px));
        }
        return out;
    }

    private static byte[] entry(InputStream zipped, String name) throws Exception {
        try (ZipInputStream z = new ZipInputStream(zipped)) {
            byte[] found = null;
            int entries = 0;
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                entries++;
                if (e.getName().equals(name)) {
                    found = z.readAllBytes();
                }
            }
            assertEquals(1, entries, "one array in the npz");
            return found;
        }
    }

    private void matchesNumpy(String fixture, int n, int h, int w, int c) throws Exception {
        byte[] numpy;
        try (InputStream in = getClass().getResourceAsStream("/npz/" + fixture + ".npz")) {
            numpy = entry(in, "arr_0.npy");
        }
        Path ours = dir.resolve(fixture + ".npz");
        NpzExport.write(ours, images(n, h, w, c));
        byte[] mine = entry(Files.newInputStream(ours), "arr_0.npy");
        assertEquals(new String(numpy, 0, 128, java.nio.charset.StandardCharsets.ISO_8859_1),
                new String(mine, 0, 128, java.nio.charset.StandardCharsets.ISO_8859_1));
        assertArrayEquals(numpy, mine);
    }

    @Test
    void rgbEntryEqualsNumpys() throws Exception {
        matchesNumpy("rgb_3x4x5x3", 3, 4, 5, 3);
    }

    @Test
    void greyEntryEqualsNumpys() throws Exception {
        matchesNumpy("grey_2x6x7x1", 2, 6, 7, 1);
    }

    @Test
    void headerIsAlignedTo64() {
        for (int n : new int[] {1, 9, 50_000, 1_000_000}) {
            byte[] h = NpzExport.npyHeader(n, 256, 256, 3);
            assertEquals(0, h.length % 64, "header length for n = " + n);
            assertEquals('\n', h[h.length - 1]);
            assertEquals(1, h[6]);
            assertEquals(0, h[7]);
        }
    }

    @Test
    void writerChecksSizesAndKeepsNothingWhenShort() throws Exception {
        Path f = dir.resolve("short.npz");
        NpzExport.Writer w = NpzExport.open(f, 2, 4, 5, 3);
        w.add(images(1, 4, 5, 3).get(0));
        String m = assertThrows(IllegalArgumentException.class, () -> w.add(images(1, 4, 4, 3).get(0)))
                .getMessage();
        assertTrue(m.contains("4×4×3") && m.contains("5×4×3"), m);
        m = assertThrows(IllegalStateException.class, w::close).getMessage();
        assertTrue(m.contains("1 of 2"), m);
        assertFalse(Files.exists(f));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary file left");
        }
        m = assertThrows(IllegalArgumentException.class, () -> NpzExport.write(f, List.of())).getMessage();
        assertTrue(m.contains("no images"), m);
    }
}
