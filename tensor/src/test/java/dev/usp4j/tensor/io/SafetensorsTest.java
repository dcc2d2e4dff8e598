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

    @Test
    void corruptFilesGiveErrorsNamingFileAndTensor() throws IOException {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        IOException e1 = assertThrows(IOException.class, () -> Safetensors.open(tiny));
        assertTrue(e1.getMessage().contains("tiny.safetensors"), e1.getMessage());

        Path shortData = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 12);
        IOException e2 = assertThrows(IOException.class, () -> Safetensors.open(shortData));
        assertTrue(e2.getMessage().contains("'w'") && e2.getMessage().contains("outside"), e2.getMessage());

        Path wrongSize = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20);
        IOException e3 = assertThrows(IOException.class, () -> Safetensors.open(wrongSize));
        assertTrue(e3.getMessage().contains("[2, 3]") && e3.getMessage().contains("24"), e3.getMessage());

        Path badType = raw("{\"w\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        IOException e4 = assertThrows(IOException.class, () -> Safetensors.open(badType));
        assertTrue(e4.getMessage().contains("Q7"), e4.getMessage());

        Path badJson = raw("{\"w\":{\"dtype\":\"F32\",", 0);
        IOException e5 = assertThrows(IOException.class, () -> Safetensors.open(badJson));
        assertTrue(e5.getMessage().contains("corrupt header"), e5.getMessage());

        Path ok = dir.resolve("ok.safetensors");
        Safetensors.save(ok, Map.of("a", NDArray.ones(1)), null);
        try (SafetensorsFile f = Safetensors.open(ok)) {
            IllegalArgumentException e6 = assertThrows(IllegalArgumentException.class, () -> f.get("b"));
            assertTrue(e6.getMessage().contains("'b'") && e6.getMessage().contains("ok.safetensors"),
                    e6.getMessage());
        }
    }

    @Test
    void readsWidenedDtypes() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16 + 3).order(ByteOrder.LITTLE_ENDIAN);
        data.putDouble(1.5).putDouble(-2.25).put((byte) -3).put((byte) 200).put((byte) 7);
        String header = "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[17,18]},"
                + "\"i\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[16,17]},"
                + "\"j\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[18,19]}}";
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
}
