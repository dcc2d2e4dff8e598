package dev.usp4j.data.datasets;

import dev.usp4j.data.DatasetException;
import dev.usp4j.data.Image;
import dev.usp4j.data.Sample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.usp4j.data.datasets.IdxReaderTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** CIFAR-10 and CIFAR-100 binary batches written here: layout (CHW → HWC), labels, names, broken files. */
class CifarReaderTest {
    @TempDir
    Path dir;

    /** Records whose pixel (x, y) in channel c is (x + 2y + 50c + 7·record) mod 256. */
    static byte[] records(int[][] labels) {
        int rec = labels[0].length + 3072;
        byte[] out = new byte[labels.length * rec];
        for (int r = 0; r < labels.length; r++) {
            for (int b = 0; b < labels[r].length; b++) {
                out[r * rec + b] = (byte) labels[r][b];
            }
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        out[r * rec + labels[r].length + c * 1024 + y * 32 + x] = (byte) (x + 2 * y + 50 * c + 7 * r);
                    }
                }
            }
        }
        return out;
    }

    private void cifar10Train() throws IOException {
        for (int i = 1; i <= 5; i++) {
            Files.write(dir.resolve("data_batch_" + i + ".bin"), records(new int[][] {{i}, {i + 4}}));
        }
    }

    @Test
    void cifar10LayoutLabelsAndNames() throws IOException {
        cifar10Train();
        Cifar ds = Cifar.cifar10(dir, true);
        assertEquals(10, ds.size());
        assertEquals("cifar10/train", ds.name());
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), ds.classes());
        Sample s = ds.get(3); // batch 2, record 1
        assertEquals(6, s.label());
        Image im = s.image();
        assertEquals(32, im.width());
        assertEquals(3, im.channels());
        for (int c = 0; c < 3; c++) {
            assertEquals((5 + 2 * 9 + 50 * c + 7) & 0xFF, im.get(5, 9, c), "channel " + c);
        }
        Files.writeString(dir.resolve("batches.meta.txt"),
                "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        assertEquals("truck", Cifar.cifar10(dir, true).classes().get(9));
        Files.write(dir.resolve("test_batch.bin"), records(new int[][] {{0}}));
        Cifar test = Cifar.cifar10(dir, false);
        assertEquals(1, test.size());
        assertNotEquals(ds.fingerprint(), test.fingerprint());
    }

    @Test
    void cifar100UsesTheFineLabel() throws IOException {
        Files.write(dir.resolve("train.bin"), records(new int[][] {{19, 99}, {0, 42}}));
        Cifar ds = Cifar.cifar100(dir, true);
        assertEquals(2, ds.size());
        assertEquals(99, ds.get(0).label());
        assertEquals(42, ds.get(1).label());
        assertEquals(100, ds.classes().size());
        assertEquals((3 + 2 * 4 + 100 + 7) & 0xFF, ds.get(1).image().get(3, 4, 2));
    }

    @Test
    void truncatedRecordNamesFileAndOffset() throws IOException {
        cifar10Train();
        Path f = dir.resolve("data_batch_3.bin");
        byte[] good = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(good, good.length - 1));
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar.cifar10(dir, true));
        assertContains(e, f.toString());
        assertContains(e, "truncated record at byte offset 3073");
        assertContains(e, "only 3072 remain");
    }

    @Test
    void badLabelsNameFileAndOffset() throws IOException {
        Files.write(dir.resolve("test_batch.bin"), records(new int[][] {{1}, {10}}));
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar.cifar10(dir, false));
        assertContains(e, "test_batch.bin");
        assertContains(e, "byte offset 3073");
        assertContains(e, "0..9, got 10");
        Files.write(dir.resolve("test.bin"), records(new int[][] {{1, 100}}));
        DatasetException fine = assertThrows(DatasetException.class, () -> Cifar.cifar100(dir, false));
        assertContains(fine, "byte offset 1");
        assertContains(fine, "0..99, got 100");
        Files.write(dir.resolve("test.bin"), records(new int[][] {{1, 2}, {20, 3}}));
        DatasetException coarse = assertThrows(DatasetException.class, () -> Cifar.cifar100(dir, false));
        assertContains(coarse, "byte offset 3074");
        assertContains(coarse, "coarse label 0..19, got 20");
    }

    @Test
    void missingBatchAndWrongNameCount() throws IOException {
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar.cifar10(dir, true));
        assertContains(e, dir.resolve("data_batch_1.bin").toString());
        assertContains(e, "cifar-10-binary.tar.gz");
        Files.write(dir.resolve("train.bin"), records(new int[][] {{0, 0}}));
        Files.writeString(dir.resolve("fine_label_names.txt"), "apple\npear\n");
        assertContains(assertThrows(DatasetException.class, () -> Cifar.cifar100(dir, true)),
                "expected 100 class names");
    }
}
