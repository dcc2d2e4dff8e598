package dev.usp4j.nn.io;

import dev.usp4j.tensor.cpu.CpuStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * Streams one torch storage's raw bytes into a CPU storage through a 1 MiB buffer (so a storage of any size costs
 * its array and no byte copy of it), converting float64 to float32 and small integers to int32 on the way.
 */
final class StorageReader {
    private static final int CHUNK = 1 << 20;
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private StorageReader() {
    }

    static CpuStorage read(InputStream in, TorchGlobals.StorageRef s, ByteOrder order, Path path, List<String> notes)
            throws IOException {
        if (s.numel() > MAX_ELEMENTS) {
            throw new IOException(path + ": storage '" + s.key() + "' has " + s.numel() + " elements; a usp4j"
                    + " storage holds at most " + MAX_ELEMENTS + " (one Java array)");
        }
        int n = (int) s.numel();
        TorchStorageType t = s.type();
        Object target = switch (t.readAs) {
            case F32 -> new float[n];
            case BF16, F16 -> new short[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case BOOL -> new boolean[n];
        };
        byte[] buf = new byte[CHUNK];
        int perChunk = CHUNK / t.width;
        for (int start = 0; start < n; start += perChunk) {
            int len = Math.min(perChunk, n - start);
            int bytes = len * t.width;
            if (in.readNBytes(buf, 0, bytes) != bytes) {
                throw new IOException(path + ": storage '" + s.key() + "' is truncated (" + t + " of " + n
                        + " elements)");
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, bytes).order(order);
            switch (t) {
                case FLOAT -> bb.asFloatBuffer().get((float[]) target, start, len);
                case DOUBLE -> {
                    float[] f = (float[]) target;
                    for (int i = 0; i < len; i++) {
                        f[start + i] = (float) bb.getDouble(i * 8);
                    }
                }
                case HALF, BFLOAT16 -> bb.asShortBuffer().get((short[]) target, start, len);
                case LONG -> bb.asLongBuffer().get((long[]) target, start, len);
                case INT -> bb.asIntBuffer().get((int[]) target, start, len);
                case SHORT -> {
                    int[] v = (int[]) target;
                    for (int i = 0; i < len; i++) {
                        v[start + i] = bb.getShort(i * 2);
                    }
                }
                case CHAR, BYTE -> {
                    int[] v = (int[]) target;
                    for (int i = 0; i < len; i++) {
                        v[start + i] = t == TorchStorageType.CHAR ? buf[i] : buf[i] & 0xFF;
                    }
                }
                case BOOL -> {
                    boolean[] v = (boolean[]) target;
                    for (int i = 0; i < len; i++) {
                        v[start + i] = buf[i] != 0;
                    }
                }
            }
        }
        String note = t.conversionNote();
        if (note != null) {
            notes.add("storage '" + s.key() + "' (" + t + ", " + n + " elements): " + note);
        }
        return switch (target) {
            case float[] f -> CpuStorage.wrap(f);
            case short[] h -> CpuStorage.wrap(h, t.readAs);
            case int[] v -> CpuStorage.wrap(v);
            case long[] v -> CpuStorage.wrap(v);
            case boolean[] v -> CpuStorage.wrap(v);
            default -> throw new IllegalStateException();
        };
    }
}
