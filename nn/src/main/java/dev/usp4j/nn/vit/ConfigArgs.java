package dev.usp4j.nn.vit;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed values out of a JSON-style argument map (numbers may arrive as Long, Integer or Double, as a JSON
 * parser gives them) and rejects keys nobody reads, so a misspelt argument is an error instead of a silent default.
 */
final class ConfigArgs {
    private final String what;
    private final Map<String, Object> map;

    ConfigArgs(String what, Map<String, Object> map, Set<String> allowed) {
        this.what = what;
        this.map = map;
        Set<String> unknown = new TreeSet<>(map.keySet());
        unknown.removeAll(allowed);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(what + ": unknown argument(s) " + unknown + "; expected some of "
                    + new TreeSet<>(allowed));
        }
    }

    boolean has(String key) {
        return map.get(key) != null;
    }

    int intArg(String key, int fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return (int) n.doubleValue();
        }
        throw new IllegalArgumentException(what + ": '" + key + "' must be an integer, got " + describe(v));
    }

    double doubleArg(String key, double fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(what + ": '" + key + "' must be a number, got " + describe(v));
    }

    boolean boolArg(String key, boolean fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(what + ": '" + key + "' must be true or false, got " + describe(v));
    }

    Object raw(String key) {
        return map.get(key);
    }

    String stringArg(String key) {
        Object v = map.get(key);
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(what + ": '" + key + "' must be a string, got " + describe(v));
    }

    static String describe(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : v + " (" + v.getClass().getSimpleName() + ")";
    }
}
