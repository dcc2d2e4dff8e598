package dev.usp4j.tensor.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import jcuda.CudaException;

/**
 * A caching device allocator in the manner of PyTorch's: freed blocks go to a free list of their size class and are
 * handed out again without a cudaMalloc/cudaFree (each of which synchronises the device). Size classes are 512-byte
 * multiples up to 1 MiB and eighth-octave steps above (at most 12.5% slack). Blocks come back when their storage is
 * recycled or garbage-collected; since all work runs on one stream in order, a block reused by a later op is written
 * only after earlier ops that read it have finished. When the device runs out of memory the cache is emptied and the
 * allocation retried once.
 */
final class CudaAllocator {
    private final Cuda cuda;
    private final TreeMap<Long, ArrayDeque<CudaDevicePointer>> free = new TreeMap<>();

    /** A device block and the size class it was allocated in (what it returns to). */
    record Block(CudaDevicePointer pointer, long size) {
    }
    private long inUse;
    private long peak;
    private long cached;
    private long mallocs;
    private long collections;
    private final long softLimit;

    CudaAllocator(Cuda cuda) {
        this.cuda = cuda;
        long[] free = new long[1];
        long[] total = new long[1];
        cuda.makeCurrent();
        jcuda.driver.JCudaDriver.cuMemGetInfo(free, total);
        // Room is left for cuBLAS, the driver and other processes; -Dusp4j.cuda.memoryFraction changes the share.
        double fraction = Double.parseDouble(System.getProperty("usp4j.cuda.memoryFraction", "0.85"));
        this.softLimit = (long) (free[0] * fraction);
    }

    /** Garbage collections run to reclaim device memory. */
    synchronized long collections() {
        return collections;
    }

    /** The size class of a request of {@code bytes}. */
    static long sizeClass(long bytes) {
        long b = Math.max(bytes, 1);
        if (b <= (1 << 20)) {
            return (b + 511) & ~511L;
        }
        long top = Long.highestOneBit(b);
        long step = top >> 3;
        return (b + step - 1) / step * step;
    }

    private CudaDevicePointer pop(long size) {
        ArrayDeque<CudaDevicePointer> list = free.get(size);
        CudaDevicePointer p = list == null ? null : list.poll();
        if (p != null) {
            cached -= size;
        }
        return p;
    }

    /** A block of at least {@code bytes}, of its size class ({@link #sizeClass}) or, near the limit, a larger one. */
    synchronized Block allocate(long bytes) {
        long size = sizeClass(bytes);
        CudaDevicePointer p = pop(size);
        if (p == null && inUse + size > softLimit) {
            // The arrays' blocks (live, or unreachable and not yet collected) fill the device: a collection runs
            // the cleaners of the unreachable ones, whose blocks then serve this and later requests.
            reclaimUnreachable();
            p = pop(size);
        }
        if (p == null && inUse + cached + size > softLimit) {
            // A cached block up to twice the size beats a synchronising cudaFree + cudaMalloc pair.
            Map.Entry<Long, ArrayDeque<CudaDevicePointer>> e = free.ceilingEntry(size);
            while (e != null && e.getKey() <= 2 * size && e.getValue().isEmpty()) {
                e = free.higherEntry(e.getKey());
            }
            if (e != null && e.getKey() <= 2 * size) {
                size = e.getKey();
                p = pop(size);
            }
            if (p == null) {
                trim(inUse + cached + size - softLimit);
            }
        }
        if (p == null) {
            p = new CudaDevicePointer();
            cuda.makeCurrent();
            for (int attempt = 0; ; attempt++) {
                try {
                    cuMemAlloc(p, size);
                    break;
                } catch (CudaException e) {
                    if (attempt == 3) {
                        throw new IllegalStateException("cuda:" + cuda.index + " out of memory allocating " + size
                                + " bytes (" + inUse + " in use by tensors): " + e.getMessage(), e);
                    }
                    reclaim();
                }
            }
            mallocs++;
        }
        inUse += size;
        peak = Math.max(peak, inUse);
        return new Block(p, size);
    }

    /** Returns cached blocks to the driver, largest first, until {@code bytes} are freed (or none are left). */
    private void trim(long bytes) {
        cuda.synchronize();
        while (bytes > 0 && !free.isEmpty()) {
            Map.Entry<Long, ArrayDeque<CudaDevicePointer>> e = free.lastEntry();
            CudaDevicePointer p = e.getValue().poll();
            if (p == null) {
                free.remove(e.getKey());
                continue;
            }
            cuMemFree(p);
            cached -= e.getKey();
            bytes -= e.getKey();
        }
    }

    /**
     * Frees what can be freed before an allocation is retried: device blocks of arrays that are unreachable but not
     * yet collected come back only after a garbage collection has run their cleaners (Java has no reference counts
     * to free them at once, as PyTorch does), then the cache goes back to the driver.
     */
    private void reclaim() {
        reclaimUnreachable();
        emptyCache();
    }

    /** Runs a collection and gives the cleaner thread a moment to return the blocks of unreachable arrays. */
    private void reclaimUnreachable() {
        collections++;
        long before = inUse;
        System.gc();
        for (int i = 0; i < 20 && inUse == before; i++) {
            try {
                wait(5);  // the cleaner thread needs this object's lock to return blocks
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Takes back a block of size class {@code size} for reuse. */
    synchronized void release(CudaDevicePointer p, long size) {
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).push(p);
        inUse -= size;
        cached += size;
    }

    /** Returns every cached block to the driver. */
    synchronized void emptyCache() {
        cuda.synchronize();
        for (ArrayDeque<CudaDevicePointer> list : free.values()) {
            for (CudaDevicePointer p : list) {
                cuMemFree(p);
            }
        }
        free.clear();
        cached = 0;
    }

    /** Bytes held by live tensors. */
    synchronized long bytesInUse() {
        return inUse;
    }

    /** The most bytes held by live tensors at once since {@link #resetPeak}. */
    synchronized long peakBytes() {
        return peak;
    }

    /** Bytes kept in the free lists. */
    synchronized long bytesCached() {
        return cached;
    }

    /** How many device allocations reached the driver. */
    synchronized long driverAllocations() {
        return mallocs;
    }

    synchronized void resetPeak() {
        peak = inUse;
    }
}
