package dev.usp4j.tensor.io;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.CpuStorage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An opened, validated safetensors file: its header (names, dtypes, shapes, byte ranges) and metadata, with the
 * data memory-mapped so that {@link #get} copies only the tensors asked for (no whole-file heap copy, whatever the
 * file's size). Close it to unmap.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The most elements one tensor may have to become a Java array (the JVM's array limit, 2^31 - 9). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** One header entry; shapes are longs because a file may hold tensors too large for one Java array. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        /** Number of elements. */
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, Entry> entries,
                    Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** The header entry of {@code name}, or null. */
    public Entry entry(String name) {
        return entries.get(name);
    }

    /** The {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /**
     * Tensor {@code name} as a CPU array. F32, BF16, F16, I32, I64 and BOOL keep their dtype; F64 becomes F32,
     * I8, U8, I16 and U16 become I32, and U32 becomes I64 (usp4j computes in those). U64, C64 and the 8-, 6- and
     * 4-bit float formats are refused, as are tensors over {@link #MAX_ELEMENTS} elements or with an extent over
     * 2^31 - 1.
     */
    public NDArray get(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": no tensor named '" + name + "' (the file has "
                    + entries.size() + " tensors" + (entries.isEmpty() ? "" : ", e.g. '"
                    + entries.keySet().iterator().next() + "'") + ")");
        }
        if (e.numel() > MAX_ELEMENTS) {
            throw new IllegalArgumentException(path + ": tensor '" + name + "' has " + e.numel() + " elements;"
                    + " a usp4j array holds at most " + MAX_ELEMENTS + " (one Java array per tensor)");
        }
        int[] shape = new int[e.shape().length];
        for (int i = 0; i < shape.length; i++) {
            if (e.shape()[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(path + ": tensor '" + name + "' has extent " + e.shape()[i]
                        + ", over the 2^31 - 1 an array dimension can hold");
            }
            shape[i] = (int) e.shape()[i];
        }
        return decode(e, shape, data.asSlice(e.begin(), e.end() - e.begin()), (int) e.numel());
    }

    /**
     * Rows {@code start} … {@code start + count − 1} of tensor {@code name} along its first dimension, read from the
     * mapped file without touching the rest: how a cache larger than the heap is streamed back.
     */
    public NDArray rows(String name, int start, int count) {
        Entry e = entries.get(name);
        if (e == null) {
            return get(name); // the same error
        }
        if (e.shape().length == 0 || start < 0 || count < 0 || (long) start + count > e.shape()[0]) {
            throw new IllegalArgumentException(path + ": rows [" + start + ", " + ((long) start + count) + ") of"
                    + " tensor '" + name + "' with shape " + java.util.Arrays.toString(e.shape()));
        }
        long rowElements = e.shape()[0] == 0 ? 0 : e.numel() / e.shape()[0];
        long rowBytes = e.shape()[0] == 0 ? 0 : (e.end() - e.begin()) / e.shape()[0];
        if (rowElements * count > MAX_ELEMENTS) {
            throw new IllegalArgumentException(path + ": " + count + " rows of '" + name + "' exceed "
                    + MAX_ELEMENTS + " elements");
        }
        int[] shape = new int[e.shape().length];
        shape[0] = count;
        for (int i = 1; i < shape.length; i++) {
            shape[i] = (int) e.shape()[i];
        }
        return decode(e, shape, data.asSlice(e.begin() + rowBytes * start, rowBytes * count),
                (int) (rowElements * count));
    }

    private NDArray decode(Entry e, int[] shape, MemorySegment seg, int n) {
        String name = e.name();
        CpuStorage st = switch (e.dtype()) {
            case "F32" -> CpuStorage.wrap(read(seg, n, F32));
            case "F64" -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) seg.getAtIndex(F64, i);
                }
                yield CpuStorage.wrap(f);
            }
            case "BF16", "F16" -> {
                short[] s = new short[n];
                MemorySegment.copy(seg, I16, 0, s, 0, n);
                yield CpuStorage.wrap(s, DType.fromSafetensorsName(e.dtype()));
            }
            case "I32" -> {
                int[] v = new int[n];
                MemorySegment.copy(seg, I32, 0, v, 0, n);
                yield CpuStorage.wrap(v);
            }
            case "I64" -> {
                long[] v = new long[n];
                MemorySegment.copy(seg, I64, 0, v, 0, n);
                yield CpuStorage.wrap(v);
            }
            case "BOOL" -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = seg.get(ValueLayout.JAVA_BYTE, i) != 0;
                }
                yield CpuStorage.wrap(v);
            }
            case "I8", "U8", "I16", "U16" -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = switch (e.dtype()) {
                        case "I8" -> seg.get(ValueLayout.JAVA_BYTE, i);
                        case "U8" -> seg.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                        case "I16" -> seg.getAtIndex(I16, i);
                        default -> seg.getAtIndex(I16, i) & 0xFFFF;
                    };
                }
                yield CpuStorage.wrap(v);
            }
            case "U32" -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = Integer.toUnsignedLong(seg.getAtIndex(I32, i));
                }
                yield CpuStorage.wrap(v);
            }
            default -> throw new IllegalArgumentException(path + ": tensor '" + name + "' has dtype " + e.dtype()
                    + ", which usp4j does not read (F32, F64, BF16, F16, I64, U32, I32, U16, I16, I8, U8, BOOL)");
        };
        return NDArray.of(st, shape);
    }

    private static float[] read(MemorySegment seg, int n, ValueLayout.OfFloat layout) {
        float[] f = new float[n];
        MemorySegment.copy(seg, layout, 0, f, 0, n);
        return f;
    }

    /** Every tensor, in header order. */
    public Map<String, NDArray> all() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        for (String k : entries.keySet()) {
            m.put(k, get(k));
        }
        return m;
    }

    @Override
    public void close() {
        arena.close();
    }
}
