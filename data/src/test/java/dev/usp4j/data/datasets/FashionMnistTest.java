package dev.usp4j.data.datasets;

import dev.usp4j.data.Image;
import dev.usp4j.data.Sample;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real Fashion-MNIST from /usr/share/datasets/fashion-mnist, read whole. The expected numbers come from
 * data/src/test/python/fashion_mnist_facts.py (NumPy + gzip, independent of this reader). Skips when the Debian
 * package dataset-fashion-mnist is not installed.
 */
class FashionMnistTest {
    private static IdxDataset train;
    private static IdxDataset test;

    @BeforeAll
    static void load() {
        assumeTrue(FashionMnist.standardInstalled(), "Fashion-MNIST is not installed in " + FashionMnist.STANDARD_DIR
                + " (apt-get install dataset-fashion-mnist): skipping the real-data test");
        long t0 = System.nanoTime();
        train = FashionMnist.standard(true);
        long t1 = System.nanoTime();
        test = FashionMnist.standard(false);
        long t2 = System.nanoTime();
        System.out.printf("FashionMnistTest: loaded train in %.0f ms, test in %.0f ms%n", (t1 - t0) / 1e6,
                (t2 - t1) / 1e6);
    }

    @Test
    void sizesClassesAndNames() {
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        assertEquals(FashionMnist.CLASSES, train.classes());
        assertEquals("T-shirt/top", train.classes().get(0));
        assertEquals("Ankle boot", train.classes().get(9));
        assertEquals("fashion-mnist/train", train.name());
        assertEquals("fashion-mnist/test", test.name());
        Image im = train.get(0).image();
        assertEquals(28, im.width());
        assertEquals(28, im.height());
        assertEquals(1, im.channels());
    }

    @Test
    void labelHistograms() {
        assertArrayEquals(new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, histogram(train));
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, histogram(test));
    }

    @Test
    void totalPixelSums() {
        assertEquals(3431114169L, pixelSum(train));
        assertEquals(573469082L, pixelSum(test));
    }

    @Test
    void imagesAtFixedIndices() throws Exception {
        check(train, 0, 9, 76247, "5bd44e331a6d6998daf675700cd0c13dcd7af8ab954b7585124124da61459e7b");
        check(train, 1, 0, 84598, "9cf80d28fd40cb6b47fbe6cc085cbcbaf769565e1d9181a533d2540d5b3bb095");
        check(train, 12345, 8, 97611, "60a64c9f9c2e935d86ae2d1243f6d3ed3f7da56174c6b16c41161ec6692e550e");
        check(train, 59999, 5, 16684, "489c477715bd5275b2646b28941db83e4ff26ece5302728fcb7632e1be5110ac");
        check(test, 0, 9, 33456, "ffc7351ed0f8bae542820866086177fa4e0b366b97bf9d998dffdb8dbe138787");
        check(test, 1, 2, 100994, "25138519f4c25d3d91c3d84a3399331418e13a1aa7a85c97fab5e0da9e6b48bb");
        check(test, 4321, 1, 45623, "80b1cfd46c82f6e74e9f81ddf77e9c4b6e49ab50896a731672e6e760dbe0902b");
        check(test, 9999, 5, 24390, "0e65cd3713adf40ebd419516c1a2256c9e24ad75e86a862368adafd141f4c1bb");
    }

    @Test
    void getCopiesAndFingerprintsDiffer() {
        Sample a = train.get(7);
        a.image().pixels()[0] = (byte) 123;
        assertNotEquals(a.image(), train.get(7).image(), "get must hand out a copy");
        assertTrue(train.fingerprint().startsWith("fashion-mnist/train:sha256:"), train.fingerprint());
        assertEquals(train.fingerprint(), FashionMnist.standard(true).fingerprint());
        assertNotEquals(train.fingerprint(), test.fingerprint());
    }

    private static void check(IdxDataset ds, int index, int label, long sum, String sha) throws Exception {
        Sample s = ds.get(index);
        assertEquals(label, s.label(), ds.name() + "[" + index + "] label");
        long total = 0;
        for (byte b : s.image().pixels()) {
            total += b & 0xFF;
        }
        assertEquals(sum, total, ds.name() + "[" + index + "] pixel sum");
        String got = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.image().pixels()));
        assertEquals(sha, got, ds.name() + "[" + index + "] SHA-256");
    }

    private static int[] histogram(IdxDataset ds) {
        int[] h = new int[10];
        for (int i = 0; i < ds.size(); i++) {
            h[ds.get(i).label()]++;
        }
        return h;
    }

    private static long pixelSum(IdxDataset ds) {
        long total = 0;
        for (int i = 0; i < ds.size(); i++) {
            for (byte b : ds.get(i).image().pixels()) {
                total += b & 0xFF;
            }
        }
        return total;
    }
}
