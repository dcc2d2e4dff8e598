package dev.usp4j.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;

/**
 * The one thread pool of the CPU backend, and the parallel loop every kernel uses.
 *
 * <p>Work is split into at most {@link #threads()} contiguous blocks; the calling thread runs the first block
 * itself. Loops smaller than their grain, and loops started from inside another parallel loop, run serially on the
 * calling thread, so kernels may nest without oversubscribing two cores. Kernels keep results independent of the
 * split (each output element is computed by one block in a fixed order), which makes results bit-identical
 * whatever the thread count. The count defaults to the available processors and can be set with the system
 * property {@code usp4j.threads} or {@link #setThreads(int)} (benchmarks compare 1 and 2).
 */
public final class Parallel {
    /** Body of a parallel loop over [start, end). */
    @FunctionalInterface
    public interface Range {
        void run(int start, int end);
    }

    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static volatile int threads = Integer.getInteger("usp4j.threads",
            Runtime.getRuntime().availableProcessors());
    private static volatile ForkJoinPool pool;

    private Parallel() {
    }

    /** Threads a parallel loop may use. */
    public static int threads() {
        return threads;
    }

    /** Sets the thread count for subsequent loops (at least 1). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        threads = n;
    }

    private static ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                if (pool == null) {
                    pool = new ForkJoinPool(Math.max(1, Runtime.getRuntime().availableProcessors()), fj -> {
                        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(fj);
                        t.setName("usp4j-cpu-" + t.getPoolIndex());
                        t.setDaemon(true);
                        return t;
                    }, null, false);
                }
                p = pool;
            }
        }
        return p;
    }

    /** True while the current thread runs a block of a parallel loop. */
    public static boolean inParallelRegion() {
        return INSIDE.get();
    }

    /**
     * Runs {@code body} over [0, n) in at most {@link #threads()} contiguous blocks of at least {@code grain}
     * iterations (serially when n &lt; 2·grain, when one thread is configured, or when already inside a loop).
     */
    public static void forRange(int n, int grain, Range body) {
        forRange(n, grain, threads, body);
    }

    /** As {@link #forRange(int, int, Range)} with an explicit upper bound on the number of blocks. */
    public static void forRange(int n, int grain, int maxBlocks, Range body) {
        if (n <= 0) {
            return;
        }
        int blocks = Math.min(Math.min(maxBlocks, threads), Math.max(1, n / Math.max(1, grain)));
        if (blocks <= 1 || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        // Each block records its own failure so that the caller rethrows the original exception (a join would
        // hand back a copy made by the pool).
        Throwable[] failures = new Throwable[blocks];
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[blocks - 1];
        for (int b = 1; b < blocks; b++) {
            int index = b;
            int start = (int) ((long) n * b / blocks);
            int end = (int) ((long) n * (b + 1) / blocks);
            tasks[b - 1] = pool().submit(() -> runCapturing(body, start, end, failures, index));
        }
        runCapturing(body, 0, (int) ((long) n / blocks), failures, 0);
        for (ForkJoinTask<?> t : tasks) {
            t.join();
        }
        for (Throwable f : failures) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error err) {
                throw err;
            }
        }
    }

    private static void runCapturing(Range body, int start, int end, Throwable[] failures, int index) {
        try {
            runInside(body, start, end);
        } catch (RuntimeException | Error e) {
            failures[index] = e;
        }
    }

    private static void runInside(Range body, int start, int end) {
        boolean was = INSIDE.get();
        INSIDE.set(Boolean.TRUE);
        try {
            body.run(start, end);
        } finally {
            INSIDE.set(was);
        }
    }

    /** Waits for idle workers to finish (tests use it to check nothing leaks). */
    static boolean quiesce(long millis) {
        ForkJoinPool p = pool;
        return p == null || p.awaitQuiescence(millis, TimeUnit.MILLISECONDS);
    }
}
