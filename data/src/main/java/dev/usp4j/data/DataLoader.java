package dev.usp4j.data;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Batches of transformed samples for a trainer, as PyTorch's {@code DataLoader}: a fresh shuffle of the dataset every
 * epoch (from the seed and the epoch number), fixed-size batches with or without the short last one, and worker
 * threads that read, transform and stack batches ahead of the trainer through a bounded queue of {@code prefetch}
 * batches. The result is the same whatever the number of workers: batch k is always the same indices, and every
 * random transform draws from a generator derived from (seed, epoch, dataset index) alone, never from a shared
 * stream whose order would depend on thread scheduling. With 0 workers batches are made on the caller's thread.
 *
 * <p>Close the loader (or use try-with-resources) to stop its threads.
 */
public final class DataLoader implements AutoCloseable {
    private final Dataset dataset;
    private final Transform transform;
    private final ToTensor toTensor;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final int workers;
    private final int prefetch;
    private final ExecutorService pool;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.transform = b.transform;
        this.toTensor = b.toTensor;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.workers = b.workers;
        this.prefetch = b.prefetch;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory daemons = r -> {
            Thread t = new Thread(r, "usp4j-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = workers == 0 ? null : Executors.newFixedThreadPool(workers, daemons);
    }

    /** A loader over {@code dataset}; set its options, then {@link Builder#build}. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Batches per epoch: ⌊N/B⌋ with drop-last, else ⌈N/B⌉. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The dataset indices of {@code epoch} in the order they are served (a permutation when shuffling). */
    public int[] order(int epoch) {
        int n = dataset.size();
        int[] idx = new int[n];
        Arrays.setAll(idx, i -> i);
        if (shuffle) {
            // Fisher–Yates on uniform draws from a generator of (seed, epoch): the same permutation everywhere.
            float[] u = NDArray.rand(new Generator(mix(seed, epoch, -1)), Math.max(n, 1)).toFloatArray();
            for (int i = n - 1; i > 0; i--) {
                int j = Math.min(i, (int) (u[i] * (i + 1)));
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    /** The batches of {@code epoch}, made ahead by the workers; iterate once. */
    public Iterable<Batch> epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /** The batches of {@code epoch} from position {@code from} on (how a resumed run picks up mid-epoch). */
    public Iterable<Batch> epoch(int epoch, int from) {
        if (from < 0 || from > batchesPerEpoch()) {
            throw new IllegalArgumentException("DataLoader: epoch " + epoch + " has " + batchesPerEpoch()
                    + " batches, cannot start at " + from);
        }
        return () -> new EpochIterator(epoch, from);
    }

    /** Batch {@code position} of {@code epoch}, made on the calling thread (what each worker runs). */
    public Batch batch(int epoch, int position) {
        int[] order = order(epoch);
        return make(epoch, position, order);
    }

    private Batch make(int epoch, int position, int[] order) {
        int start = position * batchSize;
        int end = Math.min(start + batchSize, order.length);
        if (position < 0 || start >= end) {
            throw new IllegalArgumentException("DataLoader: batch " + position + " of epoch " + epoch
                    + " does not exist (" + batchesPerEpoch() + " batches of " + batchSize + ")");
        }
        int b = end - start;
        int[] indices = Arrays.copyOfRange(order, start, end);
        long[] labels = new long[b];
        float[] data = null;
        int[] shape = null;
        int per = 0;
        for (int i = 0; i < b; i++) {
            Sample s = dataset.get(indices[i]);
            Image img = transform.apply(s.image(), new Generator(mix(seed, epoch, indices[i])));
            int[] xs = {img.channels(), img.height(), img.width()};
            if (shape == null) {
                shape = xs;
                per = xs[0] * xs[1] * xs[2];
                data = new float[b * per];
            } else if (!Arrays.equals(shape, xs)) {
                throw new IllegalArgumentException("DataLoader(" + dataset.name() + "): sample " + indices[i]
                        + " transforms to " + Arrays.toString(xs) + " but sample " + indices[0] + " to "
                        + Arrays.toString(shape) + "; a batch needs one size (add a resize or crop)");
            }
            toTensor.writeTo(img, data, i * per);
            labels[i] = s.label();
        }
        int[] batchShape = new int[shape.length + 1];
        batchShape[0] = b;
        System.arraycopy(shape, 0, batchShape, 1, shape.length);
        return new Batch(NDArray.of(data, batchShape), NDArray.of(labels, b), indices, epoch, position);
    }

    /** SplitMix64 over (seed, epoch, index): decorrelated generator seeds for shuffles and per-sample transforms. */
    static long mix(long seed, long epoch, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** Serves one epoch in order, keeping up to {@code prefetch} batches in the workers' hands. */
    private final class EpochIterator implements Iterator<Batch> {
        private final int epoch;
        private final int[] order;
        private final int total;
        private final ArrayDeque<Future<Batch>> ahead = new ArrayDeque<>();
        private int submitted;
        private int served;

        EpochIterator(int epoch, int from) {
            this.epoch = epoch;
            this.order = order(epoch);
            this.total = batchesPerEpoch();
            this.submitted = from;
            this.served = from;
            fill();
        }

        private void fill() {
            while (pool != null && submitted < total && ahead.size() < prefetch) {
                int position = submitted++;
                ahead.add(pool.submit(() -> make(epoch, position, order)));
            }
        }

        @Override
        public boolean hasNext() {
            return served < total;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("DataLoader: epoch " + epoch + " has " + total + " batches");
            }
            if (pool == null) {
                return make(epoch, served++, order);
            }
            Future<Batch> f = ahead.poll();
            served++;
            fill();
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("DataLoader(" + dataset.name() + "): a worker failed", c);
            }
        }
    }

    /** The loader's options, with PyTorch's defaults where it has them. */
    public static final class Builder {
        private final Dataset dataset;
        private Transform transform = Transform.identity();
        private ToTensor toTensor = ToTensor.symmetric();
        private int batchSize = 1;
        private boolean shuffle;
        private boolean dropLast;
        private long seed;
        private int workers;
        private int prefetch = 2;

        private Builder(Dataset dataset) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
        }

        /** The image transforms applied to every sample before {@link ToTensor} (default: none). */
        public Builder transform(Transform t) {
            this.transform = Objects.requireNonNull(t, "transform");
            return this;
        }

        /** The conversion to floats (default: [−1, 1]). */
        public Builder toTensor(ToTensor t) {
            this.toTensor = Objects.requireNonNull(t, "toTensor");
            return this;
        }

        public Builder batchSize(int b) {
            if (b <= 0) {
                throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + b);
            }
            this.batchSize = b;
            return this;
        }

        /** Reshuffle every epoch from {@code seed} (which also seeds the random transforms). */
        public Builder shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /** The seed of the random transforms without shuffling. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder dropLast(boolean d) {
            this.dropLast = d;
            return this;
        }

        /** Worker threads (0: make batches on the caller's thread). */
        public Builder workers(int w) {
            if (w < 0) {
                throw new IllegalArgumentException("DataLoader: workers must be >= 0, got " + w);
            }
            this.workers = w;
            return this;
        }

        /** Batches made ahead of the trainer (per loader, not per worker as in PyTorch). */
        public Builder prefetch(int p) {
            if (p <= 0) {
                throw new IllegalArgumentException("DataLoader: prefetch must be positive, got " + p);
            }
            this.prefetch = p;
            return this;
        }

        public DataLoader build() {
            if (dataset.size() == 0) {
                throw new IllegalArgumentException("DataLoader: dataset " + dataset.name() + " is empty");
            }
            if (dropLast && dataset.size() < batchSize) {
                throw new IllegalArgumentException("DataLoader: dataset " + dataset.name() + " has " + dataset.size()
                        + " samples, fewer than one batch of " + batchSize + " with drop_last");
            }
            return new DataLoader(this);
        }
    }
}
