package dev.usp4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Reads a model's constructor arguments out of a parsed JSON object (a {@code config.json}, or a map written in
 * code): typed values with the constructor's defaults for absent keys, numbers as whatever {@link Number} a parser
 * gives (integers must be integral), and keys nobody reads rejected, so that a misspelt argument is an error naming
 * it instead of a silent default. Every error names what was being read, the key and the value.
 */
public final class ConfigArgs {
    private final String what;
    private final Map<String, ?> map;

    /** Reads {@code map} for {@code what} (e.g. "DiTConfig"); a key outside {@code allowed} is an error. */
    public ConfigArgs(String what, Map<String, ?> map, Set<String> allowed) {
        this(what, map, allowed, k -> false);
    }

    /** As {@link #ConfigArgs(String, Map, Set)}, with keys that {@code ignored} accepts passed over silently. */
    public ConfigArgs(String what, Map<String, ?> map, Set<String> allowed, Predicate<String> ignored) {
        this.what = what;
        this.map = map;
        Set<String> unknown = new TreeSet<>();
        for (String k : map.keySet()) {
            if (!allowed.contains(k) && !ignored.test(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(what + ": unknown argument(s) " + unknown + "; expected some of "
                    + new TreeSet<>(allowed));
        }
    }

    /** True when {@code key} is present with a non-null value. */
    public boolean has(String key) {
        return map.get(key) != null;
    }

    /** The value as it is (null when absent). */
    public Object raw(String key) {
        return map.get(key);
    }

    public int intArg(String key, int fallback) {
        Object v = map.get(key);
        return v == null ? fallback : toInt(key, v, "an integer");
    }

    public double doubleArg(String key, double fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw bad(key, v, "a number");
    }

    public boolean boolArg(String key, boolean fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw bad(key, v, "true or false");
    }

    /** A required string. */
    public String stringArg(String key) {
        Object v = map.get(key);
        if (v instanceof String s) {
            return s;
        }
        throw bad(key, v, "a string");
    }

    public String stringArg(String key, String fallback) {
        return map.get(key) == null ? fallback : stringArg(key);
    }

    public List<Integer> intListArg(String key, List<Integer> fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        List<Integer> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object o : list) {
                out.add(toInt(key, o, "a list of integers", v));
            }
            return out;
        }
        throw bad(key, v, "a list of integers");
    }

    public List<String> stringListArg(String key, List<String> fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw bad(key, v, "a list of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw bad(key, v, "a list of strings");
    }

    /** A value for an error message: strings quoted, others with their Java type. */
    public static String describe(Object v) {
        return v == null ? "nothing" : v instanceof String s ? "\"" + s + "\""
                : v + " (" + v.getClass().getSimpleName() + ")";
    }

    private int toInt(String key, Object v, String expected) {
        return toInt(key, v, expected, v);
    }

    private int toInt(String key, Object v, String expected, Object whole) {
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return (int) n.doubleValue();
        }
        throw bad(key, whole, expected);
    }

    private IllegalArgumentException bad(String key, Object v, String expected) {
        return new IllegalArgumentException(what + ": '" + key + "' must be " + expected + ", got " + describe(v));
    }
}
