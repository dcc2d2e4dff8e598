package dev.usp4j.usp.pretrain;

import dev.usp4j.data.LatentCache;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;

/**
 * The training batches of a {@link LatentCache} as MAE's loaders give them (shuffled every epoch, drop_last): batch
 * {@code s} is a pure function of (seed, s), so a run resumed at step s sees exactly the batches an uninterrupted
 * run would, without any loader state in the checkpoint. Each epoch's permutation and flip coins come from
 * generators derived from (seed, epoch); when the cache holds flipped latents each sample takes its flip with
 * probability ½ (USP's cached-moments mode), else never. Latents are the scaled posterior modes scale·μ (USP's
 * pretraining and classification input), with the labels.
 */
public final class LatentBatches {
    /** One batch: the dataset indices, which were flipped, latents [B, C, h, w] and int64 labels [B]. */
    public record Batch(int[] indices, boolean[] flipped, NDArray latents, NDArray labels) {
        /** This batch with its latents and labels on {@code device} (itself when they are already there). */
        public Batch to(Device device) {
            return latents.device().equals(device) && labels.device().equals(device) ? this
                    : new Batch(indices, flipped, latents.to(device), labels.to(device));
        }
    }

    private final LatentCache cache;
    private final int batchSize;
    private final long seed;
    private final boolean randomFlip;
    private int epochCached = -1;
    private int[] order;
    private boolean[] flips;

    /** Batches of {@code batchSize} from {@code cache}; flips are drawn when the cache holds them. */
    public LatentBatches(LatentCache cache, int batchSize, long seed) {
        checkNotEmpty(cache, "LatentBatches");
        if (batchSize <= 0 || cache.size() < batchSize) {
            throw new IllegalArgumentException("LatentBatches: " + cache.file() + " holds " + cache.size()
                    + " latents, fewer than one batch of " + batchSize + " (batches drop the last partial one)");
        }
        this.cache = cache;
        this.batchSize = batchSize;
        this.seed = seed;
        this.randomFlip = cache.spec().flip();
    }

    /** Fails with a message naming the cache when it holds no latents. */
    public static void checkNotEmpty(LatentCache cache, String who) {
        if (cache == null) {
            throw new IllegalArgumentException(who + ": no latent cache given");
        }
        if (cache.size() == 0) {
            throw new IllegalArgumentException(who + ": the latent cache " + cache.file() + " is empty (0 latents)");
        }
    }

    /** Full batches per epoch, ⌊N / B⌋. */
    public int itersPerEpoch() {
        return cache.size() / batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Whether samples are flipped at random (the cache holds flips). */
    public boolean randomFlip() {
        return randomFlip;
    }

    /** The batch of optimiser step {@code step} (0-based). */
    public synchronized Batch batch(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("LatentBatches: step must be >= 0, got " + step);
        }
        int ipe = itersPerEpoch();
        int epoch = Math.toIntExact(step / ipe);
        if (epoch != epochCached) {
            shuffle(epoch);
        }
        int start = (int) (step % ipe) * batchSize;
        int[] idx = Arrays.copyOfRange(order, start, start + batchSize);
        boolean[] f = Arrays.copyOfRange(flips, start, start + batchSize);
        return new Batch(idx, f, cache.mode(idx, randomFlip ? f : null), cache.labels(idx));
    }

    private void shuffle(int epoch) {
        int n = cache.size();
        order = new int[n];
        Arrays.setAll(order, i -> i);
        float[] u = NDArray.rand(new Generator(mix(seed, epoch, 1)), n).toFloatArray();
        for (int i = n - 1; i > 0; i--) {
            int j = Math.min(i, (int) (u[i] * (i + 1)));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        flips = new boolean[n];
        if (randomFlip) {
            float[] coin = NDArray.rand(new Generator(mix(seed, epoch, 2)), n).toFloatArray();
            for (int i = 0; i < n; i++) {
                flips[i] = coin[i] < 0.5f;
            }
        }
        epochCached = epoch;
    }

    /** A generator seed from (seed, epoch, stream) through a 64-bit mix, so nearby seeds give unrelated streams. */
    static long mix(long seed, long epoch, long stream) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + stream * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Unshuffled, unflipped latents and labels of samples [start, start + count) (for evaluation). */
    public static Batch sequential(LatentCache cache, int start, int count) {
        int[] idx = new int[count];
        Arrays.setAll(idx, i -> start + i);
        return new Batch(idx, new boolean[count], cache.mode(idx, null), cache.labels(idx));
    }
}
