package dev.usp4j.tensor.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * Philox4x32-10 against the known-answer vectors published with Random123 (Salmon et al.): counter and key all
 * zeros, all ones, and the vector built from the hex digits of pi.
 */
class PhiloxTest {

    private static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        int[] out = new int[4];
        Philox.block(k0, k1, c0, c1, c2, c3, out, 0);
        return out;
    }

    @Test
    void zeros() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, block(0, 0, 0, 0, 0, 0));
    }

    @Test
    void ones() {
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                block(-1, -1, -1, -1, -1, -1));
    }

    @Test
    void piDigits() {
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void streamBlocksUseTheSeedAsKeyAndTheIndexAsCounter() {
        int[] got = new int[4];
        long seed = 0x299f31d0_a4093822L;
        long index = 0x85a308d3_243f6a88L;
        Philox.block(seed, index, got, 0);
        assertArrayEquals(block(0x243f6a88, 0x85a308d3, 0, 0, 0xa4093822, 0x299f31d0), got);
    }

    @Test
    void uniformsStayInTheirIntervals() {
        for (int w : new int[] {0, 1, 255, 256, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            float u = Philox.uniform(w);
            double v = Philox.uniformOpenZero(w);
            if (!(u >= 0 && u < 1) || !(v > 0 && v <= 1)) {
                throw new AssertionError("word " + w + ": uniform " + u + ", open-zero " + v);
            }
        }
    }
}
