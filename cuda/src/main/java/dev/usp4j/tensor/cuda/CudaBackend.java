package dev.usp4j.tensor.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;
import static jcuda.driver.JCudaDriver.cuMemsetD8;

import dev.usp4j.tensor.Backend;
import dev.usp4j.tensor.Backends;
import dev.usp4j.tensor.BinaryOp;
import dev.usp4j.tensor.CompareOp;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.HalfFloats;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import dev.usp4j.tensor.ReduceOp;
import dev.usp4j.tensor.Storage;
import dev.usp4j.tensor.UnaryOp;
import dev.usp4j.tensor.cpu.CpuStorage;
import dev.usp4j.tensor.random.Distribution;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import jcuda.Pointer;

/**
 * The CUDA backend: every {@link Backend} op of arrays on {@code cuda:N}, computed by the PTX kernels of
 * {@code src/main/cuda} and by cuBLAS, with the CPU backend's semantics (the CPU is the reference it is tested
 * against). Ops without a CUDA kernel yet (sorting and top-k of rows over 4096 elements (2048 for I64), unsorted
 * top-k of F32 and I32 rows, unary ops of integer arrays, cumulative ops of strided or I32 arrays, scatter-add into
 * integer arrays, arithmetic on BF16/F16 arrays) run on the CPU over host copies of their operands and say so in {@link #hostFallbacks()}: they give the same results, at the cost of a transfer.
 *
 * <p>Matrix products use cuBLAS in the precision {@code -Dusp4j.cuda.matmul=fp32|tf32|bf16} (fp32 by default, the
 * one that meets the CPU's tolerances); where cuBLAS does not load, the backend's own tiled kernel.
 */
public final class CudaBackend implements Backend {
    /** How matrix products are computed on the tensor cores. */
    public enum Precision { FP32, TF32, BF16 }

    private static final boolean POISON = Boolean.getBoolean("usp4j.poisonOutputs");
    private static final int CUBLAS_WORKSPACE_BYTES = 32 << 20;

    private final Device device;
    private final Cuda cuda;
    private final CudaAllocator allocator;
    private final Cublas cublas;
    private final String cublasStatus;
    private final Backend cpu = Backends.cpu();
    private final Map<String, LongAdder> fallbacks = new ConcurrentHashMap<>();
    private final CudaStorage cublasWorkspace;
    private final PinnedStaging staging;
    private final CudaResampling resampling;
    private final CudaNorms norms;
    private final CudaConvolution convolution;
    private final CudaAttention attentionKernels;
    /** The timestep embedding's frequencies (doubles, as I64 bits) by "half/maxPeriod", uploaded once. */
    private final Map<String, NDArray> frequencyTables = new ConcurrentHashMap<>();
    private volatile boolean pinnedStaging = !"false".equals(System.getProperty("usp4j.cuda.pinned"));
    private volatile Precision precision;
    private volatile boolean useCublas;

    CudaBackend(Device device) {
        this.device = device;
        this.cuda = Cuda.open(device.index());
        this.allocator = new CudaAllocator(cuda);
        this.staging = new PinnedStaging(cuda);
        this.resampling = new CudaResampling(this, cuda);
        this.norms = new CudaNorms(this, cuda);
        this.convolution = new CudaConvolution(this, cuda);
        this.attentionKernels = new CudaAttention(this, cuda);
        List<String> why = new ArrayList<>();
        this.cublas = Cublas.load(why);
        this.cublasStatus = cublas != null ? "cuBLAS " + cublas.library
                : "cuBLAS did not load (" + String.join("; ", why) + "); GEMM uses the tiled kernel";
        this.useCublas = cublas != null && !"tiled".equals(System.getProperty("usp4j.cuda.gemm"));
        if (cublas != null) {
            cublasWorkspace = newStorage(DType.F32, CUBLAS_WORKSPACE_BYTES / 4);  // held for the process
            cublas.workspace(cublasWorkspace.address(0), CUBLAS_WORKSPACE_BYTES);
        } else {
            cublasWorkspace = null;
        }
        this.precision = Precision.valueOf(System.getProperty("usp4j.cuda.matmul", "fp32").toUpperCase(Locale.ROOT));
    }

    /** One line on the device, driver and GEMM library. */
    public String describe() {
        return String.format(Locale.ROOT, "%s: %s (sm_%d, %d SMs), driver %d.%d, %s, matmul %s", device, cuda.name,
                cuda.computeCapability, cuda.multiprocessors, cuda.driverVersion / 1000,
                (cuda.driverVersion % 1000) / 10, cublasStatus, precision.name().toLowerCase(Locale.ROOT));
    }

    /** True when products go through cuBLAS (false: the tiled kernel). */
    public boolean usesCublas() {
        return useCublas;
    }

    /** Chooses cuBLAS or the tiled kernel (the latter to cross-check cuBLAS); cuBLAS only where it loaded. */
    public void useCublas(boolean on) {
        if (on && cublas == null) {
            throw new IllegalStateException(cublasStatus);
        }
        useCublas = on;
    }

    public Precision precision() {
        return precision;
    }

    public void setPrecision(Precision p) {
        precision = p;
    }

    /** Waits for all issued work (for timing). */
    public void synchronize() {
        cuda.synchronize();
    }

    /** Bytes held by live device arrays. */
    public long bytesInUse() {
        return allocator.bytesInUse();
    }

    /** The most bytes held by live device arrays at once. */
    public long peakBytes() {
        return allocator.peakBytes();
    }

    /** Bytes held in the allocator's free lists. */
    public long bytesCached() {
        return allocator.bytesCached();
    }

    /** Garbage collections the allocator ran to get device memory of unreachable arrays back. */
    public long collections() {
        return allocator.collections();
    }

    /** Device allocations that reached the driver (the rest came from the cache). */
    public long driverAllocations() {
        return allocator.driverAllocations();
    }

    /** Returns cached blocks to the driver. */
    public void emptyCache() {
        allocator.emptyCache();
    }

