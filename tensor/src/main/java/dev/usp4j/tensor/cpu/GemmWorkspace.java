package dev.usp4j.tensor.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread buffers of {@link PackedGemm}: the packed A block and B panel in 64-byte-aligned off-heap segments, and
 * a scratch tile for edge micro-tiles.
 *
 * <p>Off-heap because a {@code float[]} is only 16-byte aligned: a 64-byte vector load from a packed panel would
 * then straddle two cache lines at most placements (the same GEMM ran at 72 or 99 GFLOP/s depending on where the
 * array landed). The buffers only grow, so a thread that keeps multiplying allocates nothing in steady state; they
 * are freed by the garbage collector with their thread (automatic arena).
 */
final class GemmWorkspace {
    private static final ThreadLocal<GemmWorkspace> LOCAL = ThreadLocal.withInitial(GemmWorkspace::new);
    /** Growth granularity, so that slowly growing shapes do not reallocate every call. */
    private static final long CHUNK = 64 * 1024;

    private MemorySegment a = MemorySegment.NULL;
    private MemorySegment b = MemorySegment.NULL;
    /**
     * Results of an edge tile before the valid part is merged into C: MR×NR of the packed kernels or 4×4 vectors
     * of {@link SmallGemm}'s (the larger where vectors are narrow and NR is two of them).
     */
    final float[] tile = new float[Math.max(GemmKernel.MR * GemmKernel.NR, SmallGemm.TILE_FLOATS)];

    private float[] smallB = new float[0];
    private float[] widened = new float[0];

    private GemmWorkspace() {
    }

    /** The calling thread's workspace. */
    static GemmWorkspace get() {
        return LOCAL.get();
    }

    /** A segment of at least {@code floats} floats for the packed A block (contents undefined). */
    MemorySegment a(long floats) {
        if (a.byteSize() < floats * 4) {
            a = allocate(floats * 4);
        }
        return a;
    }

    /** A segment of at least {@code floats} floats for the packed B panel (contents undefined). */
    MemorySegment b(long floats) {
        if (b.byteSize() < floats * 4) {
            b = allocate(floats * 4);
        }
        return b;
    }

    /** Scratch of at least {@code floats} floats for the zero-padded edge columns of an unpacked B. */
    float[] scratchB(int floats) {
        if (smallB.length < floats) {
            smallB = new float[Math.max(floats, smallB.length * 2)];
        }
        return smallB;
    }

    /** Scratch of at least {@code floats} floats for bf16 weights widened to float before packing. */
    float[] widened(int floats) {
        if (widened.length < floats) {
            widened = new float[Math.max(floats, widened.length * 2)];
        }
        return widened;
    }

    private static MemorySegment allocate(long bytes) {
        long rounded = (bytes + CHUNK - 1) / CHUNK * CHUNK;
        return Arena.ofAuto().allocate(rounded, 64);
    }
}
