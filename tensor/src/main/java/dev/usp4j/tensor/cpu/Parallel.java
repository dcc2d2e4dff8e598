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
        if (blocks == 2 && SPINNER != null
                && SPINNER.tryRun(body, n, Math.clamp(n / Math.max(1, grain), 2, PIECES), failures)) {
            rethrow(failures);
            return;
        }
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
        rethrow(failures);
    }

    private static void rethrow(Throwable[] failures) {
        for (Throwable f : failures) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error err) {
                throw err;
            }
            if (f != null) {
                throw new IllegalStateException("a parallel block failed", f);
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
        return (p == null || p.awaitQuiescence(millis, TimeUnit.MILLISECONDS))
                && (SPINNER == null || !SPINNER.busy.get());
    }

    /**
     * Pieces a two-thread loop is cut into (each at least its grain), which the two threads take in turn: the thread
     * that is ahead takes more of them. With two fixed halves the caller had waited for the helper in a fifth of
     * the VAE's convolution time (JFR), whatever made the helper late (a descheduled vCPU, a slow wake-up). The
     * pieces' bounds depend on n and the grain alone, and every loop body writes each output from one iteration
     * in a fixed order, so results do not depend on which thread runs which piece.
     */
    private static final int PIECES = Math.max(2, Integer.getInteger("usp4j.parallel.pieces", 8));
    /** How long the spinning helper waits for the next block before it parks: 200 µs. */
    private static final long SPIN_NANOS = Long.getLong("usp4j.spinNanos", 200_000L);
    /** The helper of two-block loops, or null when one processor (or usp4j.spinNanos=0) makes it pointless. */
    private static final Spinner SPINNER = Runtime.getRuntime().availableProcessors() >= 2 && SPIN_NANOS > 0
            ? Spinner.launch() : null;

    /**
     * The second thread of two-block loops (both cores of the 2-vCPU machine): a daemon that takes one loop at a
     * time from a volatile slot and, once done, spins for {@link #SPIN_NANOS} before it parks, as OpenMP's workers
     * do. Why: handing a block to the fork-join pool and joining it costs ~35 µs on this VM (the idle worker must
     * be woken), so an elementwise op on 64 K floats took 40 µs on two threads against 6–12 µs on one, and a
     * training step runs about a thousand such ops back to back; a spinning helper sees the next block within a
     * microsecond. The caller and the helper take the loop's pieces in turn ({@link #PIECES}), then the caller
     * spins until the helper's last one is done. One caller at a time: a loop started while the helper is taken
     * (another thread's loop) goes to the pool as before.
     */
    private static final class Spinner extends Thread {
        final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile Range body;
        private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        private volatile int total;
        private volatile int count;
        private volatile Throwable[] failures;
        private volatile boolean done;
        private volatile boolean parked;

        private Spinner() {
            super("usp4j-cpu-spinner");
            setDaemon(true);
        }

        static Spinner launch() {
            Spinner s = new Spinner();
            s.start();
            return s;
        }

        /**
         * Runs [0, n) cut into {@code pieces} contiguous pieces, taken in order by this thread and the helper
         * alike, if the helper is free; false (nothing run) if not.
         */
        boolean tryRun(Range r, int n, int pieces, Throwable[] fails) {
            if (!busy.compareAndSet(false, true)) {
                return false;
            }
            try {
                total = n;
                count = pieces;
                next.set(0);
                failures = fails;
                done = false;
                body = r; // published last: the helper reads the fields above after seeing it
                if (parked) {
                    java.util.concurrent.locks.LockSupport.unpark(this);
                }
                runPieces(r, n, pieces, fails, 0);
                long spins = 0;
                while (!done) {
                    if (++spins % 4096 == 0) {
                        Thread.yield(); // the helper may have been descheduled
                    } else {
                        Thread.onSpinWait();
                    }
                }
                return true;
            } finally {
                busy.set(false);
            }
        }

        /**
         * Takes pieces until none is left or one of this thread's failed (the other thread finishes the rest).
         * Anything a piece throws is recorded, a checked exception thrown sneakily too: the caller must not leave
         * while the helper still runs its pieces.
         */
        private void runPieces(Range r, int n, int pieces, Throwable[] fails, int index) {
            try {
                for (int p = next.getAndIncrement(); p < pieces && fails[index] == null; p = next.getAndIncrement()) {
                    runCapturing(r, (int) ((long) n * p / pieces), (int) ((long) n * (p + 1) / pieces), fails,
                            index);
                }
            } catch (Throwable t) {
                fails[index] = t;
            }
        }

        @Override
        public void run() {
            while (true) {
                Range r = await();
                body = null;
                Throwable[] fails = failures;
                try {
                    runPieces(r, total, count, fails, 1);
                } finally {
                    done = true; // whatever happens: the caller spins on it, and this thread must live
                }
            }
        }

        private Range await() {
            long since = System.nanoTime();
            while (true) {
                Range r = body;
                if (r != null) {
                    return r;
                }
                if (System.nanoTime() - since < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                // Announce the park, then look once more: a caller that set body before seeing parked = true
                // is caught by this read, one that sets it after sees parked and unparks us.
                parked = true;
                r = body;
                if (r == null) {
                    java.util.concurrent.locks.LockSupport.park(this);
                }
                parked = false;
                since = System.nanoTime();
            }
        }
    }
}
