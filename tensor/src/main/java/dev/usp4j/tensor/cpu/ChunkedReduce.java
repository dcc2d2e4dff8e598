package dev.usp4j.tensor.cpu;

/**
 * The parallel driver of the float reductions, built so that results never depend on the thread count.
 *
 * <p>Each unit of work (an output, or a run of outputs) reduces a fixed sequence of chunks whose sizes are
 * constants of the kernels, never derived from the thread count. A chunk yields a partial of {@code width} doubles;
 * the unit's total is the identity combined with the partials in chunk order. With many units the loop runs in
 * parallel over units, each folding its chunks in order; with few units (a full reduction into one value) it runs
 * in parallel over (unit, chunk) pairs into a partials buffer and then folds each unit's partials in the same
 * order. Both ways compute the same partials and fold them identically, so the results are bit-identical.
 */
final class ChunkedReduce {
    /** How partials are folded. */
    enum Combine {
        SUM, PROD, MAX, MIN;

        double identity() {
            return switch (this) {
                case SUM -> 0;
                case PROD -> 1;
                case MAX -> Double.NEGATIVE_INFINITY;
                case MIN -> Double.POSITIVE_INFINITY;
            };
        }
    }

    /** Writes the partial of chunk {@code chunk} of unit {@code unit} to dst[off .. off+width). */
    @FunctionalInterface
    interface Chunk {
        void run(int unit, int chunk, double[] dst, int off, float[] scratch);
    }

    /** Turns the folded total of a unit (at total[off ..]) into its outputs. */
    @FunctionalInterface
    interface Finish {
        void run(int unit, double[] total, int off);
    }

    /** Elements below which a loop stays on one thread. */
    static final int GRAIN = 1 << 15;

    private ChunkedReduce() {
    }

    /**
     * Runs {@code units × chunks} chunks of about {@code chunkWork} elements each. {@code scratch} is the size of
     * the per-task float scratch the chunk function may use.
     */
    static void run(int units, int chunks, int width, long chunkWork, int scratch, Combine combine, Chunk chunk,
                    Finish finish) {
        if (units <= 0) {
            return;
        }
        if (chunks <= 1 || units >= 4L * Parallel.threads()) {
            long unitWork = Math.max(1, chunkWork * chunks);
            int grain = (int) Math.max(1, Math.min(Integer.MAX_VALUE, GRAIN / unitWork));
            Parallel.forRange(units, grain, (start, end) -> {
                Buffers b = Buffers.acquire(TASK);
                double[] total = b.doubles(0, width);
                double[] part = b.doubles(1, width);
                float[] s = b.floats(scratch);
                for (int u = start; u < end; u++) {
                    java.util.Arrays.fill(total, 0, width, combine.identity());
                    for (int c = 0; c < chunks; c++) {
                        chunk.run(u, c, part, 0, s);
                        fold(combine, total, 0, part, 0, width);
                    }
                    finish.run(u, total, 0);
                }
                b.release();
            });
            return;
        }
        Buffers own = Buffers.acquire(CALLER);
        double[] partials = own.doubles(0, Math.multiplyExact(Math.multiplyExact(units, chunks), width));
        int grain = (int) Math.max(1, GRAIN / Math.max(1, chunkWork));
        Parallel.forRange(units * chunks, grain, (start, end) -> {
            Buffers b = Buffers.acquire(TASK);
            float[] s = b.floats(scratch);
            for (int t = start; t < end; t++) {
                chunk.run(t / chunks, t % chunks, partials, t * width, s);
            }
            b.release();
        });
        // Few units here (fewer than 4 per thread): folding them is cheap and stays on this thread.
        double[] total = own.doubles(1, width);
        for (int u = 0; u < units; u++) {
            java.util.Arrays.fill(total, 0, width, combine.identity());
            for (int c = 0; c < chunks; c++) {
                fold(combine, total, 0, partials, (u * chunks + c) * width, width);
            }
            finish.run(u, total, 0);
        }
        own.release();
    }

    /** The calling thread's partials and totals. */
    private static final ThreadLocal<Buffers> CALLER = ThreadLocal.withInitial(Buffers::new);
    /** A task's totals and float scratch, on whichever thread runs it. */
    private static final ThreadLocal<Buffers> TASK = ThreadLocal.withInitial(Buffers::new);

    /**
     * Grow-only per-thread arrays, so that a reduction allocates nothing in steady state (a training step runs
     * thousands: bias gradients, norms' statistics). Every array is written before it is read (partials by their
     * chunks, totals filled with the identity), so reuse needs no clearing. Lent out while in use: a nested call on
     * the same thread gets fresh arrays rather than ones its caller is still reading.
     */
    private static final class Buffers {
        private final double[][] doubles = {new double[0], new double[0]};
        private float[] floats = new float[0];
        private boolean inUse;

        static Buffers acquire(ThreadLocal<Buffers> local) {
            Buffers b = local.get();
            if (b.inUse) {
                return new Buffers();
            }
            b.inUse = true;
            return b;
        }

        double[] doubles(int which, int n) {
            if (doubles[which].length < n) {
                doubles[which] = new double[n];
            }
            return doubles[which];
        }

        float[] floats(int n) {
            if (floats.length < n) {
                floats = new float[n];
            }
            return floats;
        }

        void release() {
            inUse = false;
        }
    }

    private static void fold(Combine combine, double[] acc, int ao, double[] part, int po, int n) {
        switch (combine) {
            case SUM -> {
                for (int i = 0; i < n; i++) {
                    acc[ao + i] += part[po + i];
                }
            }
            case PROD -> {
                for (int i = 0; i < n; i++) {
                    acc[ao + i] *= part[po + i];
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    acc[ao + i] = Math.max(acc[ao + i], part[po + i]);
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    acc[ao + i] = Math.min(acc[ao + i], part[po + i]);
                }
            }
        }
    }
}
