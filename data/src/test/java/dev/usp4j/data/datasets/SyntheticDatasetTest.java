package dev.usp4j.data.datasets;

import dev.usp4j.data.Image;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The synthetic dataset: deterministic per (seed, index), balanced labels, classes that differ visibly. */
class SyntheticDatasetTest {
    @Test
    void deterministicAndSeedDependent() {
        SyntheticDataset a = new SyntheticDataset(50, 16, 12, 3, 5, 42);
        SyntheticDataset b = new SyntheticDataset(50, 16, 12, 3, 5, 42);
        SyntheticDataset c = new SyntheticDataset(50, 16, 12, 3, 5, 43);
        // Asking in a different order gives the same samples.
        for (int i = 49; i >= 0; i--) {
            assertEquals(a.get(i), b.get(i));
        }
        assertNotEquals(a.get(7).image(), c.get(7).image());
        assertEquals(a.fingerprint(), b.fingerprint());
        assertNotEquals(a.fingerprint(), c.fingerprint());
        Image im = a.get(0).image();
        assertEquals(16, im.width());
        assertEquals(12, im.height());
        assertEquals(3, im.channels());
    }

    @Test
    void balancedLabelsAndDistinctClasses() {
        SyntheticDataset ds = new SyntheticDataset(40, 28, 28, 1, 4, 7);
        int[] hist = new int[4];
        double[] mean = new double[4];
        for (int i = 0; i < ds.size(); i++) {
            int label = ds.get(i).label();
            hist[label]++;
            long sum = 0;
            for (byte v : ds.get(i).image().pixels()) {
                sum += v & 0xFF;
            }
            mean[label] += sum / 784.0 / 10;
        }
        assertEquals(java.util.List.of(10, 10, 10, 10), java.util.Arrays.stream(hist).boxed().toList());
        assertEquals(4, ds.classes().size());
        for (int k = 0; k < 4; k++) {
            assertTrue(mean[k] > 10 && mean[k] < 250, "class " + k + " mean " + mean[k]);
        }
        assertNotEquals(ds.get(0).image(), ds.get(4).image(), "positions vary within a class");
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(40));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticDataset(1, 2, 2, 3, 2, 0));
    }
}
