package dev.usp4j.tensor.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import dev.usp4j.tensor.cpu.CpuStorage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * Host↔device copies of whole storages through two page-locked (pinned) host buffers, so that the DMA engine reads
 * and writes memory the driver need not stage again, and so that copying one chunk between the Java array and a
 * pinned buffer overlaps the transfer of the other chunk. Java arrays cannot be pinned for a transfer's duration
 * without holding off the collector, which is why the staging exists at all.
 *
 * <p>The buffers are allocated on the first transfer and kept for the backend's life. Transfers are serialised
 * (one set of buffers); each waits for its own copies, so the host array may be reused as soon as a call returns.
 * Every transfer goes to the legacy default stream, in order with the kernels. Transfers smaller than
 * {@link #MIN_BYTES} skip the staging: for them a second memcpy costs more than it saves.
 */
final class PinnedStaging {
    /** Bytes in each of the two pinned buffers. */
    static final int CHUNK = 8 << 20;
    /** Smaller transfers go straight from the Java array. */
    static final long MIN_BYTES = 1 << 20;

    private final Cuda cuda;
    private final ByteBuffer[] buffers = new ByteBuffer[2];
    private final Pointer[] pointers = new Pointer[2];
    private final CUevent[] done = new CUevent[2];
    private final boolean[] pending = new boolean[2];

    PinnedStaging(Cuda cuda) {
        this.cuda = cuda;
    }

    private void open() {
        if (pointers[0] != null) {
            return;
        }
        for (int i = 0; i < 2; i++) {
            Pointer p = new Pointer();
            cuMemAllocHost(p, CHUNK);
            pointers[i] = p;
            buffers[i] = p.getByteBuffer(0, CHUNK).order(ByteOrder.nativeOrder());
            done[i] = new CUevent();
            cuEventCreate(done[i], CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }
    }

    /** Copies all of {@code h} to device address {@code dst}, which holds at least as many bytes. */
    synchronized void upload(CpuStorage h, CudaDevicePointer dst, long bytes) {
        cuda.makeCurrent();
        open();
        int elem = h.dtype().byteSize();
        int perChunk = CHUNK / elem;
        int n = h.size();
        int k = 0;
        for (int from = 0; from < n; from += perChunk, k ^= 1) {
            int len = Math.min(perChunk, n - from);
            await(k);
            ByteBuffer b = buffers[k];
            b.clear();
            put(h, from, len, b);
            cuMemcpyHtoDAsync(dst.plus((long) from * elem), pointers[k], (long) len * elem, null);
            cuEventRecord(done[k], null);
            pending[k] = true;
        }
        await(0);
        await(1);
    }

    /** Copies {@code bytes} from device address {@code src} into all of {@code h}. */
    synchronized void download(CudaDevicePointer src, CpuStorage h) {
        cuda.makeCurrent();
        open();
        int elem = h.dtype().byteSize();
        int perChunk = CHUNK / elem;
        int n = h.size();
        int chunks = (n + perChunk - 1) / perChunk;
        // Chunk c lands in buffer c % 2; chunk c + 1's transfer is queued before chunk c is copied out.
        enqueueDownload(src, 0, Math.min(perChunk, n), elem, 0);
        for (int c = 0; c < chunks; c++) {
            int k = c & 1;
            int from = c * perChunk;
            int len = Math.min(perChunk, n - from);
            if (c + 1 < chunks) {
                int next = from + perChunk;
                enqueueDownload(src, next, Math.min(perChunk, n - next), elem, k ^ 1);
            }
            await(k);
            ByteBuffer b = buffers[k];
            b.clear();
            get(b, h, from, len);
        }
    }

    private void enqueueDownload(CudaDevicePointer src, int from, int len, int elem, int k) {
        await(k);
        cuMemcpyDtoHAsync(pointers[k], src.plus((long) from * elem), (long) len * elem, null);
        cuEventRecord(done[k], null);
        pending[k] = true;
    }

    private void await(int k) {
        if (pending[k]) {
            cuEventSynchronize(done[k]);
            pending[k] = false;
        }
    }

    /** Writes elements [from, from + len) of h into b in the device's layout (BOOL as one byte 0/1). */
    private static void put(CpuStorage h, int from, int len, ByteBuffer b) {
        switch (h.dtype()) {
            case F32 -> b.asFloatBuffer().put(h.floats(), from, len);
            case BF16, F16 -> b.asShortBuffer().put(h.halfBits(), from, len);
            case I32 -> b.asIntBuffer().put(h.ints(), from, len);
            case I64 -> b.asLongBuffer().put(h.longs(), from, len);
            case BOOL -> {
                boolean[] v = h.bools();
                for (int i = 0; i < len; i++) {
                    b.put(i, (byte) (v[from + i] ? 1 : 0));
                }
            }
        }
    }

    /** Reads len elements from b into h at {@code from}. */
    private static void get(ByteBuffer b, CpuStorage h, int from, int len) {
        switch (h.dtype()) {
            case F32 -> b.asFloatBuffer().get(h.floats(), from, len);
            case BF16, F16 -> b.asShortBuffer().get(h.halfBits(), from, len);
            case I32 -> b.asIntBuffer().get(h.ints(), from, len);
            case I64 -> b.asLongBuffer().get(h.longs(), from, len);
            case BOOL -> {
                boolean[] v = h.bools();
                for (int i = 0; i < len; i++) {
                    v[from + i] = b.get(i) != 0;
                }
            }
        }
    }
}