    /** How often each op ran on the CPU for want of a CUDA kernel, by op name. */
    public Map<String, Long> hostFallbacks() {
        Map<String, Long> m = new TreeMap<>();
        fallbacks.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    @Override
    public Device device() {
        return device;
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int size) {
        CudaStorage s = newStorage(dtype, size);
        if (s.bytes() > 0) {
            cuMemsetD8(s.pointer(), (byte) 0, s.bytes());
        }
        return s;
    }

    @Override
    public Storage allocateForOutput(DType dtype, int size) {
        CudaStorage s = newStorage(dtype, size);
        if (POISON && dtype == DType.F32 && size > 0) {
            cuMemsetD32(s.pointer(), Float.floatToRawIntBits(Float.NaN), size);
        }
        return s;
    }

    private CudaStorage newStorage(DType dtype, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("allocate: negative size " + size);
        }
        cuda.makeCurrent();
        return new CudaStorage(allocator, device, dtype, size);
    }

    @Override
    public void recycle(Storage storage) {
        if (storage instanceof CudaStorage s) {
            s.release();
        }
    }

    /** Whether large transfers go through the pinned buffers (default; {@code -Dusp4j.cuda.pinned=false}: not). */
    public void usePinnedStaging(boolean on) {
        pinnedStaging = on;
    }

    private boolean staged(long bytes) {
        return pinnedStaging && bytes >= PinnedStaging.MIN_BYTES;
    }

    @Override
    public Storage fromHost(Storage host) {
        CpuStorage h = (CpuStorage) cpu.toHost(host);
        CudaStorage d = newStorage(h.dtype(), h.size());
        upload(h, d);
        return d;
    }

    @Override
    public Storage toHost(Storage storage) {
        CudaStorage d = device(storage);
        CpuStorage h = CpuStorage.allocate(d.dtype(), d.size());
        if (d.size() > 0) {
            cuda.makeCurrent();
            if (staged(d.bytes())) {
                staging.download(d.pointer(), h);
            } else if (d.dtype() == DType.BOOL) {
                byte[] b = new byte[d.size()];
                cuMemcpyDtoH(Pointer.to(b), d.pointer(), d.bytes());
                boolean[] out = h.bools();
                for (int i = 0; i < b.length; i++) {
                    out[i] = b[i] != 0;
                }
            } else {
                cuMemcpyDtoH(hostPointer(h), d.pointer(), d.bytes());
            }
        }
        return h;
    }

    /** Overwrites all of device storage {@code d} with host storage {@code h} of the same dtype and size. */
    private void upload(CpuStorage h, CudaStorage d) {
        if (d.size() > 0) {
            cuda.makeCurrent();
            if (staged(d.bytes())) {
                staging.upload(h, d.pointer(), d.bytes());
            } else {
                cuMemcpyHtoD(d.pointer(), hostPointer(h), d.bytes());
            }
        }
    }

    private static Pointer hostPointer(CpuStorage h) {
        return switch (h.dtype()) {
            case F32 -> Pointer.to(h.floats());
            case BF16, F16 -> Pointer.to(h.halfBits());
            case I32 -> Pointer.to(h.ints());
            case I64 -> Pointer.to(h.longs());
            case BOOL -> {
                boolean[] b = h.bools();
                byte[] bytes = new byte[b.length];
                for (int i = 0; i < b.length; i++) {
                    bytes[i] = (byte) (b[i] ? 1 : 0);
                }
                yield Pointer.to(bytes);
            }
        };
    }

    private CudaStorage device(Storage s) {
        if (s instanceof CudaStorage c && c.device().equals(device)) {
            return c;
        }
        throw new IllegalArgumentException("cuda backend of " + device + " received storage on " + s.device());
    }

    /** The device storage of an array of this backend. */
    CudaStorage storage(NDArray a) {
        return device(a.storage());
    }

    /** Base address of an array's storage (offsets are passed to the kernels apart). */
    long base(NDArray a) {
        return device(a.storage()).address(0);
    }

    /** Address of an array's first element. */
    long addr(NDArray a) {
        return device(a.storage()).address(a.offset());
    }

    /** Address of a nullable array's first element (0 for null). */
    long addrOrNull(NDArray a) {
        return a == null ? 0L : addr(contiguous(a));
    }

    static NDArray contiguous(NDArray a) {
        return a.isContiguous() ? a : a.contiguous();
    }

    // ---- host fallback ---------------------------------------------------------------------------------------

    /**
     * One op run by the CPU backend over host copies: each distinct storage among the operands is copied down
     * once (so views sharing storage stay aliased) and every one is copied back after the op, which writes only
     * its outputs.
     */
    private final class HostCall {
        private final Map<Storage, CpuStorage> copies = new IdentityHashMap<>();

        HostCall(String op) {
            fallbacks.computeIfAbsent(op, k -> new LongAdder()).increment();
        }

        NDArray h(NDArray a) {
            if (a == null) {
                return null;
            }
            CpuStorage hs = copies.computeIfAbsent(a.storage(), s -> (CpuStorage) toHost(s));
            return NDArray.of(hs, a.shape(), a.strides(), a.offset());
        }

        void done() {
            copies.forEach((d, h) -> upload(h, (CudaStorage) d));
        }
    }

    // ---- data movement ---------------------------------------------------------------------------------------

