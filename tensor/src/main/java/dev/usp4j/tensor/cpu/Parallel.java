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
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[blocks - 1];
        for (int b = 1; b < blocks; b++) {
            int start = (int) ((long) n * b / blocks);
            int end = (int) ((long) n * (b + 1) / blocks);
            tasks[b - 1] = pool().submit(() -> runInside(body, start, end));
        }
        Throwable failure = null;
        try {
            runInside(body, 0, (int) ((long) n / blocks));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (ForkJoinTask<?> t : tasks) {
            try {
                t.join();
            } catch (RuntimeException | Error e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
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
