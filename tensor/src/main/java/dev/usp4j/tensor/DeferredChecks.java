package dev.usp4j.tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Range checks of integer arrays that live on a device (index_select's, gather's and scatter_add's indices, a
 * diffusion's timesteps, class labels), deferred to the checking thread's next read from a device. Checking at
 * once would copy the array's minimum and maximum to the host: a round trip that makes the host wait for every
 * queued kernel, several times a training step. Instead the minimum and maximum are reduced on the device and kept;
 * the next read from a device (any {@link NDArray#to(Device)} to the CPU, which every element access goes through)
 * fetches all the kept ones in one transfer and throws the first failed check's message. This is CUDA's
 * device-side assert, except that the error names the op, the bound and the value. On the CPU, and everywhere with
 * {@code -Dusp4j.eagerIndexChecks=true} (for finding the op at fault, as CUDA_LAUNCH_BLOCKING is), checks run at
 * once.
 */
final class DeferredChecks {
    /** Checks kept before a thread that never reads is made to settle them (bounds the memory they hold). */
    static final int MAX_PENDING = 256;

    private record Pending(NDArray lo, NDArray hi, long min, long maxExclusive, LongFunction<String> message) {
    }

    private static final ThreadLocal<List<Pending>> PENDING = ThreadLocal.withInitial(ArrayList::new);

    private DeferredChecks() {
    }

    /**
     * Checks that every element of the integer array {@code values} lies in [min, maxExclusive); a failure throws
     * {@link IndexOutOfBoundsException} with {@code message} applied to the offending value (the smallest when it
     * is below min, else the largest).
     */
    static void check(NDArray values, long min, long maxExclusive, LongFunction<String> message) {
        if (!values.dtype().isInteger()) {
            throw new IllegalArgumentException("range check: expects an integer array, got " + values.dtype());
        }
        if (values.numel() == 0) {
            return;
        }
        if (values.device().type() == Device.Type.CPU || Boolean.getBoolean("usp4j.eagerIndexChecks")) {
            long[] range = Indexing.minMax(values);
            fail(range[0], range[1], min, maxExclusive, message, false);
            return;
        }
        List<Pending> pending = PENDING.get();
        pending.add(new Pending(values.min(), values.max(), min, maxExclusive, message));
        if (pending.size() >= MAX_PENDING) {
            settle();
        }
    }

    /** Settles this thread's pending checks: one transfer per device, then the first failure, if any, throws. */
    static void settle() {
        List<Pending> pending = PENDING.get();
        if (pending.isEmpty()) {
            return;
        }
        List<Pending> taken = new ArrayList<>(pending);
        pending.clear();  // before the read below, which settles again (now with nothing pending)
        Map<Device, List<Pending>> byDevice = new LinkedHashMap<>();
        for (Pending p : taken) {
            byDevice.computeIfAbsent(p.lo().device(), d -> new ArrayList<>()).add(p);
        }
        for (List<Pending> group : byDevice.values()) {
            List<NDArray> bounds = new ArrayList<>();
            for (Pending p : group) {
                bounds.add(p.lo().reshape(1).to(DType.I64));
                bounds.add(p.hi().reshape(1).to(DType.I64));
            }
            long[] v = NDArray.cat(bounds, 0).toLongArray();
            for (int i = 0; i < group.size(); i++) {
                Pending p = group.get(i);
                fail(v[2 * i], v[2 * i + 1], p.min(), p.maxExclusive(), p.message(), true);
            }
        }
    }

    /** Checks kept by this thread and not yet settled. */
    static int pending() {
        return PENDING.get().size();
    }

    private static void fail(long lo, long hi, long min, long maxExclusive, LongFunction<String> message,
                             boolean deferred) {
        if (lo < min || hi >= maxExclusive) {
            throw new IndexOutOfBoundsException(message.apply(lo < min ? lo : hi) + (deferred ? " (checked on the"
                    + " device and reported at the next read; -Dusp4j.eagerIndexChecks=true reports it at the op)"
                    : ""));
        }
    }
}
