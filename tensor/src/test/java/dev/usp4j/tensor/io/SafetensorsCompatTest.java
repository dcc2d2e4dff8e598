package dev.usp4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.CpuStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-level compatibility with the reference safetensors writer, in both directions, through the hand-written
 * Python reference in {@code tensor/src/test/python/safetensors_ref.py}: files it wrote load with equal values and
 * re-write to identical bytes; the file our writer produces for {@link #JAVA_SPEC} is the one that script parsed
 * strictly, checked value by value and re-serialised to the same bytes (its verdict, with the file's SHA-256, is
 * committed beside it). Values follow from name, dtype and index ({@link #expected}), the twin of the script's
 * {@code values}.
 */
class SafetensorsCompatTest {
    private static final Path DIR = Path.of("src/test/resources/safetensors");

    /** The tensors of python_written.safetensors, in the script's (unsorted) order. */
    private static final Object[][] PY_SPEC = {
        {"model.blocks.0.attn.qkv.weight", "F32", new int[] {3, 5}},
        {"blocks.10.w", "F32", new int[] {2}},
        {"blocks.2.w", "F32", new int[] {2}},
        {"a", "F32", new int[] {}},
        {"zero", "F32", new int[] {0, 4}},
        {"B", "BF16", new int[] {7}},
        {"b", "BF16", new int[] {2, 3}},
        {"half", "F16", new int[] {5}},
        {"idx", "I64", new int[] {4}},
        {"count", "I32", new int[] {3}},
        {"mask", "BOOL", new int[] {6}},
        {"\u00fcn\u00efc\u00f8d\u00e9/\u540d\u524d", "F32", new int[] {2}},
        {"quote\"back\\slash\ttab/", "I32", new int[] {1}},
        {"ctl\u0001\u0008\u000c\u001f\u007f", "BOOL", new int[] {1}},
        {"\uD83D\uDE00 emoji", "F16", new int[] {1}},
        {"\uff5e high BMP", "F16", new int[] {1}},
        {"empty_i64", "I64", new int[] {0}},
    };

    /** The tensors of java_written.safetensors; the last column says how the source array is laid out. */
    private static final Object[][] JAVA_SPEC = {
        {"encoder.proj.weight", "F32", new int[] {17, 33}, "transposed"},
        {"encoder.proj.bias", "F32", new int[] {33}, "strided"},
        {"encoder.norm.weight", "BF16", new int[] {3, 4, 5}, "transposed"},
        {"decoder.scale", "F16", new int[] {61}, "strided"},
        {"labels", "I64", new int[] {13}, "strided"},
        {"positions", "I32", new int[] {7, 3}, "transposed"},
        {"mask", "BOOL", new int[] {31}, "contiguous"},
        {"step", "I64", new int[] {}, "contiguous"},
        {"\u6e29\u5ea6 \u00e9t\u00e9 \uD83D\uDE80", "F32", new int[] {2, 2}, "contiguous"},
        {"empty", "BF16", new int[] {4, 0}, "contiguous"},
    };

    private static final Map<String, String> JAVA_META = new LinkedHashMap<>();

    static {
        JAVA_META.put("format", "pt");
        JAVA_META.put("producer", "usp4j \"compat\" test\n\u00fc");
    }

    static int salt(String name) {
        int s = 0;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            s += b & 0xFF;
        }
        return s % 13;
    }

    /** The twin of safetensors_ref.values, as the array usp4j reads that dtype into (wide types widened). */
    static NDArray expected(String name, String dtype, int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        long s = salt(name);
        switch (dtype) {
            case "F32", "F64", "F16", "BF16" -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) (((i * 7L + s) % 23 - 11) * 0.25);
                }
                NDArray f = NDArray.of(CpuStorage.wrap(v), shape);
                return dtype.equals("F16") || dtype.equals("BF16") ? f.to(DType.fromSafetensorsName(dtype)) : f;
            }
            case "I32" -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (int) (((i * 7919L + s) % 100003 - 50000) * 40000 + i);
                }
                return NDArray.of(CpuStorage.wrap(v), shape);
            }
            case "I64" -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = ((i * 7919L + s) % 100003 - 50000) * 92233720368547L + i;
                }
                return NDArray.of(CpuStorage.wrap(v), shape);
            }
            case "BOOL" -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (i + s) % 3 == 0;
                }
                return NDArray.of(CpuStorage.wrap(v), shape);
            }
            case "U8", "I8", "I16", "U16" -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = switch (dtype) {
                        case "U8" -> (int) ((i * 13L + s) % 256);
                        case "I8" -> (int) ((i * 13L + s) % 256 - 128);
                        case "I16" -> (int) ((i * 1231L + s) % 65536 - 32768);
                        default -> (int) ((i * 1231L + s) % 65536);
                    };
                }
                return NDArray.of(CpuStorage.wrap(v), shape);
            }
            case "U32" -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (i * 2654435761L + s) % 4294967296L;
                }
                return NDArray.of(CpuStorage.wrap(v), shape);
            }
            default -> throw new IllegalArgumentException(dtype);
        }
    }

    /** The same values seen through a non-contiguous layout, so the writer's gather path is what is compared. */
    private static NDArray laidOut(NDArray a, String layout) {
        return switch (layout) {
            case "transposed" -> a.transpose(0, 1).contiguous().transpose(0, 1);
            case "strided" -> {
                NDArray big = NDArray.zeros(a.dtype(), a.size(0) * 2 + 1);
                NDArray view = big.slice(0, 1, a.size(0) * 2 + 1, 2);
                view.copyFrom(a);
                yield view;
            }
            default -> a;
        };
    }

    static void assertSameArray(NDArray want, NDArray got, String name) {
        assertEquals(want.dtype(), got.dtype(), name);
        assertArrayEquals(want.shape(), got.shape(), name);
        switch (want.dtype()) {
            case I64 -> assertArrayEquals(want.toLongArray(), got.toLongArray(), name);
            case I32 -> assertArrayEquals(want.toIntArray(), got.toIntArray(), name);
            case BOOL -> assertArrayEquals(want.toBooleanArray(), got.toBooleanArray(), name);
            default -> assertArrayEquals(want.toFloatArray(), got.toFloatArray(), name);
        }
    }

    private static Map<String, NDArray> build(Object[][] spec, boolean viaLayouts) {
        Map<String, NDArray> m = new LinkedHashMap<>();
        for (Object[] row : spec) {
            NDArray a = expected((String) row[0], (String) row[1], (int[]) row[2]);
            m.put((String) row[0], viaLayouts && row.length > 3 ? laidOut(a, (String) row[3]) : a);
        }
        return m;
    }

    @Test
    void loadsPythonWrittenFileWithEqualValues() throws IOException {
        try (SafetensorsFile f = Safetensors.open(DIR.resolve("python_written.safetensors"))) {
            assertEquals(Map.of("format", "pt", "note", "line1\nline2 \"q\" \u00fc \u0007 tab\t"), f.metadata());
            assertEquals(PY_SPEC.length, f.names().size());
            for (Object[] row : PY_SPEC) {
                String name = (String) row[0];
                assertEquals(row[1], f.entry(name).dtype(), name);
                assertSameArray(expected(name, (String) row[1], (int[]) row[2]), f.get(name), name);
            }
        }
    }

    @Test
    void loadsWidenedDtypesWrittenByPython() throws IOException {
        String[][] widened = {{"f64", "F64"}, {"u8", "U8"}, {"i8", "I8"}, {"i16", "I16"}, {"u16", "U16"},
            {"u32", "U32"}};
        int[][] shapes = {{2, 3}, {5}, {5}, {3}, {3}, {4}};
        try (SafetensorsFile f = Safetensors.open(DIR.resolve("python_widened.safetensors"))) {
            for (int k = 0; k < widened.length; k++) {
                String name = widened[k][0];
                assertSameArray(expected(name, widened[k][1], shapes[k]), f.get(name), name);
            }
        }
    }

    @Test
    void rewritingThePythonFileGivesIdenticalBytes(@TempDir Path tmp) throws IOException {
        Path src = DIR.resolve("python_written.safetensors");
        byte[] want = Files.readAllBytes(src);
        Map<String, String> meta;
        Map<String, NDArray> loaded;
        try (SafetensorsFile f = Safetensors.open(src)) {
            meta = new LinkedHashMap<>(f.metadata());
            loaded = f.all();
        }
        // Hand the writer the tensors in reverse order: the layout must come from the rule, not the map.
        List<String> names = new ArrayList<>(loaded.keySet());
        Collections.reverse(names);
        Map<String, NDArray> reversed = new LinkedHashMap<>();
        for (String k : names) {
            reversed.put(k, loaded.get(k));
        }
        Path out = tmp.resolve("again.safetensors");
        Safetensors.save(out, reversed, meta);
        assertArrayEquals(want, Files.readAllBytes(out));

        // The same bytes again from arrays built here, in the script's own order.
        Map<String, String> pyMeta = new LinkedHashMap<>();
        pyMeta.put("format", "pt");
        pyMeta.put("note", "line1\nline2 \"q\" \u00fc \u0007 tab\t");
        Safetensors.save(out, build(PY_SPEC, false), pyMeta);
        assertArrayEquals(want, Files.readAllBytes(out));
    }

    /** The exact byte arrays the reference's own unit tests expect from its serializer. */
    @Test
    void matchesTheReferenceSerializerOnItsOwnExamples() {
        NDArray six = NDArray.of(new float[] {0, 1, 2, 3, 4, 5});
        assertHeader("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}",
                Safetensors.header(Map.of("attn.0", six.reshape(1, 2, 3)), null));
        assertHeader("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ",
                Safetensors.header(Map.of("attn0", six.reshape(1, 1, 2, 3)), null));
        assertHeader("{}      ", Safetensors.header(Map.of(), null));
        assertHeader("{\"__metadata__\":{\"framework\":\"pt\"}}     ",
                Safetensors.header(Map.of(), Map.of("framework", "pt")));
    }

    private static void assertHeader(String json, byte[] header) {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        assertEquals(0, text.length % 8, "test header must be padded already");
        ByteBuffer want = ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        want.putLong(text.length).put(text);
        assertArrayEquals(want.array(), header, json);
    }

    @Test
    void sortsByDtypeThenUtf8Name() {
        Map<String, NDArray> m = build(PY_SPEC, false);
        List<String> order = Safetensors.referenceOrder(m);
        assertEquals(List.of("empty_i64", "idx", "a", "blocks.10.w", "blocks.2.w", "model.blocks.0.attn.qkv.weight",
                "zero", "\u00fcn\u00efc\u00f8d\u00e9/\u540d\u524d", "count", "quote\"back\\slash\ttab/", "B", "b",
                "half", "\uff5e high BMP", "\uD83D\uDE00 emoji", "ctl\u0001\u0008\u000c\u001f\u007f", "mask"), order);
        // UTF-16 order would put the emoji (a surrogate pair, 0xD83D...) before U+FF5E; UTF-8 bytes put it after.
        assertTrue("\uD83D\uDE00".compareTo("\uff5e") < 0);
    }

    /**
     * The file the Java writer produces for {@link #JAVA_SPEC} (from non-contiguous arrays) must be the committed
     * java_written.safetensors, which safetensors_ref.py parsed strictly, checked and re-wrote to the same bytes.
     * To regenerate after a deliberate format change: run this test with
     * {@code -Dusp4j.safetensorsFixtureDir=$PWD/tensor/src/test/resources/safetensors}, then
     * {@code /usr/bin/python3 tensor/src/test/python/safetensors_ref.py check}.
     */
    @Test
    void javaWrittenFileIsTheOnePythonChecked(@TempDir Path tmp) throws IOException {
        Map<String, NDArray> tensors = build(JAVA_SPEC, true);
        assertFalse(tensors.get("encoder.proj.weight").isContiguous());
        String regen = System.getProperty("usp4j.safetensorsFixtureDir");
        if (regen != null) {
            Safetensors.save(Path.of(regen, "java_written.safetensors"), tensors, JAVA_META);
        }
        Path out = tmp.resolve("java.safetensors");
        Safetensors.save(out, tensors, JAVA_META);
        byte[] bytes = Files.readAllBytes(out);
        assertArrayEquals(Files.readAllBytes(DIR.resolve("java_written.safetensors")), bytes,
                "the writer no longer produces the file the Python reference checked");
        Map<String, Object> verdict = Json.parseObject(Files.readString(DIR.resolve("java_written.check.json")));
        assertEquals(sha256(bytes), verdict.get("sha256"));
        assertEquals(Boolean.TRUE, verdict.get("python_rewrite_identical"));
        assertEquals(Boolean.TRUE, verdict.get("values_match_formula"));
        assertEquals((long) JAVA_SPEC.length, verdict.get("tensors"));
        // And it reads back with the same values.
        try (SafetensorsFile f = Safetensors.open(out)) {
            for (Object[] row : JAVA_SPEC) {
                String name = (String) row[0];
                assertSameArray(expected(name, (String) row[1], (int[]) row[2]), f.get(name), name);
            }
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
