package dev.usp4j.tensor.cuda;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.Storage;
import java.lang.ref.Cleaner;

/**
 * Storage in device memory: a block of the {@link CudaAllocator}, returned to it when this object is recycled or
 * becomes unreachable. Elements are laid out as on the CPU (BOOL as one byte, BF16/F16 as their 16-bit patterns).
 */
final class CudaStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final DType dtype;
    private final int size;
    private final Device device;
    private final CudaDevicePointer pointer;
    private final Cleaner.Cleanable cleanable;
    private int version;

    CudaStorage(CudaAllocator allocator, Device device, DType dtype, int size) {
        this.dtype = dtype;
        this.size = size;
        this.device = device;
        CudaAllocator.Block block = allocator.allocate((long) size * dtype.byteSize());
        this.pointer = block.pointer();
        // The action must not capture this object, or it would never become unreachable.
        this.cleanable = CLEANER.register(this, () -> allocator.release(block.pointer(), block.size()));
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public Device device() {
        return device;
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

    /** The device address of element {@code index}. */
    long address(int index) {
        return pointer.address() + (long) index * dtype.byteSize();
    }

    /** The JCuda pointer of the block, for copies. */
    CudaDevicePointer pointer() {
        return pointer;
    }

    /** Bytes of the elements (not of the block's size class). */
    long bytes() {
        return (long) size * dtype.byteSize();
    }

    /** Returns the block to the allocator now; nothing may use this storage afterwards. */
    void release() {
        cleanable.clean();
    }
}
