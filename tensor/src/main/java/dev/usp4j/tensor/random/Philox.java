package dev.usp4j.tensor.random;

/**
 * The Philox4x32-10 counter-based generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11):
 * a pure function from a 64-bit key and a 128-bit counter to four 32-bit words.
 *
 * <p>Because each output depends only on (key, counter), element {@code i} of a random array is computed from
 * counter {@code offset + i/4} alone: the numbers are the same whatever the thread split or the device, which a
 * sequential generator such as Mersenne Twister cannot give.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /**
     * Fills {@code out[outOff..outOff+4)} with the four words for counter (c0, c1, c2, c3) under key (k0, k1).
     * Ten rounds, as the "-10" says; fewer fail BigCrush.
     */
    public static void block(int k0, int k1, int c0, int c1, int c2, int c3, int[] out, int outOff) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        out[outOff] = c0;
        out[outOff + 1] = c1;
        out[outOff + 2] = c2;
        out[outOff + 3] = c3;
    }

    /** The four words of block {@code blockIndex} of the stream of {@code seed}. */
    public static void block(long seed, long blockIndex, int[] out, int outOff) {
        block((int) seed, (int) (seed >>> 32), (int) blockIndex, (int) (blockIndex >>> 32), 0, 0, out, outOff);
    }

    /** A uniform float in [0, 1) from the top 24 bits of a word (every value exactly representable). */
    public static float uniform(int word) {
        return (word >>> 8) * 0x1.0p-24f;
    }

    /** A uniform double in (0, 1], never 0, for logarithms. */
    public static double uniformOpenZero(int word) {
        return ((word >>> 8) + 1) * 0x1.0p-24;
    }
}
