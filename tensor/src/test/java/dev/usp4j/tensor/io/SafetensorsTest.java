package dev.usp4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Safetensors round trips for every dtype, atomic writes, and the errors a corrupt file gives. */
class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryDtypeAndMetadata() throws IOException {
        Generator g = new Generator(1);
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("f32", NDArray.randn(g, 3, 5));
        t.put("bf16", NDArray.randn(g, 7).to(DType.BF16));
        t.put("f16", NDArray.randn(g, 2, 2).to(DType.F16));
        t.put("i32", NDArray.of(new int[] {1, -2, 3}));
        t.put("i64", NDArray.of(new long[] {Long.MAX_VALUE, -5}));
        t.put("bool", NDArray.of(new boolean[] {true, false, true}));
        t.put("empty", NDArray.zeros(0, 4));
        t.put("scalar", NDArray.scalar(2.5));
        t.put("view", NDArray.randn(g, 4, 6).transpose(0, 1).slice(0, 1, 6, 2));
        Path p = dir.resolve("a.safetensors");
        Safetensors.save(p, t, Map.of("format", "pt"));
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(t.keySet(), f.names());
            for (var e : t.entrySet()) {
                NDArray back = f.get(e.getKey());
                assertEquals(e.getValue().dtype(), back.dtype(), e.getKey());
                assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
                assertArrayEquals(e.getValue().toFloatArray(), back.toFloatArray(), e.getKey());
            }
            assertArrayEquals(new long[] {Long.MAX_VALUE, -5}, f.get("i64").toLongArray());
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file may be left behind");
        }
        // The data section starts 8-byte aligned, as the reference writer does.
        ByteBuffer len = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, len.getLong() % 8);
    }

    @Test
    void overwritesAtomically() throws IOException {
        Path p = dir.resolve("w.safetensors");
        Safetensors.save(p, Map.of("x", NDArray.ones(3)), null);
        Safetensors.save(p, Map.of("x", NDArray.zeros(5)), null);
        assertArrayEquals(new int[] {5}, Safetensors.load(p).get("x").shape());
    }

    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private static void assertRefused(Path p, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> Safetensors.open(p));
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        }
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    @Test
    void corruptFilesGiveErrorsNamingFileAndTensor() throws IOException {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertRefused(tiny, "not a safetensors file");

        assertRefused(raw("{" + entry("w", "F32", "[2,3]", 0, 24) + "}", 12), "'w'", "outside", "truncated");
        assertRefused(raw("{" + entry("w", "F32", "[2,3]", 0, 20) + "}", 20), "'w'", "[2, 3]", "24");
        assertRefused(raw("{" + entry("w", "Q7", "[1]", 0, 1) + "}", 1), "'w'", "unknown dtype 'Q7'");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",", 0), "corrupt header");
        assertRefused(raw("[1,2]", 0), "corrupt header", "expected an object");
        assertRefused(raw("{\"w\":7}", 0), "'w'", "not an object");
        assertRefused(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "'w'", "needs dtype, shape and"
                + " data_offsets");
    }

    @Test
    void offsetsMustTileTheDataSectionExactlyOnce() throws IOException {
        assertRefused(raw("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12),
                "'b'", "overlap tensor 'a'");
        assertRefused(raw("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 12, 16) + "}", 16),
                "'b'", "gap of 4 bytes");
        assertRefused(raw("{" + entry("a", "F32", "[1]", 4, 8) + "}", 8), "'a'", "gap of 4 bytes",
                "start of the data section");
        assertRefused(raw("{" + entry("a", "F32", "[1]", 0, 4) + "}", 9), "9 bytes", "cover only 4");
        assertRefused(raw("{}", 3), "3 bytes", "empty header");
        // Same data twice under two names is an overlap too.
        assertRefused(raw("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 0, 4) + "}", 4),
                "overlap");
        // Out of order in the header but tiling the data: accepted, as the reference sorts by offset.
        Path ok = raw("{" + entry("b", "F32", "[1]", 4, 8) + "," + entry("a", "I32", "[1]", 0, 4) + "}", 8);
        try (SafetensorsFile f = Safetensors.open(ok)) {
            assertEquals(List.of("b", "a"), List.copyOf(f.names()));
        }
    }

    @Test
    void extentsMustBeSmallNonNegativeIntegers() throws IOException {
        assertRefused(raw("{" + entry("n", "F32", "[-1]", 0, 0) + "}", 0), "'n'", "non-negative integers", "-1");
        assertRefused(raw("{" + entry("n", "F32", "[2.5]", 0, 10) + "}", 10), "'n'", "non-negative integers");
        assertRefused(raw("{" + entry("n", "F32", "[\"2\"]", 0, 8) + "}", 8), "'n'", "non-negative integers");
        assertRefused(raw("{" + entry("n", "F32", "[1]", -4, 0) + "}", 0), "'n'", "data_offsets");
        assertRefused(raw("{" + entry("n", "F32", "[1]", 4, 0) + "}", 4), "'n'", "end before they begin");
        assertRefused(raw("{" + entry("n", "U8", "[4294967296,4294967296]", 0, 0) + "}", 0), "'n'",
                "more elements than a 64-bit count");
        assertRefused(raw("{" + entry("n", "F64", "[2305843009213693952]", 0, 0) + "}", 0), "'n'", "overflows");
        assertRefused(raw("{" + entry("n", "F32", "[99999999999999999999]", 0, 0) + "}", 0), "corrupt header",
                "bad number");
        // A valid file whose tensor is larger than a Java array opens; only that tensor is refused.
        Path big = raw("{" + entry("big", "BOOL", "[3000000000]", 0, 3_000_000_000L) + "}", 0);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(f.length() + 3_000_000_000L); // sparse: costs no disk
        }
        try (SafetensorsFile f = Safetensors.open(big)) {
            assertEquals(3_000_000_000L, f.entry("big").numel());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.get("big"));
            assertTrue(e.getMessage().contains("'big'") && e.getMessage().contains("at most"), e.getMessage());
        }
    }

    @Test
    void headerProblemsAreRefused() throws IOException {
        Path past = dir.resolve("past.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100).putLong(0);
        Files.write(past, b.array());
        assertRefused(past, "header length 100", "past the end");

        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).array());
        assertRefused(huge, "18446744073709551608", "exceeds the limit");

        Path latin1 = dir.resolve("latin1.safetensors");
        byte[] bad = "{\"\u00e9\":{}}   ".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(latin1, ByteBuffer.allocate(8 + bad.length).order(ByteOrder.LITTLE_ENDIAN).putLong(bad.length)
                .put(bad).array());
        assertRefused(latin1, "not valid UTF-8");

        assertRefused(raw("[".repeat(100_000), 0), "corrupt header", "nesting deeper");
        assertRefused(raw("{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}", 8),
                "duplicate key 'w'");
        assertRefused(raw("{\"__metadata__\":{\"step\":3}}", 0), "__metadata__", "'step'", "must be a string");
        assertRefused(raw("{\"__metadata__\":[\"x\"]}", 0), "__metadata__", "object of strings");
        try (SafetensorsFile f = Safetensors.open(raw("{\"__metadata__\":null}", 0))) {
            assertTrue(f.metadata().isEmpty());
        }
    }

    /** Random byte flips and truncations of a valid file: each must open (and read) or give an IOException. */
    @Test
    void fuzzedFilesFailCleanly() throws IOException {
        Generator g = new Generator(3);
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("w", NDArray.randn(g, 3, 4));
        t.put("h", NDArray.randn(g, 5).to(DType.F16));
        t.put("i", NDArray.of(new long[] {1, 2, 3}));
        t.put("m", NDArray.of(new boolean[] {true, false}));
        Path ok = dir.resolve("fuzz.safetensors");
        Safetensors.save(ok, t, Map.of("format", "pt"));
        byte[] good = Files.readAllBytes(ok);
        java.util.Random r = new java.util.Random(42);
        Path p = dir.resolve("fuzzed.safetensors");
        int opened = 0;
        int refused = 0;
        for (int iter = 0; iter < 400; iter++) {
            byte[] b;
            if (iter % 4 == 0) {
                b = java.util.Arrays.copyOf(good, r.nextInt(good.length));
            } else {
                b = good.clone();
                for (int k = 1 + r.nextInt(3); k > 0; k--) {
                    // Mostly the header, where the interesting failures are.
                    int at = r.nextInt(10) < 8 ? r.nextInt(Math.min(b.length, 8 + 200)) : r.nextInt(b.length);
                    b[at] = (byte) (r.nextInt(3) == 0 ? b[at] ^ (1 << r.nextInt(8)) : r.nextInt(256));
                }
            }
            Files.write(p, b);
            try (SafetensorsFile f = Safetensors.open(p)) {
                for (String name : f.names()) {
                    try {
                        f.get(name);
                    } catch (IllegalArgumentException unsupported) {
                        // A flip may turn F32 into a dtype usp4j does not read; that is a clean refusal too.
                        assertTrue(unsupported.getMessage().contains(name), unsupported.getMessage());
                    }
                }
                opened++;
            } catch (IOException e) {
                assertTrue(e.getMessage().contains("fuzzed.safetensors"), e.getMessage());
                refused++;
            }
        }
        assertTrue(opened > 0 && refused > 100, opened + " opened, " + refused + " refused");
    }

    @Test
    void writesTensorsLargerThanTheWriteBuffer() throws IOException {
        float[] v = new float[600_001];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f;
        }
        NDArray a = NDArray.of(v);
        NDArray h = NDArray.of(v).to(DType.BF16);
        Path p = dir.resolve("big.safetensors");
        Safetensors.save(p, Map.of("a", a, "h", h), null);
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertArrayEquals(v, f.get("a").toFloatArray());
            assertArrayEquals(h.toFloatArray(), f.get("h").toFloatArray());
        }
        assertEquals(8 + Safetensors.header(Map.of("a", a, "h", h), null).length - 8 + 600_001 * 6L, Files.size(p));
    }

    @Test
    void readsWidenedDtypes() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16 + 3).order(ByteOrder.LITTLE_ENDIAN);
        data.putDouble(1.5).putDouble(-2.25).put((byte) -3).put((byte) 200).put((byte) 7);
        String header = "{" + entry("d", "F64", "[2]", 0, 16) + "," + entry("u", "U8", "[1]", 17, 18) + ","
                + entry("i", "I8", "[1]", 16, 17) + "," + entry("j", "I8", "[1]", 18, 19) + "}";
        Path p = raw(header, 19);
        byte[] all = Files.readAllBytes(p);
        System.arraycopy(data.array(), 0, all, all.length - 19, 19);
        Files.write(p, all);
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertEquals(DType.F32, f.get("d").dtype());
            assertArrayEquals(new float[] {1.5f, -2.25f}, f.get("d").toFloatArray());
            assertArrayEquals(new int[] {200}, f.get("u").toIntArray());
            assertArrayEquals(new int[] {-3}, f.get("i").toIntArray());
        }
    }

    @Test
    void jsonRoundTrip() {
        String text = "{\"a\":[1,2.5,\"x\\\"y\",true,null],\"b\":{\"c\":-3e2}}";
        Object v = Json.parse(text);
        assertEquals(v, Json.parse(Json.write(v)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":}"));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
    }

    /** A stage whose loss is NaN must still leave a results file that every JSON parser (and this one) reads. */
    @Test
    void jsonNonFiniteNumbers() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("nan", Double.NaN);
        m.put("inf", Float.NEGATIVE_INFINITY);
        m.put("x", 0.5);
        assertEquals("{\"nan\":null,\"inf\":null,\"x\":0.5}", Json.write(m));
        // what Python's json.dumps writes by default
        java.util.Map<String, Object> py = Json.parseObject("{\"a\":NaN,\"b\":[Infinity,-Infinity,-1]}");
        assertTrue(Double.isNaN((Double) py.get("a")));
        assertEquals(java.util.List.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1L), py.get("b"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[Nan]"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[-Inf]"));
    }
}
