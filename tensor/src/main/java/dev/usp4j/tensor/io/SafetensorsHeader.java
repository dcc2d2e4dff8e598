package dev.usp4j.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors header the way the reference implementation does, and knows the reference's
 * dtype table (names, bit widths, and the order its writer sorts by).
 *
 * <p>Validation covers everything a corrupt or hostile file could use to make a reader misbehave: the header must
 * be UTF-8 JSON holding one object; each entry needs a known dtype, a shape of non-negative integers whose product
 * times the width neither overflows nor differs from the entry's byte count, and offsets that are non-negative
 * integers; sorted by offset the entries must cover the data section exactly once, in order, with no gap, no
 * overlap and nothing after the last tensor (the reference's {@code validate}); {@code __metadata__} must map
 * strings to strings. Every failure is an {@link IOException} naming the file and, where there is one, the tensor.
 */
final class SafetensorsHeader {
    /**
     * The reference's dtypes in the order of its {@code Dtype} enum, which its writer sorts by (descending). Our
     * writable dtypes keep the relative order they had in every release (BOOL &lt; F16 &lt; BF16 &lt; I32 &lt; F32
     * &lt; I64), so adding entries here never moves them.
     */
    static final List<String> DTYPE_ORDER = List.of("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2",
            "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64");

    private static final int[] BITS = {8, 4, 6, 6, 8, 8, 8, 8, 8, 16, 16, 16, 16, 32, 32, 32, 64, 64, 64, 64};

    /** Headers larger than this are refused as corrupt, as the reference does (its MAX_HEADER_SIZE). */
    static final long MAX_HEADER = 100_000_000L;

    final Map<String, SafetensorsFile.Entry> entries;
    final Map<String, String> metadata;

    private SafetensorsHeader(Map<String, SafetensorsFile.Entry> entries, Map<String, String> metadata) {
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Bits per element of a dtype the reference knows, or -1. */
    static int bits(String dtype) {
        int k = DTYPE_ORDER.indexOf(dtype);
        return k < 0 ? -1 : BITS[k];
    }

    /** Parses {@code bytes} (the header without its length prefix) for a data section of {@code dataLen} bytes. */
    static SafetensorsHeader parse(Path path, byte[] bytes, long dataLen) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(path + ": corrupt header: not valid UTF-8 (" + e.getMessage() + ")", e);
        }
        Map<String, Object> header;
        try {
            header = Json.parseObject(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": corrupt header: " + e.getMessage(), e);
        }
        Map<String, SafetensorsFile.Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                metadata(path, e.getValue(), metadata);
            } else {
                entries.put(e.getKey(), entry(path, e.getKey(), e.getValue()));
            }
        }
        checkCoverage(path, entries, dataLen);
        return new SafetensorsHeader(entries, metadata);
    }

    private static void metadata(Path path, Object value, Map<String, String> out) throws IOException {
        if (value == null) {
            return;
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new IOException(path + ": __metadata__ must be an object of strings, got " + Json.write(value));
        }
        for (Map.Entry<?, ?> kv : m.entrySet()) {
            if (!(kv.getValue() instanceof String v)) {
                throw new IOException(path + ": __metadata__ entry '" + kv.getKey() + "' must be a string, got "
                        + Json.write(kv.getValue()));
            }
            out.put((String) kv.getKey(), v);
        }
    }

    private static SafetensorsFile.Entry entry(Path path, String name, Object v) throws IOException {
        String where = path + ": tensor '" + name + "'";
        if (!(v instanceof Map<?, ?> m)) {
            throw new IOException(where + ": header entry is not an object but " + Json.write(v));
        }
        if (!(m.get("dtype") instanceof String dt) || !(m.get("shape") instanceof List<?> sl)
                || !(m.get("data_offsets") instanceof List<?> ol) || ol.size() != 2) {
            throw new IOException(where + ": header entry needs dtype, shape and data_offsets [begin, end], got "
                    + Json.write(v));
        }
        int bits = bits(dt);
        if (bits < 0) {
            throw new IOException(where + ": unknown dtype '" + dt + "' (known: " + DTYPE_ORDER + ")");
        }
        long[] shape = new long[sl.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = natural(where, "shape", sl.get(i));
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException ex) {
                throw new IOException(where + ": shape " + Arrays.toString(shape) + " has more elements than a"
                        + " 64-bit count holds");
            }
        }
        long begin = natural(where, "data_offsets", ol.get(0));
        long end = natural(where, "data_offsets", ol.get(1));
        if (end < begin) {
            throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        long expectedBits;
        try {
            expectedBits = Math.multiplyExact(numel, (long) bits);
        } catch (ArithmeticException ex) {
            throw new IOException(where + ": shape " + Arrays.toString(shape) + " of " + dt + " overflows a byte"
                    + " count");
        }
        if (expectedBits % 8 != 0 || end - begin != expectedBits / 8) {
            throw new IOException(where + " of dtype " + dt + " and shape " + Arrays.toString(shape) + " needs "
                    + (expectedBits % 8 == 0 ? expectedBits / 8 + " bytes" : "a whole number of bytes")
                    + ", data_offsets [" + begin + ", " + end + "] give " + (end - begin));
        }
        return new SafetensorsFile.Entry(name, dt, shape, begin, end);
    }

    /** A JSON integer in [0, 2^63); anything else (negative, fractional, text, overflowing) is corrupt. */
    private static long natural(String where, String field, Object v) throws IOException {
        if (v instanceof Long l && l >= 0) {
            return l;
        }
        throw new IOException(where + ": " + field + " must hold non-negative integers, got " + Json.write(v));
    }

    /** Sorted by offset, the tensors must tile [0, dataLen) exactly: no gap, no overlap, nothing left over. */
    private static void checkCoverage(Path path, Map<String, SafetensorsFile.Entry> entries, long dataLen)
            throws IOException {
        List<SafetensorsFile.Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(SafetensorsFile.Entry::begin)
                .thenComparingLong(SafetensorsFile.Entry::end));
        long at = 0;
        SafetensorsFile.Entry prev = null;
        for (SafetensorsFile.Entry e : sorted) {
            if (e.end() > dataLen) {
                throw new IOException(path + ": tensor '" + e.name() + "' has data_offsets [" + e.begin() + ", "
                        + e.end() + "] outside the data section of " + dataLen + " bytes (file truncated?)");
            }
            if (e.begin() < at) {
                throw new IOException(path + ": tensor '" + e.name() + "' data_offsets [" + e.begin() + ", "
                        + e.end() + "] overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end()
                        + "]; each byte of the data section must belong to exactly one tensor");
            }
            if (e.begin() > at) {
                throw new IOException(path + ": tensor '" + e.name() + "' data_offsets [" + e.begin() + ", "
                        + e.end() + "] leave a gap of " + (e.begin() - at) + " bytes after "
                        + (prev == null ? "the start of the data section" : "tensor '" + prev.name() + "'")
                        + "; the data section must be covered exactly once, in order");
            }
            at = e.end();
            prev = e;
        }
        if (at != dataLen) {
            throw new IOException(path + ": the data section has " + dataLen + " bytes but the tensors cover only "
                    + at + " (trailing bytes after " + (prev == null ? "an empty header" : "tensor '" + prev.name()
                    + "'") + ")");
        }
    }
}
