package dev.usp4j.tensor.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

/**
 * Float arrays that skip the JVM's zero-fill, for op outputs that are written whole before they are read.
 *
 * <p>Why: in a training step most time outside the kernels went into allocating activations and gradients, and
 * with huge pages that cost is the zero-fill itself (a 25 MB activation: ~3.7 ms of memset against the ~5 ms the
 * GELU that fills it takes). PyTorch's {@code torch.empty} does not clear either. The JDK's own
 * {@code jdk.internal.misc.Unsafe.allocateUninitializedArray} (what {@code StringBuilder} and friends use) skips
 * it; it needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}, which {@code ./usp} passes. Without
 * the export, or below {@link #MIN_ELEMENTS} (where the TLAB's bulk clear is cheap), arrays come from
 * {@code new float[]}. With {@code usp4j.poisonOutputs=true} every array is filled with NaN instead: the test
 * suites run that way, so a kernel that forgets part of its output is caught.
 */
final class UninitializedArrays {
    /** Below this many elements (256 KiB) plain allocation is as fast. */
    static final int MIN_ELEMENTS = 1 << 16;
    /** True when outputs are filled with NaN (tests). */
    static final boolean POISON = Boolean.getBoolean("usp4j.poisonOutputs");
    /** {@code Unsafe.allocateUninitializedArray(Class, int)} bound to the Unsafe instance, or null. */
    private static final MethodHandle ALLOCATE = lookup();

    private UninitializedArrays() {
    }

    /** A float array of {@code size} elements with unspecified contents (NaN under poisoning). */
    static float[] floats(int size) {
        if (POISON) {
            float[] a = new float[size];
            Arrays.fill(a, Float.NaN);
            return a;
        }
        return size < MIN_ELEMENTS ? new float[size] : unfilled(size);
    }

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
