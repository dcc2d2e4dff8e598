package dev.usp4j.tensor.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A JCuda device pointer whose raw address can be read: kernels and cuBLAS (through FFM) take addresses as plain
 * 64-bit values, which JCuda keeps behind a protected accessor.
 */
final class CudaDevicePointer extends CUdeviceptr {
    CudaDevicePointer() {
    }

    private CudaDevicePointer(CudaDevicePointer base, long byteOffset) {
        super(base, byteOffset);
    }

    /** The device address this pointer holds. */
    long address() {
        return getNativePointer();
    }

    /** This pointer moved by {@code bytes} (for copies into part of an allocation). */
    CudaDevicePointer plus(long bytes) {
        return bytes == 0 ? this : new CudaDevicePointer(this, bytes);
    }
}
