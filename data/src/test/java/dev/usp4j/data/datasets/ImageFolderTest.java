package dev.usp4j.data.datasets;

import dev.usp4j.data.ColorMode;
import dev.usp4j.data.DatasetException;
import dev.usp4j.data.Image;
import dev.usp4j.data.ImageFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.usp4j.data.datasets.IdxReaderTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding against PIL (fixtures from data/src/test/python/image_modes.py: each file with PIL's convert("RGB") and
 * convert("L") bytes), and the folder layout: class order, file order, skipped files, errors.
 */
class ImageFolderTest {
    @TempDir
    Path dir;

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ImageFolderTest.class.getResourceAsStream("/images/" + name)) {
            assertNotNull(in, "missing test resource images/" + name + " (run image_modes.py)");
            return in.readAllBytes();
        }
    }

    private Path copy(String name) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, resource(name));
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb8.png", "grey8.png", "rgba8.png", "greyalpha8.png", "bilevel.png", "palette.png",
            "grey16.png", "rgb16.png", "rgba16.png", "greyalpha16.png", "grey2.png", "grey4.png"})
    void pngDecodesAsPil(String name) throws IOException {
        Path f = copy(name);
        String stem = name.substring(0, name.lastIndexOf('.'));
        Image rgb = ImageFiles.read(f, ColorMode.RGB);
        assertEquals(3, rgb.channels());
        assertEquals(7, rgb.width());
        assertEquals(5, rgb.height());
        assertArrayEquals(resource(stem + ".rgb"), rgb.pixels(), name + " as RGB");
        Image l = ImageFiles.read(f, ColorMode.L);
        assertEquals(1, l.channels());
        assertArrayEquals(resource(stem + ".l"), l.pixels(), name + " as L");
        String pilMode = new String(resource(stem + ".mode")).strip();
        int auto = ImageFiles.read(f, ColorMode.AUTO).channels();
        // PIL's grey modes (and 16-bit grey+alpha, which PIL calls RGBA) are grey files: auto keeps one channel.
        boolean grey = List.of("L", "LA", "I", "1").contains(pilMode) || name.startsWith("grey");
        assertEquals(grey ? 1 : 3, auto, name + " (PIL mode " + pilMode + ") in auto mode");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb.jpg", "grey.jpg"})
    void jpegDecodesCloseToPil(String name) throws IOException {
        Path f = copy(name);
        String stem = name.substring(0, name.lastIndexOf('.'));
        // libjpeg (PIL) and javax.imageio's decoder may round the inverse DCT and colour conversion differently.
        assertClose(resource(stem + ".rgb"), ImageFiles.read(f, ColorMode.RGB).pixels(), 2, name);
        assertClose(resource(stem + ".l"), ImageFiles.read(f, ColorMode.L).pixels(), 2, name);
        assertEquals(name.startsWith("grey") ? 1 : 3, ImageFiles.read(f, ColorMode.AUTO).channels());
    }

    private static void assertClose(byte[] expected, byte[] actual, int tol, String what) {
        assertEquals(expected.length, actual.length, what + " size");
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF)));
        }
        assertTrue(worst <= tol, what + ": max difference from PIL " + worst + " > " + tol);
    }

    @Test
    void classOrderFileOrderAndSkippedFiles() throws IOException {
        Path root = dir.resolve("root");
        // Class folders are listed in sorted order whatever the creation order.
        for (String c : List.of("zebra", "Apple", "mango")) {
            Files.createDirectories(root.resolve(c));
        }
        byte[] rgb = resource("rgb8.png");
        byte[] grey = resource("grey8.png");
        Files.write(root.resolve("zebra/b.png"), rgb);
        Files.write(root.resolve("zebra/a.PNG"), grey);
        Files.write(root.resolve("zebra/notes.txt"), new byte[] {1, 2});
        Files.write(root.resolve("zebra/.hidden.png"), new byte[] {1, 2});
        Files.write(root.resolve("Apple/x.jpg"), resource("rgb.jpg"));
        Files.createDirectories(root.resolve("mango/sub"));
        Files.write(root.resolve("mango/z.png"), grey);
        Files.write(root.resolve("mango/sub/a.png"), rgb);
        Files.createDirectories(root.resolve(".git"));
        Files.write(root.resolve("stray.png"), rgb);
        ImageFolder ds = ImageFolder.open(root, ColorMode.AUTO);
        assertEquals(List.of("Apple", "mango", "zebra"), ds.classes());
        assertEquals(5, ds.size());
        List<String> order = List.of("Apple/x.jpg", "mango/z.png", "mango/sub/a.png", "zebra/a.PNG", "zebra/b.png");
        int[] labels = {0, 1, 1, 2, 2};
        for (int i = 0; i < 5; i++) {
            assertEquals(order.get(i), root.relativize(ds.file(i)).toString().replace('\\', '/'));
            assertEquals(labels[i], ds.get(i).label());
        }
        assertEquals(3, ds.get(0).image().channels());
        assertEquals(1, ds.get(1).image().channels());
        assertEquals(16, ds.get(0).image().width());
        assertEquals(3, ImageFolder.open(root, ColorMode.RGB).get(1).image().channels());
        assertEquals("imagefolder/root", ds.name());
    }

    @Test
    void concurrentGetsAgree() throws IOException {
        Path root = dir.resolve("par");
        Files.createDirectories(root.resolve("a"));
        Files.createDirectories(root.resolve("b"));
        List<String> names = List.of("rgb8.png", "palette.png", "rgb.jpg", "grey16.png");
        for (int i = 0; i < 16; i++) {
            Files.write(root.resolve((i % 2 == 0 ? "a/" : "b/") + i + "-" + names.get(i % 4)),
                    resource(names.get(i % 4)));
        }
        ImageFolder ds = ImageFolder.open(root, ColorMode.RGB);
        List<Image> serial = java.util.stream.IntStream.range(0, ds.size()).mapToObj(i -> ds.get(i).image()).toList();
        for (int round = 0; round < 3; round++) {
            List<Image> parallel = java.util.stream.IntStream.range(0, ds.size()).parallel()
                    .mapToObj(i -> ds.get(i).image()).toList();
            assertEquals(serial, parallel);
        }
    }

    @Test
    void fingerprintFollowsContentNotTimes() throws IOException {
        Path root = dir.resolve("r");
        Files.createDirectories(root.resolve("a"));
        Path f = root.resolve("a/1.png");
        Files.write(f, resource("rgb8.png"));
        String fp = ImageFolder.open(root, ColorMode.RGB).fingerprint();
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(0));
        assertEquals(fp, ImageFolder.open(root, ColorMode.RGB).fingerprint());
        assertNotEquals(fp, ImageFolder.open(root, ColorMode.L).fingerprint());
        Files.write(f, resource("rgba8.png"));
        assertNotEquals(fp, ImageFolder.open(root, ColorMode.RGB).fingerprint());
    }

    @Test
    void decodeErrorsNameTheFile() throws IOException {
        Path root = dir.resolve("bad");
        Files.createDirectories(root.resolve("c"));
        Path junk = root.resolve("c/junk.png");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5});
        Path cut = root.resolve("c/truncated.png");
        byte[] png = resource("rgb8.png");
        Files.write(cut, java.util.Arrays.copyOf(png, png.length / 2));
        ImageFolder ds = ImageFolder.open(root, ColorMode.RGB);
        assertContains(assertThrows(DatasetException.class, () -> ds.get(0)), junk.toString());
        assertContains(assertThrows(DatasetException.class, () -> ds.get(1)), cut.toString());
    }

    @Test
    void layoutErrors() throws IOException {
        assertContains(assertThrows(DatasetException.class, () -> ImageFolder.open(dir.resolve("none"), ColorMode.L)),
                "does not exist");
        Path root = dir.resolve("empty");
        Files.createDirectories(root);
        assertContains(assertThrows(DatasetException.class, () -> ImageFolder.open(root, ColorMode.L)),
                "no class folders");
        Files.createDirectories(root.resolve("cats"));
        Files.writeString(root.resolve("cats/readme.txt"), "no images");
        assertContains(assertThrows(DatasetException.class, () -> ImageFolder.open(root, ColorMode.L)),
                "'cats' holds no image file");
    }

    @Test
    void colorModeParses() {
        assertEquals(ColorMode.RGB, ColorMode.parse("rgb"));
        assertEquals(ColorMode.L, ColorMode.parse("L"));
        assertEquals(ColorMode.AUTO, ColorMode.parse("auto"));
        assertThrows(IllegalArgumentException.class, () -> ColorMode.parse("CMYK"));
    }
}
