package dev.usp4j.tensor.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Float arrays that skip the JVM's zero-fill, for op outputs that are written whole before they are read, and the
 * pool of spent arrays they are taken from first.
 *
 * <p>Why: clearing is a whole extra write pass over every output, for memory-bound ops as much as the op itself
 * (a 25 MB activation: ~3.7 ms of memset beside the ~5 ms the GELU that fills it takes), and PyTorch's
 * {@code torch.empty} does not clear either. The JDK's own
 * {@code jdk.internal.misc.Unsafe.allocateUninitializedArray} (what {@code StringBuilder} and friends use) skips
 * it; it needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}, which {@code ./usp} passes. Without
 * the export, or below {@link #MIN_ELEMENTS} (where the TLAB's bulk clear is cheap), arrays come from
 * {@code new float[]}. With {@code usp4j.poisonOutputs=true} every array is filled with NaN instead: the test
 * suites run that way, so a kernel that forgets part of its output is caught.
 *
 * <p>Measured limit (Temurin 25, G1, 2026-11-27): an array too large for the thread's TLAB — every activation of a
 * training step — takes C2's slow path, {@code OptoRuntime::new_array_C}, which clears it regardless (perf shows
 * the memset under {@code MemAllocator::allocate}, for this call and for {@code new float[]} alike; a 1.5 MB
 * output costs ~60–90 µs either way, 30–55 ms of a DiT-S/2 or MAE step). So for large outputs only the pool below
 * saves the clear; fresh activations of the forward pass still pay it.
 *
 * <p>It is also the CPU's caching allocator: arrays the autograd engine is done with come back through
 * {@link #recycle} and are handed out again for the next output of the same length, so a training step's gradient
 * buffers are reused from step to step instead of drawn from fresh memory (see {@code Backend.recycle}).
 */
final class UninitializedArrays {
    /** Below this many elements (256 KiB) plain allocation is as fast. */
    static final int MIN_ELEMENTS = 1 << 16;
    /** True when outputs are filled with NaN (tests). */
    static final boolean POISON = Boolean.getBoolean("usp4j.poisonOutputs");
    /**
     * Shortest array the pool keeps: {@link #MIN_ELEMENTS}, but every length under poisoning, so that the test
     * suites' small tensors go through recycling too.
     */
    static final int POOL_MIN = POISON ? 1 : MIN_ELEMENTS;
    /** {@code Unsafe.allocateUninitializedArray(Class, int)} bound to the Unsafe instance, or null. */
    private static final MethodHandle ALLOCATE = lookup();

    private UninitializedArrays() {
    }

    /** A float array of {@code size} elements with unspecified contents (NaN under poisoning). */
    static float[] floats(int size) {
        float[] pooled = size < POOL_MIN ? null : POOL.take(size);
        if (POISON) {
            float[] a = pooled != null ? pooled : new float[size];
            Arrays.fill(a, Float.NaN);
            return a;
        }
        if (pooled != null) {
            return pooled;
        }
        return size < MIN_ELEMENTS ? new float[size] : unfilled(size);
    }

    /**
     * Takes back an array nobody will use again, for {@link #floats} to hand out at the next request of its exact
     * length. Under poisoning it is NaN-filled at once, so that a reader who was wrongly thought done with it
     * sees NaN in the tests.
     */
    static void recycle(float[] a) {
        if (a.length < POOL_MIN) {
            return;
        }
        if (POISON) {
            Arrays.fill(a, Float.NaN);
        }
        POOL.put(a);
    }

    /** Spent arrays by exact length, bounded in total size so that a change of shapes cannot hoard memory. */
    private static final class Pool {
        private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
        private final long capacity;
        private long held;

        Pool(long capacity) {
            this.capacity = capacity;
        }

        synchronized float[] take(int length) {
            ArrayDeque<float[]> q = free.get(length);
            float[] a = q == null ? null : q.pollFirst();
            if (a != null) {
                held -= length;
            }
            return a;
        }

        synchronized void put(float[] a) {
            if (held + a.length > capacity) {
                // Full: drop the oldest arrays of other sizes first (shapes of an earlier phase), else this one.
                for (Iterator<ArrayDeque<float[]>> it = free.values().iterator(); it.hasNext()
                        && held + a.length > capacity; ) {
                    ArrayDeque<float[]> q = it.next();
                    while (!q.isEmpty() && held + a.length > capacity) {
                        held -= q.pollLast().length;
                    }
                    if (q.isEmpty()) {
                        it.remove();
                    }
                }
                if (held + a.length > capacity) {
                    return;
                }
            }
            free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addFirst(a);
            held += a.length;
        }
    }

    /** At most an eighth of the heap (in floats) waits in the pool. */
    private static final Pool POOL = new Pool(Runtime.getRuntime().maxMemory() / 8 / Float.BYTES);

    /** A float array without the zero-fill where the JDK allows it, else {@code new float[size]}. */
    static float[] unfilled(int size) {
        if (ALLOCATE == null) {
            return new float[size];
        }
        try {
            return (float[]) (Object) ALLOCATE.invokeExact((Class<?>) float.class, size);
        } catch (Throwable t) {
            throw new IllegalStateException("allocateUninitializedArray(float, " + size + ") failed", t);
        }
    }

    /** Whether arrays skip the zero-fill on this JVM (the export is present). */
    static boolean available() {
        return ALLOCATE != null;
    }

    private static MethodHandle lookup() {
        try {
            Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            Object unsafe = lookup.findStatic(unsafeClass, "getUnsafe", MethodType.methodType(unsafeClass))
                    .invoke();
            MethodHandle allocate = lookup.findVirtual(unsafeClass, "allocateUninitializedArray",
                    MethodType.methodType(Object.class, Class.class, int.class));
            return allocate.bindTo(unsafe).asType(MethodType.methodType(Object.class, Class.class, int.class));
        } catch (Throwable notExported) {
            // Not exported to us (no --add-exports): plain zero-filled arrays, same results.
            return null;
        }
    }
}
