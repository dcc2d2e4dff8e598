package dev.usp4j.tensor.io;

import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.CpuStorage;
import java.io.IOException;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format of Hugging Face: an 8-byte little-endian header length, a JSON header
 * mapping names to {@code {dtype, shape, data_offsets}} (plus an optional {@code __metadata__} string map), then
 * the raw little-endian data. It lives in the tensor module because it is about arrays only; the nn module maps
 * state dicts onto it.
 *
 * <p><b>Byte compatibility.</b> {@link #save} writes the bytes the reference writer ({@code safetensors.torch.save}
 * / {@code save_file}, i.e. the Rust {@code serialize}) writes for the same tensors and metadata: tensors sorted by
 * dtype in <em>descending</em> order of the reference's {@code Dtype} enum (I64 &gt; F32 &gt; I32 &gt; BF16 &gt;
 * F16 &gt; BOOL for the dtypes usp4j has), ties broken by name in ascending byte (UTF-8) order; data laid out in that
 * order with no padding between tensors; the header is compact JSON (no spaces) with {@code __metadata__} first when
 * there is metadata, each entry's fields in the order dtype, shape, data_offsets, strings escaped as serde_json does;
 * the header is padded with spaces to a multiple of 8 bytes so the data starts 8-byte aligned. The one thing the
 * reference leaves unspecified is the order of several metadata keys (a Rust {@code HashMap}, random per process):
 * we keep the caller's order, so files with zero or one metadata key are byte-identical and others differ at most
 * in that order.
 *
 * <p><b>Reading</b> validates the header as the reference does (see {@link SafetensorsHeader}: tensors must tile
 * the data section exactly once, no gaps, no overlaps, no trailing bytes) and names the file and tensor in every
 * error; a corrupt file gives an {@link IOException}, never a read outside the mapped region. The data section
 * stays memory-mapped ({@link SafetensorsFile}); only the tensors asked for are copied to the heap. A tensor becomes
 * one Java array, so a tensor holds at most 2^31 - 9 elements (the JVM's array limit); the file itself may be of
 * any size, and larger tensors in it are refused only when asked for.
 *
 * <p><b>Writing</b> goes to a temporary file in the same folder renamed into place, so a crash never leaves a
 * half-written checkpoint under the final name.
 */
public final class Safetensors {
    private Safetensors() {
    }

    /** Opens and validates a file; the caller closes the result. */
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
            if (n < 0 || n > SafetensorsHeader.MAX_HEADER) {
                throw new IOException(path + ": header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                        + SafetensorsHeader.MAX_HEADER + " bytes (corrupt or not a safetensors file)");
            }
            if (n > size - 8) {
                throw new IOException(path + ": header length " + n + " runs past the end of the file (" + size
                        + " bytes; truncated?)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, path);
            long dataStart = 8 + n;
            long dataLen = size - dataStart;
            SafetensorsHeader header = SafetensorsHeader.parse(path, hb.array(), dataLen);
            MemorySegment data = dataLen == 0 ? MemorySegment.NULL.reinterpret(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLen, arena);
            return new SafetensorsFile(path, arena, data, header.entries, header.metadata);
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

    /** Reads every tensor of a file into memory. */
    public static Map<String, NDArray> load(Path path) throws IOException {
        try (SafetensorsFile f = open(path)) {
            return f.all();
        }
    }

    /**
     * The order the reference writer lays tensors out in: dtype descending in its enum order, then name ascending
     * by UTF-8 bytes.
     */
    public static List<String> referenceOrder(Map<String, NDArray> tensors) {
        List<String> names = new ArrayList<>(tensors.keySet());
        Comparator<String> byDtype = Comparator.comparingInt(
                k -> -SafetensorsHeader.DTYPE_ORDER.indexOf(tensors.get(k).dtype().safetensorsName()));
        names.sort(byDtype.thenComparing(k -> k.getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        return names;
    }

    /** The complete header (length prefix, JSON, padding) {@link #save} writes for these tensors. */
    public static byte[] header(Map<String, NDArray> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("safetensors: metadata needs non-null keys and values, got "
                            + e.getKey() + "=" + e.getValue());
                }
            }
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (String name : referenceOrder(tensors)) {
            if (name == null || name.equals("__metadata__")) {
                throw new IllegalArgumentException("safetensors: '" + name + "' cannot name a tensor");
            }
            NDArray a = tensors.get(name);
            long bytes = (long) a.numel() * a.dtype().byteSize();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", a.dtype().safetensorsName());
            List<Object> shape = new ArrayList<>();
            for (int d : a.shape()) {
                shape.add((long) d);
            }
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(name, entry);
            offset += bytes;
        }
        byte[] h = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        while (out.hasRemaining()) {
            out.put((byte) ' ');
        }
        return out.array();
    }

    /** Writes tensors (CPU or not; copied to the host) and optional metadata, atomically, in the reference layout. */
    public static void save(Path path, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        byte[] header = header(tensors, metadata);
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        // A fresh name beside the target (so the rename stays on one file system), created like any new file so the
        // result gets the usual permissions rather than a temp file's owner-only ones.
        Path tmp = (dir == null ? Path.of(".") : dir).resolve("." + path.getFileName() + "."
                + Long.toHexString(System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L)
                + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (String name : referenceOrder(tensors)) {
                    writeData(ch, buf, tensors.get(name));
                }
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Streams one tensor's elements through a 1 MiB buffer: no per-tensor byte copy, any tensor size. */
    private static void writeData(FileChannel ch, ByteBuffer buf, NDArray a) throws IOException {
        NDArray c = a.to(Device.CPU).contiguous();
        CpuStorage st = CpuStorage.of(c);
        int n = c.numel();
        int width = c.dtype().byteSize();
        int chunk = buf.capacity() / width;
        for (int start = 0; start < n; start += chunk) {
            int len = Math.min(chunk, n - start);
            buf.clear();
            switch (c.dtype()) {
                case F32 -> buf.asFloatBuffer().put(st.floats(), start, len);
                case BF16, F16 -> buf.asShortBuffer().put(st.halfBits(), start, len);
                case I32 -> buf.asIntBuffer().put(st.ints(), start, len);
                case I64 -> buf.asLongBuffer().put(st.longs(), start, len);
                case BOOL -> {
                    boolean[] b = st.bools();
                    for (int i = 0; i < len; i++) {
                        buf.put(i, (byte) (b[start + i] ? 1 : 0));
                    }
                }
            }
            buf.limit(len * width);
            writeFully(ch, buf);
        }
    }
}
