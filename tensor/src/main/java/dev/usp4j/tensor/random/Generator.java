package dev.usp4j.tensor.random;

/**
 * A seed plus a position in its Philox stream, handing out disjoint ranges of counter blocks to each random op.
 *
 * <p>Like {@code torch.Generator}: two generators with the same seed, used by the same sequence of ops, give the
 * same numbers. Each op reserves {@code ceil(n/4)} blocks, so results never depend on thread count or device.
 * {@link #state()}/{@link #setState(long)} let a checkpoint resume the exact stream. Thread-safe.
 */
public final class Generator {
    private static volatile Generator defaultGenerator = new Generator(0x5eed_0f_05b4L);

    private final long seed;
    private long offset;

    public Generator(long seed) {
        this.seed = seed;
    }

    /** The process-wide generator used when none is given. */
    public static Generator defaultGenerator() {
        return defaultGenerator;
    }

    /** Replaces the default generator by a fresh one with this seed (torch.manual_seed). */
    public static void manualSeed(long seed) {
        defaultGenerator = new Generator(seed);
    }

    public long seed() {
        return seed;
    }

    /** Reserves the blocks for {@code elements} numbers and returns the first block's index. */
    public synchronized long reserve(long elements) {
        long first = offset;
        offset += (elements + 3) / 4;
        return first;
    }

    /** The next block index to be handed out. */
    public synchronized long state() {
        return offset;
    }

    /** Restores a position saved by {@link #state()}. */
    public synchronized void setState(long blockOffset) {
        if (blockOffset < 0) {
            throw new IllegalArgumentException("generator: negative offset " + blockOffset);
        }
        this.offset = blockOffset;
    }
}
