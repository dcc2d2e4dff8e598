package dev.usp4j.tensor.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The few cuBLAS calls the backend needs, bound through Java's FFM API to the system's {@code libcublas} (13 on the
 * CUDA 13 machines, where JCublas 12's JNI library cannot load; 12 elsewhere). The library is looked up in
 * {@code -Dusp4j.cuda.libdir}, then through the dynamic loader's path. cuBLAS's runtime adopts the driver context
 * current on the calling thread, so calls are made after {@link Cuda#makeCurrent}. Matrices are column-major, as
 * cuBLAS has them; {@link CudaBackend} maps its row-major products onto them.
 */
final class Cublas {
    static final int OP_N = 0;
    static final int OP_T = 1;
    static final int R_32F = 0;
    static final int COMPUTE_32F = 68;
    static final int COMPUTE_32F_FAST_TF32 = 77;
    static final int COMPUTE_32F_FAST_16BF = 75;
    static final int GEMM_DEFAULT = -1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

    final String library;
    private final Arena arena = Arena.global();
    private final MethodHandle gemmStridedBatchedEx;
    private final MethodHandle statusString;
    private final MethodHandle setWorkspace;
    private final MemorySegment handle;
    private final MemorySegment alpha;
    private final MemorySegment beta;

    private Cublas(String library, SymbolLookup lookup) throws Throwable {
        this.library = library;
        MethodHandle create = LINKER.downcallHandle(find(lookup, "cublasCreate_v2"), FunctionDescriptor.of(INT, PTR));
        statusString = LINKER.downcallHandle(find(lookup, "cublasGetStatusString"), FunctionDescriptor.of(PTR, INT));
        gemmStridedBatchedEx = LINKER.downcallHandle(find(lookup, "cublasGemmStridedBatchedEx"),
                FunctionDescriptor.of(INT, PTR, INT, INT, INT, INT, INT, PTR, PTR, INT, INT, LONG, PTR, INT, INT, LONG,
                        PTR, PTR, INT, INT, LONG, INT, INT, INT));
        setWorkspace = LINKER.downcallHandle(find(lookup, "cublasSetWorkspace_v2"),
                FunctionDescriptor.of(INT, PTR, PTR, LONG));
        MemorySegment slot = arena.allocate(PTR);
        check("cublasCreate_v2", (int) create.invokeExact(slot));
        handle = slot.get(PTR, 0);
        alpha = arena.allocate(ValueLayout.JAVA_FLOAT);
        beta = arena.allocate(ValueLayout.JAVA_FLOAT);
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("cuBLAS has no symbol " + name));
    }

    /** Loads cuBLAS and creates a handle, or returns null with the reasons in {@code why}. */
    static Cublas load(List<String> why) {
        List<String> candidates = new ArrayList<>();
        String dir = System.getProperty("usp4j.cuda.libdir");
        for (String name : new String[] {"libcublas.so.13", "libcublas.so.12", "libcublas.so"}) {
            if (dir != null && Files.exists(Path.of(dir, name))) {
                candidates.add(Path.of(dir, name).toString());
            }
            candidates.add(name);
        }
        for (String lib : candidates) {
            try {
                // cuBLAS 13 needs cuBLASLt from the same folder; loading it first by path avoids relying on rpath.
                Path p = Path.of(lib);
                if (p.isAbsolute()) {
                    Path lt = p.resolveSibling(p.getFileName().toString().replace("libcublas.", "libcublasLt."));
                    if (Files.exists(lt)) {
                        SymbolLookup.libraryLookup(lt, Arena.global());
                    }
                }
                SymbolLookup lookup = p.isAbsolute() ? SymbolLookup.libraryLookup(p, Arena.global())
                        : SymbolLookup.libraryLookup(lib, Arena.global());
                return new Cublas(lib, lookup);
            } catch (Throwable e) {
                why.add(lib + ": " + e.getMessage());
            }
        }
        return null;
    }

    /**
     * Gives cuBLAS a workspace of its own (PyTorch gives it 32 MiB on Hopper): some of its fastest kernels need one.
     */
    synchronized void workspace(long address, long bytes) {
        int status;
        try {
            status = (int) setWorkspace.invokeExact(handle, MemorySegment.ofAddress(address), bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("cublasSetWorkspace_v2 call failed", e);
        }
        check("cublasSetWorkspace_v2", status);
    }

    /**
     * Column-major strided-batched C = α·op(A)·op(B) + β·C in fp32 storage, with the given compute type (full fp32,
     * TF32 or bf16 tensor cores).
     */
    synchronized void gemm(int transA, int transB, int m, int n, int k, float a, long aPtr, int lda, long strideA,
                           long bPtr, int ldb, long strideB, float b, long cPtr, int ldc, long strideC, int batch,
                           int computeType) {
        alpha.set(ValueLayout.JAVA_FLOAT, 0, a);
        beta.set(ValueLayout.JAVA_FLOAT, 0, b);
        int status;
        try {
            status = (int) gemmStridedBatchedEx.invokeExact(handle, transA, transB, m, n, k, alpha,
                    MemorySegment.ofAddress(aPtr), R_32F, lda, strideA, MemorySegment.ofAddress(bPtr), R_32F, ldb,
                    strideB, beta, MemorySegment.ofAddress(cPtr), R_32F, ldc, strideC, batch, computeType,
                    GEMM_DEFAULT);
        } catch (Throwable e) {
            throw new IllegalStateException("cublasGemmStridedBatchedEx call failed", e);
        }
        if (status != 0) {
            check("cublasGemmStridedBatchedEx(m=" + m + ", n=" + n + ", k=" + k + ", lda=" + lda + ", ldb=" + ldb
                    + ", ldc=" + ldc + ", batch=" + batch + ")", status);
        }
    }

    private void check(String call, int status) {
        if (status != 0) {
            String text = "status " + status;
            try {
                if (statusString != null) {
                    MemorySegment s = (MemorySegment) statusString.invokeExact(status);
                    text = s.reinterpret(256).getString(0);
                }
            } catch (Throwable ignored) {
                // keep the number
            }
            throw new IllegalStateException(call + " failed: " + text);
        }
    }
}
