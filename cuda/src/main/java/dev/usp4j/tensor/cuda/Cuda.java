package dev.usp4j.tensor.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;

/**
 * One CUDA device opened through JCuda's driver API: its primary context (made current on every thread that
 * enqueues work, which is also the context cuBLAS's runtime adopts), the kernel modules JIT-compiled from the PTX
 * resources, and kernel launches. All work goes to the legacy default stream, so ops run in the order they are
 * issued and a device-to-host copy waits for everything before it.
 *
 * <p>{@link #open} fails with one message naming what is missing (the JCuda native library, the driver, a GPU),
 * which {@link dev.usp4j.tensor.Backends} passes on when an array is moved to {@code cuda}.
 */
final class Cuda {
    /**
     * With {@code usp4j.cuda.sync=true} every launch waits for its kernel, so that a profiler around the backend's
     * ops ({@code usp4j.profile=true}) sees device time; off by default (launches are asynchronous).
     */
    static final boolean SYNC = Boolean.getBoolean("usp4j.cuda.sync");

    /** Threads per block of the elementwise and warp-per-row kernels. */
    static final int BLOCK = 256;

    private static final String[] MODULES = {"elementwise", "reduce", "norm", "attention", "conv", "index", "resample"};

    final int index;
    final String name;
    final int driverVersion;
    final int computeCapability;
    final int multiprocessors;
    private final CUcontext context;
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);

    private Cuda(int index, String name, int driverVersion, int computeCapability, int multiprocessors,
                 CUcontext context) {
        this.index = index;
        this.name = name;
        this.driverVersion = driverVersion;
        this.computeCapability = computeCapability;
        this.multiprocessors = multiprocessors;
        this.context = context;
    }

    /** Opens device {@code index}; an {@link IllegalStateException} saying why when that is not possible. */
    static Cuda open(int index) {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
        } catch (LinkageError e) {
            String m = String.valueOf(e.getMessage());
            String why = m.contains("libcuda.so.1") ? "the NVIDIA driver library libcuda.so.1 is not installed"
                    : m.lines().findFirst().orElse(m);
            throw new IllegalStateException("the CUDA backend cannot start: " + why + " (JCuda "
                    + "JCudaDriver did not load)", e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cuInit failed: " + e.getMessage() + " (no NVIDIA GPU or driver)", e);
        }
        int[] count = new int[1];
        cuDeviceGetCount(count);
        if (index >= count[0]) {
            throw new IllegalStateException("cuda:" + index + " does not exist; this machine has " + count[0]
                    + " CUDA device(s)");
        }
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, index);
        byte[] nameBytes = new byte[256];
        cuDeviceGetName(nameBytes, nameBytes.length, dev);
        String name = new String(nameBytes, StandardCharsets.US_ASCII).trim().replace("\0", "");
        int[] v = new int[1];
        cuDriverGetVersion(v);
        int[] major = new int[1];
        int[] minor = new int[1];
        int[] sms = new int[1];
        cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
        cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
        cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
        CUcontext ctx = new CUcontext();
        cuDevicePrimaryCtxRetain(ctx, dev);
        Cuda cuda = new Cuda(index, name, v[0], major[0] * 10 + minor[0], sms[0], ctx);
        cuda.makeCurrent();
        for (String m : MODULES) {
            cuda.loadModule(m);
        }
        return cuda;
    }

    /** Makes this device's context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (!current.get()) {
            cuCtxSetCurrent(context);
            current.set(true);
        }
    }

    /** Waits until all work issued so far has finished. */
    void synchronize() {
        makeCurrent();
        cuCtxSynchronize();
    }

    private void loadModule(String module) {
        String resource = "ptx/" + module + ".ptx";
        byte[] ptx;
        try (InputStream in = Cuda.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + resource + " is missing from the usp4j-cuda jar");
            }
            byte[] body = in.readAllBytes();
            ptx = java.util.Arrays.copyOf(body, body.length + 1);  // the driver reads a NUL-terminated string
        } catch (IOException e) {
            throw new IllegalStateException("cannot read PTX resource " + resource, e);
        }
        JITOptions jit = new JITOptions();
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[16384]);
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, 16384);
        CUmodule mod = new CUmodule();
        try {
            cuModuleLoadDataJIT(mod, Pointer.to(ptx), jit);
        } catch (RuntimeException e) {
            throw new IllegalStateException("JIT compilation of " + resource + " failed on " + name + ": "
                    + e.getMessage() + "\n" + jit.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER), e);
        }
        for (String entry : entries(ptx)) {
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, mod, entry);
            functions.put(entry, f);
        }
    }

    /** The names of the kernels a PTX text defines. */
    static List<String> entries(byte[] ptx) {
        List<String> names = new ArrayList<>();
        for (String line : new String(ptx, StandardCharsets.US_ASCII).split("\n")) {
            String t = line.trim();
            int at = t.indexOf(".entry ");
            if (at >= 0) {
                String rest = t.substring(at + 7).trim();
                int end = rest.indexOf('(');
                names.add((end < 0 ? rest : rest.substring(0, end)).trim());
            }
        }
        return names;
    }

    /** Launches {@code kernel} on a 1-D grid of {@code blocks} × {@code threads}. */
    void launch(String kernel, int blocks, int threads, Args args) {
        launch(kernel, blocks, 1, 1, threads, 1, 0, args);
    }

    /** Launches {@code kernel} with a 3-D grid and block. */
    void launch(String kernel, int gx, int gy, int gz, int bx, int by, int sharedBytes, Args args) {
        CUfunction f = functions.get(kernel);
        if (f == null) {
            throw new IllegalStateException("no CUDA kernel named " + kernel + " in the loaded PTX modules");
        }
        makeCurrent();
        try {
            cuLaunchKernel(f, gx, gy, gz, bx, by, 1, sharedBytes, null, args.pointer(), null);
            if (SYNC) {
                cuCtxSynchronize();  // profiling: the op's time is then its kernels' time
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException("CUDA launch of " + kernel + " (" + gx + "x" + gy + "x" + gz + " blocks of "
                    + bx + "x" + by + ") failed: " + e.getMessage(), e);
        }
    }

    /** Blocks for a grid-stride loop over {@code n} items with {@code perBlock} items per block and pass. */
    static int blocksFor(long n, int perBlock) {
        return (int) Math.max(1, Math.min((n + perBlock - 1) / perBlock, 1 << 20));
    }

    /** A CUDA status code's name, for messages. */
    static String status(int code) {
        return CUresult.stringFor(code);
    }

    /**
     * Kernel arguments in order. Each is a pointer to the argument's bytes, as cuLaunchKernel takes them: device
     * pointers as 64-bit addresses, structs (Dims, Str, ...) as int arrays laid out like the C structs.
     */
    static final class Args {
        private final List<NativePointerObject> list = new ArrayList<>();

        Args ptr(long address) {
            list.add(Pointer.to(new long[] {address}));
            return this;
        }

        Args i(int v) {
            list.add(Pointer.to(new int[] {v}));
            return this;
        }

        Args f(float v) {
            list.add(Pointer.to(new float[] {v}));
            return this;
        }

        Args d(double v) {
            list.add(Pointer.to(new double[] {v}));
            return this;
        }

        Args l(long v) {
            list.add(Pointer.to(new long[] {v}));
            return this;
        }

        Args struct(int... fields) {
            list.add(Pointer.to(fields));
            return this;
        }

        Pointer pointer() {
            return Pointer.to(list.toArray(new NativePointerObject[0]));
        }
    }
}
