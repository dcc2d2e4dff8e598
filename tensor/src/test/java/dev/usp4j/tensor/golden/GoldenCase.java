package dev.usp4j.tensor.golden;

import dev.usp4j.tensor.NDArray;
import java.util.List;
import java.util.Map;

/**
 * One case of a golden fixture: the op name, its JSON arguments, the inputs (views already applied, as in
 * PyTorch) and the outputs PyTorch computed; {@code bases} and {@code views} keep the inputs before their view
 * chains, for harnesses that must apply the views themselves (gradients flowing back through them).
 */
public record GoldenCase(String name, String op, Map<String, Object> args, Map<String, NDArray> inputs,
                         Map<String, NDArray> expected, Double tol, Map<String, NDArray> bases,
                         Map<String, List<?>> views) {

    public NDArray in(String key) {
        NDArray a = inputs.get(key);
        if (a == null) {
            throw new IllegalArgumentException(name + ": no input '" + key + "' (has " + inputs.keySet() + ")");
        }
        return a;
    }

    public NDArray out(String key) {
        return expected.get(key);
    }

    /**
     * Expected output {@code name} stored as float64 values in int64 bit patterns (NDArray has no float64; the
     * fixture scripts write {@code a.view(np.int64)}), decoded back to the exact doubles.
     */
    public double[] outFloat64(String name) {
        return float64(out(name));
    }

    /** Float64 values from their int64 bit patterns (see {@link #outFloat64}). */
    public static double[] float64(NDArray bitPatterns) {
        long[] bits = bitPatterns.toLongArray();
        double[] d = new double[bits.length];
        for (int i = 0; i < bits.length; i++) {
            d[i] = Double.longBitsToDouble(bits[i]);
        }
        return d;
    }

    public boolean has(String arg) {
        return args.containsKey(arg) && args.get(arg) != null;
    }

    public int intArg(String key) {
        return ((Number) required(key)).intValue();
    }

    public long longArg(String key) {
        return ((Number) required(key)).longValue();
    }

    public double doubleArg(String key) {
        Object v = required(key);
        if (v instanceof String s) {
            return switch (s) {
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                case "nan" -> Double.NaN;
                default -> Double.parseDouble(s);
            };
        }
        return ((Number) v).doubleValue();
    }

    public boolean boolArg(String key) {
        return (Boolean) required(key);
    }

    public String stringArg(String key) {
        return (String) required(key);
    }

    public int[] intsArg(String key) {
        return Views.ints(required(key));
    }

    public List<?> listArg(String key) {
        return (List<?>) required(key);
    }

    private Object required(String key) {
        Object v = args.get(key);
        if (v == null) {
            throw new IllegalArgumentException(name + ": missing argument '" + key + "' in " + args);
        }
        return v;
    }

    @Override
    public String toString() {
        return name;
    }
}
