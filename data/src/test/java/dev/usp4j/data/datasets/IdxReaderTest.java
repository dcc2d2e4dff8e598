package dev.usp4j.data.datasets;

import dev.usp4j.data.DatasetException;
import dev.usp4j.data.Sample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IDX reader and the MNIST-style datasets on small files written here: good ones and broken ones. */
class IdxReaderTest {
    @TempDir
    Path dir;

    /** An IDX file of unsigned bytes: magic 0x000008rr, big-endian dims, then data. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(0x0800 | dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    static byte[] pixels(int n, int rows, int cols) {
        byte[] px = new byte[n * rows * cols];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 7 + 3);
        }
        return px;
    }

    private void writeSplit(String prefix, int n, boolean gz, byte[] labels) throws IOException {
        byte[] img = idx(new int[] {n, 28, 28}, pixels(n, 28, 28));
        byte[] lab = idx(new int[] {labels.length}, labels);
        String suffix = gz ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), gz ? gzip(img) : img);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), gz ? gzip(lab) : lab);
    }

    @Test
    void readsPlainAndGzippedSplits() throws IOException {
        writeSplit("train", 5, true, new byte[] {3, 1, 4, 1, 5});
        writeSplit("t10k", 2, false, new byte[] {9, 0});
        IdxDataset train = FashionMnist.load(dir, true);
        IdxDataset test = Mnist.load(dir, false);
        assertEquals(5, train.size());
        assertEquals(2, test.size());
        assertEquals("Ankle boot", train.classes().get(9));
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), test.classes());
        assertEquals("mnist/test", test.name());
        byte[] all = pixels(5, 28, 28);
        for (int i = 0; i < 5; i++) {
            Sample s = train.get(i);
            assertArrayEquals(Arrays.copyOfRange(all, i * 784, (i + 1) * 784), s.image().pixels(), "image " + i);
            assertEquals(new int[] {3, 1, 4, 1, 5}[i], s.label());
            assertEquals(s.label(), train.label(i));
        }
        assertEquals(9, test.get(0).label());
        assertThrows(IndexOutOfBoundsException.class, () -> train.get(5));
        assertNotEquals(train.fingerprint(), test.fingerprint());
        assertTrue(train.fingerprint().startsWith("fashion-mnist/train:sha256:"));
    }

    @Test
    void fingerprintFollowsTheBytes() throws IOException {
        writeSplit("train", 3, false, new byte[] {0, 1, 2});
        String before = FashionMnist.load(dir, true).fingerprint();
        assertEquals(before, FashionMnist.load(dir, true).fingerprint());
        writeSplit("train", 3, false, new byte[] {0, 1, 3});
        assertNotEquals(before, FashionMnist.load(dir, true).fingerprint());
    }

    @Test
    void readsOtherRanksAndDims() throws IOException {
        Path f = dir.resolve("x.idx");
        Files.write(f, idx(new int[] {2, 3, 4}, new byte[24]));
        IdxFile idx = IdxFile.read(f, 3);
        assertArrayEquals(new int[] {2, 3, 4}, idx.dims());
        assertEquals(16, idx.dataOffset());
        assertEquals(40, idx.bytes().length);
    }

    @Test
    void missingDatasetSaysHowToGetIt() {
        Path nowhere = dir.resolve("nowhere");
        DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.load(nowhere, true));
        assertContains(e, "apt-get install dataset-fashion-mnist");
        assertContains(e, nowhere.resolve("train-images-idx3-ubyte.gz").toString());
        assertContains(e, "/usr/share/datasets/fashion-mnist");
    }

    @Test
    void wrongMagicNamesFileAndOffset() throws IOException {
        Path f = dir.resolve("labels");
        Files.write(f, idx(new int[] {2, 2, 2}, new byte[8]));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxFile.read(f, 1));
        assertContains(e, f.toString());
        assertContains(e, "byte offset 0");
        assertContains(e, "0x00000801");
        assertContains(e, "0x00000803");
    }

    @Test
    void otherDataTypeIsRejected() throws IOException {
        Path f = dir.resolve("floats");
        Files.write(f, new byte[] {0, 0, 0x0D, 1, 0, 0, 0, 0});
        DatasetException e = assertThrows(DatasetException.class, () -> IdxFile.read(f, 1));
        assertContains(e, "0x00000d01");
    }

    @Test
    void truncatedHeaderAndData() throws IOException {
        Path f = dir.resolve("short");
        Files.write(f, new byte[] {0, 0, 8});
        assertContains(assertThrows(DatasetException.class, () -> IdxFile.read(f, 3)), "byte offset 3");
        byte[] full = idx(new int[] {3, 28, 28}, pixels(3, 28, 28));
        Files.write(f, Arrays.copyOf(full, 10));
        DatasetException header = assertThrows(DatasetException.class, () -> IdxFile.read(f, 3));
        assertContains(header, "truncated at byte offset 10");
        Files.write(f, Arrays.copyOf(full, full.length - 100));
        DatasetException data = assertThrows(DatasetException.class, () -> IdxFile.read(f, 3));
        assertContains(data, f.toString());
        assertContains(data, "truncated at byte offset " + (full.length - 100));
        assertContains(data, "2352 data bytes from offset 16");
    }

    @Test
    void truncatedGzipAndTrailingBytes() throws IOException {
        Path f = dir.resolve("t.gz");
        byte[] gz = gzip(idx(new int[] {3, 28, 28}, pixels(3, 28, 28)));
        Files.write(f, Arrays.copyOf(gz, gz.length / 2));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxFile.read(f, 3));
        assertContains(e, f.toString());
        assertContains(e, "gzip");
        Path g = dir.resolve("long");
        byte[] good = idx(new int[] {2}, new byte[] {1, 2});
        Files.write(g, Arrays.copyOf(good, good.length + 3));
        assertContains(assertThrows(DatasetException.class, () -> IdxFile.read(g, 1)), "byte offset 10");
    }

    @Test
    void countMismatchAndBadLabel() throws IOException {
        writeSplit("train", 4, false, new byte[] {0, 1, 2});
        DatasetException count = assertThrows(DatasetException.class, () -> FashionMnist.load(dir, true));
        assertContains(count, "train-labels-idx1-ubyte");
        assertContains(count, "expected 4 labels");
        assertContains(count, "got 3");
        writeSplit("train", 3, false, new byte[] {0, 10, 2});
        DatasetException bad = assertThrows(DatasetException.class, () -> FashionMnist.load(dir, true));
        assertContains(bad, "train-labels-idx1-ubyte");
        assertContains(bad, "byte offset 9");
        assertContains(bad, "0..9, got 10");
    }

    static void assertContains(Exception e, String part) {
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
}
