package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.Storage;

/**
 * Storage on the Java heap: one primitive array per dtype ({@code float[]} for F32, {@code short[]} holding the raw
 * bits for BF16/F16, {@code int[]}, {@code long[]}, {@code boolean[]}).
 *
 * <p>Kernels take the array out once ({@link #floats()} and friends) and index it directly with the layout's
 * offsets; there is no per-element virtual accessor on the hot path.
 */
public final class CpuStorage implements Storage {
    private final DType dtype;
    private final Object data;
    private final int size;
    private int version;

    private CpuStorage(DType dtype, Object data, int size) {
        this.dtype = dtype;
        this.data = data;
        this.size = size;
    }

    /** A zero-filled storage of {@code size} elements. */
    public static CpuStorage allocate(DType dtype, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("allocate: negative size " + size);
        }
        Object data = switch (dtype) {
            case F32 -> new float[size];
            case BF16, F16 -> new short[size];
            case I32 -> new int[size];
            case I64 -> new long[size];
            case BOOL -> new boolean[size];
        };
        return new CpuStorage(dtype, data, size);
    }

    /**
     * A storage whose every element the caller will write before reading any ({@link
     * dev.usp4j.tensor.Backend#allocateForOutput}). Large F32 arrays come from {@link UninitializedArrays} without
     * the zero-fill; under {@code usp4j.poisonOutputs=true} (the test suites) they are filled with NaN instead, so
     * that an op which leaves part of its output unwritten fails its tests rather than reading zeros by luck.
     */
    public static CpuStorage allocateForOutput(DType dtype, int size) {
        if (dtype != DType.F32 || size < 0) {
            return allocate(dtype, size);
        }
        return new CpuStorage(DType.F32, UninitializedArrays.floats(size), size);
    }

    /** Wraps (does not copy) a float array. */
    public static CpuStorage wrap(float[] data) {
        return new CpuStorage(DType.F32, data, data.length);
    }

    /** Wraps raw BF16 or F16 bits. */
    public static CpuStorage wrap(short[] bits, DType dtype) {
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("wrap: short[] holds BF16 or F16 bits, not " + dtype);
        }
        return new CpuStorage(dtype, bits, bits.length);
    }

    /** Wraps an int array. */
    public static CpuStorage wrap(int[] data) {
        return new CpuStorage(DType.I32, data, data.length);
    }

    /** Wraps a long array. */
    public static CpuStorage wrap(long[] data) {
        return new CpuStorage(DType.I64, data, data.length);
    }

    /** Wraps a boolean array. */
    public static CpuStorage wrap(boolean[] data) {
        return new CpuStorage(DType.BOOL, data, data.length);
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int version() {
        return version;
    }

    @Override
    public void bumpVersion() {
        version++;
    }

    /** The backing array of an F32 storage. */
    public float[] floats() {
        return (float[]) checked(DType.F32);
    }

    /** The raw bits of a BF16 or F16 storage. */
    public short[] halfBits() {
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw wrongType("BF16 or F16");
        }
        return (short[]) data;
    }

    /** The backing array of an I32 storage. */
    public int[] ints() {
        return (int[]) checked(DType.I32);
    }

    /** The backing array of an I64 storage. */
    public long[] longs() {
        return (long[]) checked(DType.I64);
    }

    /** The backing array of a BOOL storage. */
    public boolean[] bools() {
        return (boolean[]) checked(DType.BOOL);
    }

    private Object checked(DType expected) {
        if (dtype != expected) {
            throw wrongType(expected.name());
        }
        return data;
    }

    private IllegalStateException wrongType(String expected) {
        return new IllegalStateException("cpu storage holds " + dtype + ", a kernel asked for " + expected);
    }

    /** The storage of a CPU array; a clear error for any other device. */
    public static CpuStorage of(dev.usp4j.tensor.NDArray a) {
        if (a.storage() instanceof CpuStorage s) {
            return s;
        }
        throw new IllegalStateException("cpu backend: array on " + a.device() + " given to a CPU kernel");
    }
}