    private static String code(DType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void copy(NDArray src, NDArray dst) {
        Strided s = Strided.of(dst.shape(), src, dst);
        if (s == null) {
            HostCall c = new HostCall("copy");
            cpu.copy(c.h(src), c.h(dst));
            c.done();
            return;
        }
        if (s.n == 0) {
            return;
        }
        String kernel = src.dtype() == dst.dtype() ? "copy_b" + src.dtype().byteSize()
                : "convert_" + code(src.dtype()) + "_" + code(dst.dtype());
        cuda.launch(kernel, Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().struct(s.dims())
                .ptr(base(src)).i(src.offset()).struct(s.str(0)).ptr(base(dst)).i(dst.offset()).struct(s.str(1)));
    }

    @Override
    public void fill(NDArray dst, double value) {
        Strided s = Strided.of(dst.shape(), dst);
        if (s == null) {
            HostCall c = new HostCall("fill");
            cpu.fill(c.h(dst), value);
            c.done();
            return;
        }
        if (s.n == 0) {
            return;
        }
        Cuda.Args args = new Cuda.Args().struct(s.dims()).ptr(base(dst)).i(dst.offset()).struct(s.str(0));
        rawValue(args, dst.dtype(), value);
        cuda.launch("fill_b" + dst.dtype().byteSize(), Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK, args);
    }

    /** Appends {@code value} in dtype t as the raw bits a kernel's {@code T value} parameter reads. */
    static void rawValue(Cuda.Args args, DType t, double value) {
        switch (t) {
            case F32 -> args.i(Float.floatToRawIntBits((float) value));
            case BF16 -> args.i(HalfFloats.floatToBf16((float) value) & 0xffff);
            case F16 -> args.i(HalfFloats.floatToF16((float) value) & 0xffff);
            case I32 -> args.i((int) value);
            case I64 -> args.l((long) value);
            case BOOL -> args.i(value != 0 ? 1 : 0);
        }
    }

    @Override
    public void arange(double start, double step, NDArray out) {
        DType t = out.dtype();
        if (t != DType.F32 && t != DType.I32 && t != DType.I64) {
            HostCall c = new HostCall("arange");
            cpu.arange(start, step, c.h(out));
            c.done();
            return;
        }
        int n = out.numel();
        if (n > 0) {
            cuda.launch("arange_" + code(t), Cuda.blocksFor(n, Cuda.BLOCK), Cuda.BLOCK,
                    new Cuda.Args().i(n).ptr(addr(out)).d(start).d(step));
        }
    }

    @Override
    public void random(Distribution distribution, double a, double b, long seed, long firstBlock, NDArray out) {
        int type = switch (out.dtype()) {
            case F32 -> 0;
            case I64 -> 1;
            case I32 -> 2;
            case BOOL -> 3;
            default -> -1;
        };
        if (type < 0 || !out.isContiguous()) {
            HostCall c = new HostCall("random");
            cpu.random(distribution, a, b, seed, firstBlock, c.h(out));
            c.done();
            return;
        }
        int n = out.numel();
        if (n > 0) {
            cuda.launch("random_philox", Cuda.blocksFor((n + 3) / 4, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().i(n)
                    .ptr(addr(out)).i(type).i(distribution.ordinal()).d(a).d(b).l(seed).l(firstBlock));
        }
    }

    // ---- elementwise -----------------------------------------------------------------------------------------

    static boolean allF32(NDArray... arrays) {
        for (NDArray a : arrays) {
            if (a.dtype() != DType.F32) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void unary(UnaryOp op, NDArray x, float p0, float p1, NDArray out) {
        if (op == UnaryOp.LOGICAL_NOT && x.dtype() == DType.BOOL && out.dtype() == DType.BOOL) {
            Strided s = Strided.of(out.shape(), x, out);
            if (s != null) {
                if (s.n > 0) {
                    cuda.launch("not_bool", Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                            .struct(s.dims()).ptr(base(x)).i(x.offset()).struct(s.str(0)).ptr(base(out))
                            .i(out.offset()).struct(s.str(1)));
                }
                return;
            }
        }
        Strided s = allF32(x, out) ? Strided.of(out.shape(), x, out) : null;
        if (s == null) {
            HostCall c = new HostCall("unary " + op);
            cpu.unary(op, c.h(x), p0, p1, c.h(out));
            c.done();
            return;
        }
        if (s.n > 0) {
            cuda.launch("unary_f32", Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().struct(s.dims())
                    .ptr(base(x)).i(x.offset()).struct(s.str(0)).ptr(base(out)).i(out.offset()).struct(s.str(1))
                    .i(op.ordinal()).f(p0).f(p1));
        }
    }

    @Override
    public void binary(BinaryOp op, NDArray a, NDArray b, NDArray out) {
        if (op.isLogical() && a.dtype() == DType.BOOL && b.dtype() == DType.BOOL && out.dtype() == DType.BOOL) {
            Strided s = Strided.of(out.shape(), a, b, out);
            if (s != null) {
                launchBinary("logical_bool", s, a, b, out, op.ordinal());
                return;
            }
        }
        if (integerBinary(op, a, b, out)) {
            return;
        }
        Strided s = allF32(a, b, out) ? Strided.of(out.shape(), a, b, out) : null;
        if (s == null) {
            HostCall c = new HostCall("binary " + op);
            cpu.binary(op, c.h(a), c.h(b), c.h(out));
            c.done();
            return;
        }
        launchBinary("binary_f32", s, a, b, out, op.ordinal());
    }

    /**
     * I32 and I64 arithmetic on the device (false where it does not apply). The ops that can fail (a zero divisor,
     * a negative exponent) get a device flag, read back after the launch, so that they throw the CPU's exception.
     */
    private boolean integerBinary(BinaryOp op, NDArray a, NDArray b, NDArray out) {
        DType t = out.dtype();
        boolean integer = switch (op) {
            case ADD, SUB, MUL, MAXIMUM, MINIMUM, POW, REMAINDER, FLOOR_DIVIDE -> true;
            default -> false;
        };
        Strided s = integer && (t == DType.I32 || t == DType.I64) && a.dtype() == t && b.dtype() == t
                ? Strided.of(out.shape(), a, b, out) : null;
        if (s == null) {
            return false;
        }
        if (s.n == 0) {
            return true;
        }
        boolean canFail = op == BinaryOp.POW || op == BinaryOp.REMAINDER || op == BinaryOp.FLOOR_DIVIDE;
        NDArray error = canFail ? NDArray.of(allocate(DType.I32, 1), 1) : null;
        cuda.launch(t == DType.I32 ? "binary_i32" : "binary_i64", Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK,
                new Cuda.Args().struct(s.dims()).ptr(base(a)).i(a.offset()).struct(s.str(0)).ptr(base(b))
                        .i(b.offset()).struct(s.str(1)).ptr(base(out)).i(out.offset()).struct(s.str(2))
                        .i(op.ordinal()).ptr(error == null ? 0L : addr(error)));
        if (error != null) {
            int code = ((CpuStorage) toHost(error.storage())).ints()[0];
            recycle(error.storage());
            if (code != 0) {
                throw new ArithmeticException(op == BinaryOp.POW
                        ? "pow: integers to negative integer powers are not allowed (a " + t + " exponent is negative)"
                        : op.name().toLowerCase(Locale.ROOT) + ": integer division by zero");
            }
        }
        return true;
    }

    /** Launches a two-operand elementwise kernel (dims, a, b, out views, op code) over {@code s}. */
    private void launchBinary(String kernel, Strided s, NDArray a, NDArray b, NDArray out, int op) {
        if (s.n > 0) {
            cuda.launch(kernel, Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().struct(s.dims())
                    .ptr(base(a)).i(a.offset()).struct(s.str(0)).ptr(base(b)).i(b.offset()).struct(s.str(1))
                    .ptr(base(out)).i(out.offset()).struct(s.str(2)).i(op));
        }
    }

    @Override
    public void compare(CompareOp op, NDArray a, NDArray b, NDArray out) {
        String kernel = switch (a.dtype()) {
            case F32 -> "compare_f32";
            case I32 -> "compare_i32";
            case I64 -> "compare_i64";
            default -> null;
        };
        Strided s = kernel != null && b.dtype() == a.dtype() && out.dtype() == DType.BOOL
                ? Strided.of(out.shape(), a, b, out) : null;
        if (s == null) {
            HostCall c = new HostCall("compare " + op);
            cpu.compare(op, c.h(a), c.h(b), c.h(out));
            c.done();
            return;
        }
        launchBinary(kernel, s, a, b, out, op.ordinal());
    }

    @Override
    public void where(NDArray cond, NDArray a, NDArray b, NDArray out) {
        Strided s = cond.dtype() == DType.BOOL && allF32(a, b, out) ? Strided.of(out.shape(), cond, a, b, out) : null;
        if (s == null) {
            HostCall c = new HostCall("where");
            cpu.where(c.h(cond), c.h(a), c.h(b), c.h(out));
            c.done();
            return;
        }
        if (s.n > 0) {
            cuda.launch("where_f32", Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().struct(s.dims())
                    .ptr(base(cond)).i(cond.offset()).struct(s.str(0)).ptr(base(a)).i(a.offset()).struct(s.str(1))
                    .ptr(base(b)).i(b.offset()).struct(s.str(2)).ptr(base(out)).i(out.offset()).struct(s.str(3)));
        }
    }

    // ---- reductions ------------------------------------------------------------------------------------------

    /** Kept and reduced iteration spaces of x, or null when either needs more than 8 dims. */
    private static Strided[] split(NDArray x, boolean[] reduced) {
        int r = x.rank();
        List<Integer> kept = new ArrayList<>();
        List<Integer> red = new ArrayList<>();
        for (int d = 0; d < r; d++) {
            (reduced[d] ? red : kept).add(d);
        }
        Strided k = Strided.of(pick(x.shape(), kept), pick(x.strides(), kept));
        Strided rd = Strided.of(pick(x.shape(), red), pick(x.strides(), red));
        return k == null || rd == null ? null : new Strided[] {k, rd};
    }

    private static int[] pick(int[] values, List<Integer> dims) {
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[dims.get(i)];
        }
        return out;
    }

    @Override
    public void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out) {
        boolean integer = x.dtype() == out.dtype() && switch (x.dtype()) {
            case I64 -> op == ReduceOp.SUM || op == ReduceOp.PROD || op == ReduceOp.MAX || op == ReduceOp.MIN;
            case I32 -> op == ReduceOp.MAX || op == ReduceOp.MIN;
            case BOOL -> op == ReduceOp.ANY || op == ReduceOp.ALL || op == ReduceOp.MAX || op == ReduceOp.MIN;
            default -> false;
        };
        Strided[] ikr = integer ? split(x, reduced) : null;
        if (ikr != null) {
            if (ikr[0].n > 0 && ikr[1].n == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN)) {
                throw new IllegalArgumentException(op.name().toLowerCase(Locale.ROOT)
                        + ": cannot reduce an empty dim of shape " + java.util.Arrays.toString(x.shape()));
            }
            if (ikr[0].n > 0) {
                // The kernel folds booleans as 0/1: ANY is their MAX, ALL their MIN.
                ReduceOp code = op == ReduceOp.ANY ? ReduceOp.MAX : op == ReduceOp.ALL ? ReduceOp.MIN : op;
                cuda.launch("reduce_int_" + code(x.dtype()), Cuda.blocksFor((long) ikr[0].n * 32, Cuda.BLOCK),
                        Cuda.BLOCK, reductionArgs(ikr, x, out).i(code.ordinal()));
            }
            return;
        }
        Strided[] kr = allF32(x, out) && op.ordinal() <= ReduceOp.LOGSUMEXP.ordinal() ? split(x, reduced) : null;
        if (kr == null) {
            HostCall c = new HostCall("reduce " + op);
            cpu.reduce(op, c.h(x), reduced, c.h(out));
            c.done();
            return;
        }
        int outputs = kr[0].n;
        if (outputs > 0 && (op == ReduceOp.SUM || op == ReduceOp.MEAN) && columnWise(kr[0], kr[1])) {
            reduceColumns(x, kr[0], kr[1], op == ReduceOp.MEAN, out);
            return;
        }
        if (outputs > 0) {
            cuda.launch("reduce_f32", Cuda.blocksFor((long) outputs * 32, Cuda.BLOCK), Cuda.BLOCK,
                    reductionArgs(kr, x, out).i(op.ordinal()));
        }
    }

    /** The arguments the warp-per-output reductions share: kept and reduced dims with x's strides, x, out. */
    private Cuda.Args reductionArgs(Strided[] kr, NDArray x, NDArray out) {
        return new Cuda.Args().struct(kr[0].dims()).struct(kr[0].str(0)).struct(kr[1].dims()).struct(kr[1].str(0))
                .ptr(base(x)).i(x.offset()).ptr(addr(out));
    }

    /** True when the outputs are contiguous in x and no reduced dim is the innermost one (see reduce.cu). */
    private static boolean columnWise(Strided kept, Strided red) {
        if (kept.strides[0][kept.rank - 1] != 1 || kept.n < 32 || red.n < 64) {
            return false;
        }
        for (int d = 0; d < red.rank; d++) {
            if (Math.abs(red.strides[0][d]) < 32) {
                return false;
            }
        }
        return true;
    }

    private void reduceColumns(NDArray x, Strided kept, Strided red, boolean mean, NDArray out) {
        int gx = (kept.n + 31) / 32;
        // Enough blocks to fill the device (about four per SM), each summing at least 256 rows.
        int splits = Math.max(1, Math.min((4 * cuda.multiprocessors + gx - 1) / gx, (red.n + 255) / 256));
        int chunk = (red.n + splits - 1) / splits;
        splits = (red.n + chunk - 1) / chunk;
        NDArray partial = NDArray.of(allocateForOutput(DType.F32, 2 * splits * kept.n), 2 * splits * kept.n);
        cuda.launch("reduce_cols_partial_f32", gx, splits, 1, 32, 8, 0, new Cuda.Args().struct(kept.dims())
                .struct(kept.str(0)).struct(red.dims()).struct(red.str(0)).ptr(base(x)).i(x.offset())
                .ptr(addr(partial)).i(chunk));
        cuda.launch("reduce_cols_final_f32", Cuda.blocksFor(kept.n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                .i(kept.n).i(splits).ptr(addr(partial)).ptr(addr(out)).i(mean ? 1 : 0).i(red.n));
        recycle(partial.storage());
    }

    @Override
    public void variance(NDArray x, boolean[] reduced, double correction, NDArray out) {
        Strided[] kr = allF32(x, out) ? split(x, reduced) : null;
        if (kr == null) {
            HostCall c = new HostCall("variance");
            cpu.variance(c.h(x), reduced, correction, c.h(out));
            c.done();
            return;
        }
        int outputs = kr[0].n;
        if (outputs > 0) {
            cuda.launch("variance_f32", Cuda.blocksFor((long) outputs * 32, Cuda.BLOCK), Cuda.BLOCK,
                    reductionArgs(kr, x, out).d(correction));
        }
    }

    @Override
    public void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        DType t = x.dtype();
        if ((t == DType.F32 || t == DType.I32 || t == DType.I64) && values.dtype() == t
                && indices.dtype() == DType.I64 && values.isContiguous() && indices.isContiguous()
                && x.size(dim) > 0) {
            boolean[] reduced = new boolean[x.rank()];
            reduced[dim] = true;
            Strided[] kr = split(x, reduced);
            if (kr != null) {
                if (kr[0].n > 0) {
                    cuda.launch("arg_reduce_" + t.name().toLowerCase(Locale.ROOT), Cuda.blocksFor(kr[0].n,
                            Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().struct(kr[0].dims()).struct(kr[0].str(0))
                            .i(x.size(dim)).i(x.stride(dim)).ptr(base(x)).i(x.offset()).ptr(addr(values))
                            .ptr(addr(indices)).i(max ? 1 : 0));
                }
                return;
            }
        }
        HostCall c = new HostCall("argReduce");
        cpu.argReduce(max, c.h(x), dim, c.h(values), c.h(indices));
        c.done();
    }

    @Override
    public void cumulative(boolean product, NDArray x, int dim, NDArray out) {
        DType t = x.dtype();
        if ((t == DType.F32 || t == DType.I64) && out.dtype() == t && x.isContiguous() && out.isContiguous()) {
            int n = x.size(dim);
            int outer = 1;
            for (int i = 0; i < dim; i++) {
                outer *= x.size(i);
            }
            int inner = n == 0 ? 0 : x.numel() / Math.max(1, outer * n);
            if (x.numel() > 0) {
                cuda.launch("cumulative_" + t.name().toLowerCase(Locale.ROOT), Cuda.blocksFor((long) outer * inner,
                        Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().i(outer).i(n).i(inner).ptr(addr(x)).ptr(addr(out))
                        .i(product ? 1 : 0));
            }
            return;
        }
        HostCall c = new HostCall("cumulative");
        cpu.cumulative(product, c.h(x), dim, c.h(out));
        c.done();
    }

    @Override
    public void softmax(NDArray x, int dim, boolean log, NDArray out) {
        if (!allF32(x, out)) {
            HostCall c = new HostCall("softmax");
            cpu.softmax(c.h(x), dim, log, c.h(out));
            c.done();
            return;
        }
        int[] sh = x.shape();
        int outer = 1;
        int inner = 1;
        for (int d = 0; d < dim; d++) {
            outer *= sh[d];
        }
        for (int d = dim + 1; d < sh.length; d++) {
            inner *= sh[d];
        }
        long rows = (long) outer * inner;
        if (rows > 0 && sh[dim] > 0) {
            cuda.launch("softmax_f32", Cuda.blocksFor(rows * 32, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().i(outer)
                    .i(sh[dim]).i(inner).ptr(addr(contiguous(x))).ptr(addr(out)).i(log ? 1 : 0));
        }
    }

    // ---- matrix products -------------------------------------------------------------------------------------

    @Override
    public void matmul(NDArray a, NDArray b, NDArray out) {
        product(a, b, out, 0f);
    }

    @Override
    public void matmulAdd(NDArray a, NDArray b, NDArray out) {
        product(a, b, out, 1f);
    }

    private void product(NDArray a, NDArray b, NDArray out, float beta) {
        int batch = out.size(0);
        int m = out.size(1);
        int n = out.size(2);
        int k = a.size(2);
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (beta == 0f) {
                fill(out, 0);
            }
            return;
        }
        if (!operand(a)) {
            a = a.contiguous();
        }
        if (!operand(b)) {
            b = b.contiguous();
        }
        gemm(m, n, k, addr(a), batch == 1 ? 0 : a.stride(0), a.stride(1), a.stride(2),
                addr(b), batch == 1 ? 0 : b.stride(0), b.stride(1), b.stride(2),
                addr(out), (long) m * n, n, batch, beta);
    }

    /** True when a [B, R, C] view is row- or column-major in its last two dims (cuBLAS can read it in place). */
    private static boolean operand(NDArray x) {
        return ld(x.size(1), x.size(2), x.stride(1), x.stride(2)) != 0;
    }

    /**
     * cuBLAS's view of a row-major [R, C] matrix with strides (sr, sc) as the column-major Xᵀ [C, R]: +ld for
     * OP_N (rows contiguous), −ld for OP_T (columns contiguous), 0 when neither holds.
     */
    private static int ld(int rows, int cols, int sr, int sc) {
        if (cols == 1) {
            sc = 1;
        }
        if (rows == 1) {
            sr = Math.max(cols, 1);
        }
        if (sc == 1 && sr >= Math.max(1, cols)) {
            return sr;
        }
        if (sr == 1 && sc >= Math.max(1, rows)) {
            return -sc;
        }
        return 0;
    }

    /**
     * C[b] = A[b]·B[b] + beta·C[b] over raw device addresses: A [M, K] with element strides (aRow, aCol), B [K, N]
     * with (bRow, bCol), C [M, N] row-major with row stride cRow; batch strides in elements (0 broadcasts).
     */
    void gemm(int m, int n, int k, long a, long aBatch, int aRow, int aCol, long b, long bBatch, int bRow, int bCol,
              long c, long cBatch, int cRow, int batch, float beta) {
        if (useCublas) {
            // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: cuBLAS's first operand is B, its second A.
            int ldb = ld(k, n, bRow, bCol);
            int lda = ld(m, k, aRow, aCol);
            if (ldb == 0 || lda == 0) {
                throw new IllegalStateException("gemm: operands need a unit stride (A " + aRow + "," + aCol + ", B "
                        + bRow + "," + bCol + ")");
            }
            cuda.makeCurrent();
            cublas.gemm(ldb > 0 ? Cublas.OP_N : Cublas.OP_T, lda > 0 ? Cublas.OP_N : Cublas.OP_T, n, m, k, 1f,
                    b, Math.abs(ldb), bBatch, a, Math.abs(lda), aBatch, beta, c, cRow, cBatch, batch, computeType());
            if (Cuda.SYNC) {
                cuda.synchronize();  // profiling: otherwise the next kernel's op is billed for this GEMM
            }
            return;
        }
        for (int b0 = 0; b0 < batch; b0 += 65535) {
            int nb = Math.min(65535, batch - b0);
            cuda.launch("gemm_tiled_f32", (n + 15) / 16, (m + 15) / 16, nb, 16, 16, 0, new Cuda.Args().i(m).i(n).i(k)
                    .ptr(a + 4L * b0 * aBatch).l(aBatch).i(aRow).i(aCol).ptr(b + 4L * b0 * bBatch).l(bBatch).i(bRow)
                    .i(bCol).ptr(c + 4L * b0 * cBatch).l(cBatch).i(cRow).f(1f).f(beta));
        }
    }

    private int computeType() {
        return switch (precision) {
            case FP32 -> Cublas.COMPUTE_32F;
            case TF32 -> Cublas.COMPUTE_32F_FAST_TF32;
            case BF16 -> Cublas.COMPUTE_32F_FAST_16BF;
        };
    }

    // ---- norms -----------------------------------------------------------------------------------------------

    @Override
    public void layerNorm(NDArray x, int rows, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                          NDArray rstd) {
        norms.layerNorm(x, rows, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight, int rows,
                                  NDArray gradX, NDArray gradWeight, NDArray gradBias) {
        norms.layerNormBackward(x, gradOut, mean, rstd, weight, rows, gradX, gradWeight, gradBias);
    }

    @Override
    public void groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                          NDArray rstd) {
        norms.groupNorm(x, groups, weight, bias, eps, false, out, mean, rstd);
    }

    @Override
    public void groupNormSilu(NDArray x, int groups, NDArray weight, NDArray bias, float eps, NDArray out,
                              NDArray mean, NDArray rstd) {
        norms.groupNorm(x, groups, weight, bias, eps, true, out, mean, rstd);
    }

    @Override
    public void groupNormBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight, int groups,
                                  NDArray gradX, NDArray gradWeight, NDArray gradBias) {
        norms.groupNormBackward(x, gradOut, mean, rstd, weight, null, groups, false, gradX, gradWeight, gradBias);
    }

    @Override
    public void groupNormSiluBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight,
                                      NDArray bias, int groups, float eps, NDArray gradX, NDArray gradWeight,
                                      NDArray gradBias) {
        norms.groupNormBackward(x, gradOut, mean, rstd, weight, bias, groups, true, gradX, gradWeight, gradBias);
    }

    // ---- convolution -----------------------------------------------------------------------------------------

    @Override
    public void conv2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out) {
        convolution.conv2d(x, w, bias, spec, out);
    }

