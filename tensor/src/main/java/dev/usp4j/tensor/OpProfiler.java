package dev.usp4j.tensor;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A per-op wall-clock profiler of a {@link Backend}, in the spirit of {@code torch.autograd.profiler}'s
 * {@code key_averages()} table: with the system property {@code usp4j.profile=true} every backend call is timed and
 * counted under its op (the method, with the unary/binary/reduce operator and the output's shape), and the table,
 * sorted by total time, is printed to standard error when the JVM exits or when {@link #print} is called. It exists
 * to find where a training step's time goes without an external profiler (the JIT's inlined frames make sampling
 * profilers attribute Vector API code to library templates). Off by default: the proxy costs a few hundred
 * nanoseconds per op.
 */
public final class OpProfiler {
    /** True when {@code usp4j.profile=true}: {@link Backends} then wraps its backends with {@link #wrap}. */
    public static final boolean ENABLED = Boolean.getBoolean("usp4j.profile");

    private record Stat(LongAdder nanos, LongAdder calls) {
    }

    private static final Map<String, Stat> STATS = new ConcurrentHashMap<>();
    private static volatile boolean hooked;

    private OpProfiler() {
    }

    /** {@code backend} with every call timed into the shared table. */
    public static Backend wrap(Backend backend) {
        if (!hooked) {
            hooked = true;
            int rows = Integer.getInteger("usp4j.profile.rows", 20);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> print(rows), "usp4j-profile"));
        }
        InvocationHandler h = (proxy, method, args) -> {
            long t = System.nanoTime();
            try {
                return method.invoke(backend, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                record(key(method, args), System.nanoTime() - t);
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }

    /** Adds one call of {@code op} that took {@code nanos}. */
    public static void record(String op, long nanos) {
        Stat s = STATS.computeIfAbsent(op, k -> new Stat(new LongAdder(), new LongAdder()));
        s.nanos.add(nanos);
        s.calls.increment();
    }

    /** Forgets everything recorded so far (e.g. after warm-up). */
    public static void reset() {
        STATS.clear();
    }

    /** Prints the {@code rows} most expensive ops and the total to standard error. */
    public static void print(int rows) {
        String t = table(rows);
        if (!t.isEmpty()) {
            System.err.print(t);
        }
    }

    /** The table {@link #print} prints: the {@code rows} most expensive ops, sorted by total time. */
    public static String table(int rows) {
        List<Map.Entry<String, Stat>> all = new ArrayList<>(STATS.entrySet());
        if (all.isEmpty()) {
            return "";
        }
        all.sort((a, b) -> Long.compare(b.getValue().nanos.sum(), a.getValue().nanos.sum()));
        double total = all.stream().mapToLong(e -> e.getValue().nanos.sum()).sum() / 1e6;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "usp4j profile: %.1f ms in backend ops%n",
                total));
        sb.append(String.format(Locale.ROOT, "%10s %6s %9s %8s  %s%n", "ms", "%", "calls", "us/call", "op"));
        for (Map.Entry<String, Stat> e : all.subList(0, Math.min(rows, all.size()))) {
            double ms = e.getValue().nanos.sum() / 1e6;
            long calls = e.getValue().calls.sum();
            sb.append(String.format(Locale.ROOT, "%10.1f %6.1f %9d %8.1f  %s%n", ms, 100 * ms / total, calls,
                    1000 * ms / calls, e.getKey()));
        }
        return sb.toString();
    }

    private static String key(Method m, Object[] args) {
        StringBuilder k = new StringBuilder(m.getName());
        if (args != null) {
            for (Object a : args) {
                if (a instanceof Enum<?> e) {
                    k.append(' ').append(e.name());
                }
            }
            if (m.getName().startsWith("allocate") && args.length == 2 && args[1] instanceof Integer n) {
                // sizes by power of two: whether small arrays or the multi-megabyte ones cost the time
                k.append(" <=").append(Integer.highestOneBit(Math.max(1, n - 1)) << 1).append(" elements");
            }
            String sep = " ";
            for (Object a : args) {
                if (a instanceof NDArray x) {
                    k.append(sep).append(Arrays.toString(x.shape()));
                    if (!x.isContiguous()) {
                        k.append("(strides ").append(Arrays.toString(x.strides())).append(')');
                    }
                    sep = ",";
                }
            }
        }
        return k.toString();
    }
}
