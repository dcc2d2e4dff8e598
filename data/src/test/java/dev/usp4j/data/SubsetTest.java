package dev.usp4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Subset.first: the leading samples unchanged, a fingerprint of its own, the whole split for 0 or n ≥ size. */
class SubsetTest {
    @Test
    void firstSamplesWithTheirOwnFingerprint() {
        Dataset all = new ListDataset(10, 4, 4, "fp");
        Dataset sub = Subset.first(all, 4);
        assertEquals(4, sub.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(all.get(i).label(), sub.get(i).label());
            assertEquals(all.get(i).image(), sub.get(i).image());
        }
        assertEquals(all.classes(), sub.classes());
        assertNotEquals(all.fingerprint(), sub.fingerprint());
        assertNotEquals(Subset.first(all, 5).fingerprint(), sub.fingerprint());
        assertTrue(sub.name().endsWith("[:4]"), sub.name());
        assertThrows(IndexOutOfBoundsException.class, () -> sub.get(4));
        assertSame(all, Subset.first(all, 0));
        assertSame(all, Subset.first(all, 10));
        assertSame(all, Subset.first(all, 11));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Subset.first(all, -1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }
}