    @Override
    public void convTranspose2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out) {
        convolution.convTranspose2d(x, w, bias, spec, out);
    }

    @Override
    public void conv2dWeightGrad(NDArray x, NDArray gradOut, Conv2dSpec spec, NDArray gradWeight) {
        convolution.conv2dWeightGrad(x, gradOut, spec, gradWeight);
    }

    // ---- attention -------------------------------------------------------------------------------------------

    /** Chooses the tiled attention kernels (default) or the warp-per-row ones (to cross-check them). */
    public void useTiledAttention(boolean on) {
        attentionKernels.useTiledAttention(on);
    }

    /**
     * Chooses the tiled backward kernels with two rows per thread (default, {@code -Dusp4j.cuda.attentionBackwardRows}
     * = 2) or one row per thread (= 1), the first version, kept to cross-check them.
     */
    public void useTwoRowAttentionBackward(boolean on) {
        attentionKernels.useTwoRowAttentionBackward(on);
    }

    @Override
    public void attention(NDArray q, NDArray k, NDArray v, float scale, NDArray out, NDArray lse) {
        if (!attentionKernels.forward(q, k, v, scale, out, lse)) {
            HostCall c = new HostCall("attention (head dim > 256)");
            cpu.attention(c.h(q), c.h(k), c.h(v), scale, c.h(out), c.h(lse));
            c.done();
        }
    }

    @Override
    public void attentionBackward(NDArray q, NDArray k, NDArray v, NDArray out, NDArray gradOut, NDArray lse,
                                  float scale, NDArray gradQ, NDArray gradK, NDArray gradV) {
        if (!attentionKernels.backward(q, k, v, out, gradOut, lse, scale, gradQ, gradK, gradV)) {
            HostCall c = new HostCall("attentionBackward (head dim > 256)");
            cpu.attentionBackward(c.h(q), c.h(k), c.h(v), c.h(out), c.h(gradOut), c.h(lse), scale, c.h(gradQ),
                    c.h(gradK), c.h(gradV));
            c.done();
        }
    }

    // ---- resampling and indexing -------------------------------------------------------------------------------

    @Override
    public void interpolate(NDArray x, InterpolationMode mode, boolean alignCorners, double scaleH, double scaleW,
                            NDArray out) {
        if (!resampling.interpolate(x, mode, alignCorners, scaleH, scaleW, out)) {
            HostCall c = new HostCall("interpolate");
            cpu.interpolate(c.h(x), mode, alignCorners, scaleH, scaleW, c.h(out));
            c.done();
        }
    }

    @Override
    public void timestepEmbedding(NDArray t, double maxPeriod, NDArray out) {
        int n = t.size(0);
        int half = out.size(1) / 2;
        if (n == 0 || half == 0) {
            return;
        }
        NDArray f = frequencyTables.computeIfAbsent(half + "/" + maxPeriod, k -> {
            double[] d = Backend.timestepFrequencies(half, maxPeriod);
            long[] bits = new long[half];
            for (int i = 0; i < half; i++) {
                bits[i] = Double.doubleToRawLongBits(d[i]);
            }
            return NDArray.of(bits, half).to(device);  // the kernel reads them as doubles
        });
        int type = switch (t.dtype()) {
            case F32 -> 0;
            case I32 -> 1;
            default -> 2;
        };
        cuda.launch("timestep_embedding_f32", Cuda.blocksFor((long) n * 2 * half, Cuda.BLOCK), Cuda.BLOCK,
                new Cuda.Args().i(n).i(out.size(1)).i(half).ptr(addr(t)).i(type).ptr(addr(f)).ptr(addr(out)));
    }

    @Override
    public void avgPool2d(NDArray x, Pool2dSpec spec, NDArray out) {
        if (!resampling.avgPool2d(x, spec, out)) {
            HostCall c = new HostCall("avgPool2d");
            cpu.avgPool2d(c.h(x), spec, c.h(out));
            c.done();
        }
    }

    @Override
    public void pad(NDArray x, int[] pads, PadMode mode, double value, NDArray out) {
        if (!resampling.pad(x, pads, mode, value, out)) {
            HostCall c = new HostCall("pad");
            cpu.pad(c.h(x), pads, mode, value, c.h(out));
            c.done();
        }
    }

    @Override
    public void interpolateBackward(NDArray gradOut, InterpolationMode mode, boolean alignCorners, double scaleH,
                                    double scaleW, NDArray gradIn) {
        if (!resampling.interpolateBackward(gradOut, mode, alignCorners, scaleH, scaleW, gradIn)) {
            HostCall c = new HostCall("interpolateBackward");
            cpu.interpolateBackward(c.h(gradOut), mode, alignCorners, scaleH, scaleW, c.h(gradIn));
            c.done();
        }
    }

    @Override
    public void avgPool2dBackward(NDArray gradOut, Pool2dSpec spec, NDArray gradIn) {
        if (!resampling.avgPool2dBackward(gradOut, spec, gradIn)) {
            HostCall c = new HostCall("avgPool2dBackward");
            cpu.avgPool2dBackward(c.h(gradOut), spec, c.h(gradIn));
            c.done();
        }
    }

    @Override
    public void padBackward(NDArray gradOut, int[] pads, PadMode mode, NDArray gradIn) {
        if (!resampling.padBackward(gradOut, pads, mode, gradIn)) {
            HostCall c = new HostCall("padBackward");
            cpu.padBackward(c.h(gradOut), pads, mode, c.h(gradIn));
            c.done();
        }
    }

    @Override
    public void indexSelect(NDArray x, int dim, NDArray index, NDArray out) {
        // A gather whose index is the 1-D index seen along dim and broadcast over out's other dims.
        if (index.rank() == 1) {
            int[] is = new int[out.rank()];
            is[dim] = index.strides()[0];
            if (gatherKernel(x, dim, index, is, out)) {
                return;
            }
        }
        HostCall c = new HostCall("indexSelect");
        NDArray hi = c.h(index);
        if (inRange(hi, x.size(dim))) {
            cpu.indexSelect(c.h(x), dim, hi, c.h(out));
        }
        c.done();
    }

    @Override
    public void gather(NDArray x, int dim, NDArray index, NDArray out) {
        if (gatherKernel(x, dim, index, index.strides(), out)) {
            return;
        }
        HostCall c = new HostCall("gather");
        NDArray hi = c.h(index);
        if (inRange(hi, x.size(dim))) {
            cpu.gather(c.h(x), dim, hi, c.h(out));
        }
        c.done();
    }

    /**
     * out[c] = x[c with c[dim] = index[c]] over out's coordinates, index read through {@code indexStrides}: x's
     * stride along dim is zeroed in the walk and added once per index value instead. False when the layout
     * needs more dims than the kernels take.
     */
    private boolean gatherKernel(NDArray x, int dim, NDArray index, int[] indexStrides, NDArray out) {
        if (x.dtype() != out.dtype() || !isIndex(index)) {
            return false;
        }
        int[] xs = x.strides().clone();
        int strideD = xs[dim];
        xs[dim] = 0;
        Strided s = Strided.of(out.shape(), indexStrides, xs, out.strides());
        if (s == null) {
            return false;
        }
        if (s.n > 0) {
            cuda.launch("gather_b" + x.dtype().byteSize(), Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK,
                    new Cuda.Args().struct(s.dims()).ptr(base(index)).i(index.offset()).struct(s.str(0))
                            .i(index.dtype() == DType.I64 ? 1 : 0).ptr(base(x)).i(x.offset()).struct(s.str(1))
                            .i(strideD).i(x.size(dim)).ptr(base(out)).i(out.offset()).struct(s.str(2)));
        }
        return true;
    }

    /**
     * Whether a host copy of an index lies in [0, extent). The range check of a device index op is deferred to the
     * next read (DeferredChecks); until then a bad index must not reach the CPU kernels of a host fallback, which
     * trust it, so the op is skipped (as the kernels skip such indices) and the check reports it.
     */
    private static boolean inRange(NDArray hostIndex, int extent) {
        return hostIndex.numel() == 0 || (hostIndex.min().item() >= 0 && hostIndex.max().item() < extent);
    }

    private static boolean isIndex(NDArray index) {
        return index.dtype() == DType.I64 || index.dtype() == DType.I32;
    }

    @Override
    public void scatterAdd(NDArray self, int dim, NDArray index, NDArray src) {
        Strided s = null;
        int strideD = 0;
        int[] fs = self.strides().clone();
        if (allF32(self, src) && isIndex(index)) {
            strideD = fs[dim];
            fs[dim] = 0;
            s = Strided.of(index.shape(), index.strides(), src.strides(), fs);
        }
        if (s == null) {
            HostCall c = new HostCall("scatterAdd");
            NDArray hi = c.h(index);
            if (inRange(hi, self.size(dim))) {
                cpu.scatterAdd(c.h(self), dim, hi, c.h(src));
            }
            c.done();
            return;
        }
        if (s.n > 0) {
            cuda.launch("scatter_add_f32", Cuda.blocksFor(s.n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                    .struct(s.dims()).ptr(base(index)).i(index.offset()).struct(s.str(0))
                    .i(index.dtype() == DType.I64 ? 1 : 0).ptr(base(src)).i(src.offset()).struct(s.str(1))
                    .ptr(base(self)).i(self.offset()).struct(s.str(2)).i(strideD).i(self.size(dim)));
        }
    }

    /** Longest row the sort kernel takes: its words (8 bytes each) fill 32 KB of shared memory. */
    private static final int SORT_MAX = 4096;

    @Override
    public void sort(NDArray x, int dim, boolean descending, NDArray values, NDArray indices) {
        int n = x.size(dim);
        DType t = x.dtype();
        int max = t == DType.I64 ? SORT_MAX / 2 : SORT_MAX;  // 12 bytes an element, kept in two arrays
        if ((t == DType.F32 || t == DType.I32 || t == DType.I64) && values.dtype() == t
                && indices.dtype() == DType.I64 && n > 0 && n <= max && x.isContiguous()
                && values.isContiguous() && indices.isContiguous()) {
            int rows = x.numel() / n;
            int inner = 1;
            for (int i = dim + 1; i < x.rank(); i++) {
                inner *= x.size(i);
            }
            int pow2 = Integer.highestOneBit(Math.max(1, n - 1)) << 1;
            int threads = Math.max(32, Math.min(512, pow2 / 2));
            if (rows > 0) {
                String kernel = "sort_" + t.name().toLowerCase(Locale.ROOT);
                cuda.launch(kernel, rows, 1, 1, threads, 1, pow2 * (t == DType.I64 ? 12 : 8),
                        new Cuda.Args().i(n).i(inner).i(pow2).ptr(addr(x)).ptr(addr(values)).ptr(addr(indices))
                                .i(descending ? 1 : 0));
            }
            return;
        }
        HostCall c = new HostCall("sort");
        cpu.sort(c.h(x), dim, descending, c.h(values), c.h(indices));
        c.done();
    }

    /**
     * The first k of the stable sort along dim, as the CPU's topk gives them when sorted (and for I64 always):
     * the rows sorted on the device into full-size scratch, then narrowed. The CPU's unsorted order (what its
     * selection leaves) is not reproduced on the device: those calls run on the host.
     */
    @Override
    public void topk(NDArray x, int k, int dim, boolean largest, boolean sorted, NDArray values, NDArray indices) {
        DType t = x.dtype();
        int n = x.size(dim);
        if ((sorted || t == DType.I64) && (t == DType.F32 || t == DType.I32 || t == DType.I64)
                && n <= (t == DType.I64 ? SORT_MAX / 2 : SORT_MAX) && x.isContiguous()) {
            if (k == 0 || x.numel() == 0) {
                return;
            }
            NDArray sv = NDArray.of(allocateForOutput(t, x.numel()), x.shape());
            NDArray si = NDArray.of(allocateForOutput(DType.I64, x.numel()), x.shape());
            sort(x, dim, largest, sv, si);
            copy(sv.narrow(dim, 0, k), values);
            copy(si.narrow(dim, 0, k), indices);
            recycle(sv.storage());
            recycle(si.storage());
            return;
        }
        HostCall c = new HostCall("topk");
        cpu.topk(c.h(x), k, dim, largest, sorted, c.h(values), c.h(indices));
        c.done();
    }

    @Override
    public boolean adamw(NDArray param, NDArray grad, NDArray expAvg, NDArray expAvgSq, boolean decay, float keep,
                         float beta1, float beta2, float bias2Sqrt, float eps, float negStepSize) {
        if (!allF32(param, grad, expAvg, expAvgSq)) {
            return false;
        }
        int n = param.numel();
        if (n > 0) {
            cuda.launch("adamw_f32", Cuda.blocksFor(n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().i(n).ptr(addr(param))
                    .ptr(addr(grad)).ptr(addr(expAvg)).ptr(addr(expAvgSq)).i(decay ? 1 : 0).f(keep).f(beta1)
                    .f(beta2).f(bias2Sqrt).f(eps).f(negStepSize));
        }
        return true;
    }
}
