package dev.usp4j.tensor.io;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format of Hugging Face: an 8-byte little-endian header length, a JSON header
 * mapping names to {@code {dtype, shape, data_offsets}} (plus an optional {@code __metadata__} string map), then
 * the raw little-endian data. It lives in the tensor module because it is about arrays only; the nn module maps
 * state dicts onto it.
 *
 * <p>Reading validates the header (sizes, offsets inside the file, byte counts matching shapes) and names the file
 * and tensor in every error. Writing goes to a temporary file renamed into place, so a crash never leaves a
 * half-written checkpoint under the final name.
 */
public final class Safetensors {
    /** Headers larger than this are refused as corrupt (the reference implementation uses the same bound). */
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {
    }

    /** Opens a file; the caller closes the result. */
    public static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(path + ": not a safetensors file (" + size + " bytes, the header length alone"
                        + " takes 8)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, path);
            long n = lenBuf.getLong(0);
            if (n < 2 || n > MAX_HEADER || 8 + n > size) {
                throw new IOException(path + ": header length " + n + " is invalid for a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, path);
            String headerText = new String(hb.array(), StandardCharsets.UTF_8);
            Map<String, Object> header;
            try {
                header = Json.parseObject(headerText);
            } catch (IllegalArgumentException e) {
                throw new IOException(path + ": corrupt header: " + e.getMessage(), e);
            }
            long dataStart = 8 + n;
            long dataLen = size - dataStart;
            Map<String, SafetensorsFile.Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    if (e.getValue() instanceof Map<?, ?> m) {
                        m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
                    }
                    continue;
                }
                entries.put(e.getKey(), entry(path, e.getKey(), e.getValue(), dataLen));
            }
            MemorySegment data = dataLen == 0 ? MemorySegment.NULL.reinterpret(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLen, arena);
            return new SafetensorsFile(path, arena, data, entries, metadata);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path path) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException(path + ": truncated file");
            }
        }
    }

    private static SafetensorsFile.Entry entry(Path path, String name, Object v, long dataLen) throws IOException {
        if (!(v instanceof Map<?, ?> m)) {
            throw new IOException(path + ": header entry '" + name + "' is not an object");
        }
        Object dtype = m.get("dtype");
        Object shape = m.get("shape");
        Object offsets = m.get("data_offsets");
        if (!(dtype instanceof String dt) || !(shape instanceof List<?> sl) || !(offsets instanceof List<?> ol)
                || ol.size() != 2) {
            throw new IOException(path + ": header entry '" + name + "' needs dtype, shape and data_offsets [begin,"
                    + " end], got " + Json.write(v));
        }
        int[] s = new int[sl.size()];
        for (int i = 0; i < s.length; i++) {
            long d = ((Number) sl.get(i)).longValue();
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new IOException(path + ": tensor '" + name + "' has invalid extent " + d);
            }
            s[i] = (int) d;
        }
        long begin = ((Number) ol.get(0)).longValue();
        long end = ((Number) ol.get(1)).longValue();
        if (begin < 0 || end < begin || end > dataLen) {
            throw new IOException(path + ": tensor '" + name + "' has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataLen + " bytes");
        }
        int width = switch (dt) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> throw new IOException(path + ": tensor '" + name + "' has unknown dtype '" + dt + "'");
        };
        long expected = (long) Shape.numel(s) * width;
        if (end - begin != expected) {
            throw new IOException(path + ": tensor '" + name + "' of dtype " + dt + " and shape "
                    + Shape.str(s) + " needs " + expected + " bytes, data_offsets give " + (end - begin));
        }
        return new SafetensorsFile.Entry(name, dt, s, begin, end);
    }

    /** Reads every tensor of a file into memory. */
    public static Map<String, NDArray> load(Path path) throws IOException {
        try (SafetensorsFile f = open(path)) {
            return f.all();
        }
    }

    /** Writes tensors (CPU or not; copied to the host) and optional metadata, atomically. */
    public static void save(Path path, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            long bytes = (long) a.numel() * a.dtype().byteSize();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", a.dtype().safetensorsName());
            List<Object> shape = new java.util.ArrayList<>();
            for (int d : a.shape()) {
                shape.add((long) d);
            }
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), entry);
            offset += bytes;
        }
        byte[] h = Json.write(header).getBytes(StandardCharsets.UTF_8);
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (h.length + 7) / 8 * 8;
        byte[] hp = java.util.Arrays.copyOf(h, padded);
        java.util.Arrays.fill(hp, h.length, padded, (byte) ' ');
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
        try {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
                out.write(len.array());
                out.write(hp);
                for (NDArray a : tensors.values()) {
                    writeData(out, a);
                }
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeData(OutputStream out, NDArray a) throws IOException {
        int n = a.numel();
        DType t = a.dtype();
        ByteBuffer buf = ByteBuffer.allocate(n * t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t) {
            case F32 -> buf.asFloatBuffer().put(a.toFloatArray());
            case BF16, F16 -> {
                // Raw bits: go through a contiguous copy in the same dtype, not through float.
                NDArray c = a.to(dev.usp4j.tensor.Device.CPU).copy();
                buf.asShortBuffer().put(((dev.usp4j.tensor.cpu.CpuStorage) c.storage()).halfBits());
            }
            case I32 -> buf.asIntBuffer().put(a.toIntArray());
            case I64 -> buf.asLongBuffer().put(a.toLongArray());
            case BOOL -> {
                boolean[] b = a.toBooleanArray();
                for (int i = 0; i < n; i++) {
                    buf.put(i, (byte) (b[i] ? 1 : 0));
                }
            }
        }
        out.write(buf.array());
    }
}
