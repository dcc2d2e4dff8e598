package dev.usp4j.tensor;

import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array: a {@link Storage} seen through a layout (shape, strides, offset), with a dtype and a
 * device, and no notion of gradients (the autograd module wraps it).
 *
 * <p>Views ({@link #reshape}, {@link #permute}, {@link #narrow}, {@link #expand}, ...) share the storage and cost
 * nothing; {@link #contiguous()} copies only when the layout is not already row-major. Ops follow PyTorch's
 * semantics and names: NumPy broadcasting, negative dims counting from the end, {@code keepdim}, dtype promotion
 * (any floating operand computes in F32). Every op checks its operands and throws an exception naming the op, the
 * shapes and what it expected. Arrays are not thread-safe for writes; concurrent reads are fine.
 */
public final class NDArray {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    private NDArray(Storage storage, int[] shape, int[] strides, int offset, boolean check) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        if (check) {
            checkBounds();
        }
    }

    /** A view of {@code storage} with the given layout; checks that every element lies inside the storage. */
    public static NDArray of(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("layout: shape " + Shape.str(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        return new NDArray(storage, Shape.check("layout", shape), strides.clone(), offset, true);
    }

    /** A contiguous view of all of {@code storage} with the given shape. */
    public static NDArray of(Storage storage, int... shape) {
        int[] s = Shape.check("layout", shape);
        if (Shape.numel(s) != storage.size()) {
            throw new IllegalArgumentException("layout: shape " + Shape.str(s) + " needs " + Shape.numel(s)
                    + " elements, storage has " + storage.size());
        }
        return new NDArray(storage, s, Shape.contiguousStrides(s), 0, false);
    }

    private void checkBounds() {
        if (offset < 0) {
            throw new IllegalArgumentException("layout: negative offset " + offset);
        }
        if (Shape.numel(shape) == 0) {
            return;
        }
        long max = offset;
        for (int i = 0; i < shape.length; i++) {
            if (strides[i] < 0) {
                throw new IllegalArgumentException("layout: negative stride in " + Arrays.toString(strides));
            }
            max += (long) strides[i] * (shape[i] - 1);
        }
        if (max >= storage.size()) {
            throw new IllegalArgumentException("layout: shape " + Shape.str(shape) + ", strides "
                    + Arrays.toString(strides) + ", offset " + offset + " reach element " + max
                    + " of a storage of " + storage.size());
        }
    }

    /** Internal constructor for views whose bounds follow from an already valid parent. */
    NDArray view(int[] newShape, int[] newStrides, int newOffset) {
        return new NDArray(storage, newShape, newStrides, newOffset, false);
    }

    // ---- properties ----------------------------------------------------------------------------------------

    public Storage storage() {
        return storage;
    }

    public DType dtype() {
        return storage.dtype();
    }

    public Device device() {
        return storage.device();
    }

    /** The backend that computes on this array's device. */
    public Backend backend() {
        return Backends.of(storage.device());
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** A copy of the strides, in elements. */
    public int[] strides() {
        return strides.clone();
    }

    /** Offset of element [0, ..., 0] in the storage. */
    public int offset() {
        return offset;
    }

    public int rank() {
        return shape.length;
    }

    /** Extent of dim {@code d} (negative counts from the end). */
    public int size(int d) {
        return shape[Shape.wrapDim("size", d, shape.length)];
    }

    /** Stride of dim {@code d} (negative counts from the end). */
    public int stride(int d) {
        return strides[Shape.wrapDim("stride", d, shape.length)];
    }

    public int numel() {
        return Shape.numel(shape);
    }

    /**
     * True when the layout is row-major with no gaps (extent-1 dims may have any stride, and an empty array is
     * always contiguous, as in PyTorch).
     */
    public boolean isContiguous() {
        for (int d : shape) {
            if (d == 0) {
                return true;
            }
        }
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1) {
                if (strides[i] != expected) {
                    return false;
                }
                expected *= shape[i];
            }
        }
        return true;
    }

    // ---- creation (see Creation for the definitions) ----------------------------------------------------

    /** F32 zeros. */
    public static NDArray zeros(int... shape) {
        return Creation.full(DType.F32, 0, shape);
    }

    public static NDArray zeros(DType dtype, int... shape) {
        return Creation.full(dtype, 0, shape);
    }

    /** Zeros of {@code dtype} on {@code device}. */
    public static NDArray zeros(DType dtype, Device device, int... shape) {
        return Creation.empty(dtype, device, shape);
    }

    /** Filled with {@code value}, on {@code device}. */
    public static NDArray full(DType dtype, Device device, double value, int... shape) {
        return Creation.full(dtype, device, value, shape);
    }

    /** F32 ones. */
    public static NDArray ones(int... shape) {
        return Creation.full(DType.F32, 1, shape);
    }

    public static NDArray ones(DType dtype, int... shape) {
        return Creation.full(dtype, 1, shape);
    }

    /** F32 filled with {@code value}. */
    public static NDArray full(double value, int... shape) {
        return Creation.full(DType.F32, value, shape);
    }

    public static NDArray full(DType dtype, double value, int... shape) {
        return Creation.full(dtype, value, shape);
    }

    /** Zeros with this array's shape, dtype and device. */
    public NDArray zerosLike() {
        return Creation.full(dtype(), device(), 0, shape);
    }

    /** {@code value} with this array's shape, dtype and device. */
    public NDArray fullLike(double value) {
        return Creation.full(dtype(), device(), value, shape);
    }

    /** A 0-d F32 array. */
    public static NDArray scalar(double value) {
        return Creation.full(DType.F32, value);
    }

    /** I64 values start, start+step, ... below end (torch.arange with integers). */
    public static NDArray arange(long start, long end, long step) {
        return Creation.arange(DType.I64, start, end, step);
    }

    /** I64 values 0 .. end-1. */
    public static NDArray arange(long end) {
        return Creation.arange(DType.I64, 0, end, 1);
    }

    /** F32 values start, start+step, ... below end (torch.arange with floats). */
    public static NDArray arange(double start, double end, double step) {
        return Creation.arange(DType.F32, start, end, step);
    }

    /** {@code steps} F32 values evenly spaced from start to end inclusive (torch.linspace). */
    public static NDArray linspace(double start, double end, int steps) {
        return Creation.linspace(start, end, steps);
    }

    /** The n×n F32 identity. */
    public static NDArray eye(int n) {
        return Creation.eye(n, n);
    }

    /** An n×m F32 array with ones on the main diagonal. */
    public static NDArray eye(int n, int m) {
        return Creation.eye(n, m);
    }

    /** F32 array holding a copy of {@code data}; an empty shape means 1-D of data.length. */
    public static NDArray of(float[] data, int... shape) {
        return Creation.fromArray(data.clone(), data.length, shape);
    }

    /** I32 array holding a copy of {@code data}. */
    public static NDArray of(int[] data, int... shape) {
        return Creation.fromArray(data.clone(), data.length, shape);
    }

    /** I64 array holding a copy of {@code data}. */
    public static NDArray of(long[] data, int... shape) {
        return Creation.fromArray(data.clone(), data.length, shape);
    }

    /** BOOL array holding a copy of {@code data}. */
    public static NDArray of(boolean[] data, int... shape) {
        return Creation.fromArray(data.clone(), data.length, shape);
    }

    /** F32 uniform on [0, 1) from {@code gen}'s Philox stream. */
    public static NDArray rand(Generator gen, int... shape) {
        return Creation.random(gen, dev.usp4j.tensor.random.Distribution.UNIFORM, 0, 1, DType.F32, shape);
    }

    /** F32 uniform on [0, 1) from {@code gen}'s Philox stream, made on {@code device} (the CPU's numbers). */
    public static NDArray rand(Generator gen, Device device, int... shape) {
        return Creation.random(gen, dev.usp4j.tensor.random.Distribution.UNIFORM, 0, 1, DType.F32, device, shape);
    }

    /** F32 uniform on [0, 1) from the default generator. */
    public static NDArray rand(int... shape) {
        return rand(Generator.defaultGenerator(), shape);
    }

    /** F32 standard normal from {@code gen}'s Philox stream. */
    public static NDArray randn(Generator gen, int... shape) {
        return Creation.random(gen, dev.usp4j.tensor.random.Distribution.NORMAL, 0, 1, DType.F32, shape);
    }

    /** F32 standard normal from {@code gen}'s Philox stream, made on {@code device} (the CPU's numbers). */
    public static NDArray randn(Generator gen, Device device, int... shape) {
        return Creation.random(gen, dev.usp4j.tensor.random.Distribution.NORMAL, 0, 1, DType.F32, device, shape);
    }

    /** F32 standard normal from the default generator. */
    public static NDArray randn(int... shape) {
        return randn(Generator.defaultGenerator(), shape);
    }

    /** I64 integers uniform on [low, high). */
    public static NDArray randint(Generator gen, long low, long high, int... shape) {
        return Creation.randint(gen, Device.CPU, low, high, shape);
    }

    /** I64 integers uniform on [low, high), made on {@code device} (the CPU's numbers). */
    public static NDArray randint(Generator gen, Device device, long low, long high, int... shape) {
        return Creation.randint(gen, device, low, high, shape);
    }

    /** A random permutation of 0..n-1 (I64). */
    public static NDArray randperm(Generator gen, int n) {
        return Creation.randperm(gen, n);
    }

    /** BOOL array, true with probability p. */
    public static NDArray bernoulli(Generator gen, double p, int... shape) {
        return Creation.random(gen, dev.usp4j.tensor.random.Distribution.BERNOULLI, p, 0, DType.BOOL, shape);
    }

    /** BOOL true with probability p, made on {@code device} (the CPU's numbers). */
    public static NDArray bernoulli(Generator gen, double p, Device device, int... shape) {
        return Creation.random(gen, dev.usp4j.tensor.random.Distribution.BERNOULLI, p, 0, DType.BOOL, device, shape);
    }

    // ---- conversion and element access ----------------------------------------------------------------

    /** This array in another dtype (a copy; itself when the dtype already matches). */
    public NDArray to(DType dtype) {
        if (dtype == dtype()) {
            return this;
        }
        NDArray out = Creation.output(dtype, device(), shape);
        backend().copy(this, out);
        return out;
    }

    /** This array on another device (a contiguous copy; itself when already there). */
    public NDArray to(Device device) {
        if (device.equals(device())) {
            return this;
        }
        if (device().type() != Device.Type.CPU) {
            DeferredChecks.settle();  // range checks of device ops kept until now, read in the same breath
        }
        NDArray c = contiguous();
        Storage host = c.backend().toHost(c.storage);
        Storage moved = Backends.of(device).fromHost(host);
        return new NDArray(moved, shape.clone(), Shape.contiguousStrides(shape), 0, false);
    }

    /** This array if contiguous, else a contiguous copy. */
    public NDArray contiguous() {
        return isContiguous() && offset == 0 && storage.size() == numel() ? this : copy();
    }

    /**
     * Hands this array's storage back to its backend for reuse by later op outputs of the same size. Only for an
     * owner that knows no other array, view or tensor will touch the storage again (the autograd engine calls it
     * on gradients it has finished with); using the storage afterwards gives garbage.
     */
    public void recycleStorage() {
        StepArena.recycled(storage);
        backend().recycle(storage);
    }

    /** A contiguous copy that shares nothing with this array. */
    public NDArray copy() {
        NDArray out = Creation.output(dtype(), device(), shape);
        backend().copy(this, out);
        return out;
    }

    /** The elements in row-major order as floats (any dtype converts). */
    public float[] toFloatArray() {
        return ((dev.usp4j.tensor.cpu.CpuStorage) host(DType.F32).storage).floats();
    }

    /** The elements in row-major order as ints (floats truncate toward zero). */
    public int[] toIntArray() {
        return ((dev.usp4j.tensor.cpu.CpuStorage) host(DType.I32).storage).ints();
    }

    /** The elements in row-major order as longs. */
    public long[] toLongArray() {
        return ((dev.usp4j.tensor.cpu.CpuStorage) host(DType.I64).storage).longs();
    }

    /** The elements in row-major order as booleans (nonzero is true). */
    public boolean[] toBooleanArray() {
        return ((dev.usp4j.tensor.cpu.CpuStorage) host(DType.BOOL).storage).bools();
    }

    /** A fresh contiguous CPU copy in {@code dtype} whose storage holds exactly the elements. */
    private NDArray host(DType dtype) {
        NDArray cpu = to(Device.CPU);
        NDArray out = Creation.empty(dtype, Device.CPU, shape);
        Backends.cpu().copy(cpu, out);
        return out;
    }

    /**
     * Checks that every element of this integer array lies in [min, maxExclusive), else throws
     * {@link IndexOutOfBoundsException} with {@code message} applied to an offending value. On the CPU at once; on
     * a device at this thread's next read from a device, so that device code need not wait for the device (run
     * with {@code -Dusp4j.eagerIndexChecks=true} to check at once there too). Returns this array.
     */
    public NDArray checkRange(long min, long maxExclusive, java.util.function.LongFunction<String> message) {
        DeferredChecks.check(this, min, maxExclusive, message);
        return this;
    }

    /** The single element of a one-element array, as a double. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: needs exactly one element, shape is " + Shape.str(shape));
        }
        return dtype() == DType.I64 ? toLongArray()[0] : toFloatArray()[0];
    }

    /** The element at {@code index} (one coordinate per dim), as a double. */
    public double get(int... index) {
        return element(index).item();
    }

    /** Sets the element at {@code index} to {@code value}. */
    public void set(double value, int... index) {
        element(index).fill(value);
    }

    private NDArray element(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index: " + index.length + " coordinates for a " + shape.length
                    + "-d array of shape " + Shape.str(shape));
        }
        NDArray v = this;
        for (int i = index.length - 1; i >= 0; i--) {
            v = v.select(i, index[i]);
        }
        return v;
    }

    @Override
    public String toString() {
        return Printer.format(this);
    }

    // ---- views ------------------------------------------------------------------------------------------

    /** A view with a new shape (one extent may be -1); throws when the layout cannot be reused. */
    public NDArray view(int... newShape) {
        int[] s = ViewRules.inferShape("view", shape, newShape);
        int[] st = ViewRules.viewStrides(shape, strides, s);
        if (st == null) {
            throw new IllegalArgumentException("view: shape " + Shape.str(s) + " is not compatible with the layout"
                    + " of an array of shape " + Shape.str(shape) + " and strides " + Arrays.toString(strides)
                    + " (dims span non-contiguous memory); use reshape(...), which copies");
        }
        return view(s, st, offset);
    }

    /** A view with a new shape when possible, else a contiguous copy reshaped (torch.reshape). */
    public NDArray reshape(int... newShape) {
        int[] s = ViewRules.inferShape("reshape", shape, newShape);
        int[] st = ViewRules.viewStrides(shape, strides, s);
        if (st != null) {
            return view(s, st, offset);
        }
        return copy().view(s);
    }

    /** Reorders dims: result dim i is this array's dim {@code dims[i]}. */
    public NDArray permute(int... dims) {
        if (dims.length != shape.length) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " does not match the "
                    + shape.length + " dims of shape " + Shape.str(shape));
        }
        int[] s = new int[dims.length];
        int[] st = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            int d = Shape.wrapDim("permute", dims[i], shape.length);
            if (seen[d]) {
                throw new IllegalArgumentException("permute: dim " + d + " repeated in " + Arrays.toString(dims));
            }
            seen[d] = true;
            s[i] = shape[d];
            st[i] = strides[d];
        }
        return view(s, st, offset);
    }

    /** Swaps two dims. */
    public NDArray transpose(int d0, int d1) {
        int a = Shape.wrapDim("transpose", d0, shape.length);
        int b = Shape.wrapDim("transpose", d1, shape.length);
        if (shape.length == 0) {
            return this;
        }
        int[] s = shape.clone();
        int[] st = strides.clone();
        s[a] = shape[b];
        s[b] = shape[a];
        st[a] = strides[b];
        st[b] = strides[a];
        return view(s, st, offset);
    }

    /** The transpose of a 2-D array (a 0-d or 1-D array is returned as is), as torch.Tensor.t. */
    public NDArray t() {
        if (shape.length > 2) {
            throw new IllegalArgumentException("t: expects at most 2 dims, got shape " + Shape.str(shape)
                    + "; use transpose(d0, d1) or mT()");
        }
        return shape.length < 2 ? this : transpose(0, 1);
    }

    /** Swaps the last two dims (torch.Tensor.mT). */
    public NDArray mT() {
        if (shape.length < 2) {
            throw new IllegalArgumentException("mT: expects at least 2 dims, got shape " + Shape.str(shape));
        }
        return transpose(-2, -1);
    }

    /** {@code length} elements of dim starting at {@code start}. */
    public NDArray narrow(int dim, int start, int length) {
        int d = Shape.wrapDim("narrow", dim, shape.length);
        if (start < 0) {
            start += shape[d];
        }
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IllegalArgumentException("narrow: [" + start + ", " + (start + length) + ") is outside dim "
                    + d + " of extent " + shape[d] + " (shape " + Shape.str(shape) + ")");
        }
        int[] s = shape.clone();
        s[d] = length;
        return view(s, strides.clone(), offset + (length == 0 ? 0 : start * strides[d]));
    }

    /** Python slicing {@code [start:end:step]} along dim: negative bounds count from the end and are clamped. */
    public NDArray slice(int dim, int start, int end, int step) {
        int d = Shape.wrapDim("slice", dim, shape.length);
        if (step <= 0) {
            throw new IllegalArgumentException("slice: step must be positive, got " + step);
        }
        int lo = ViewRules.sliceBound(start, shape[d]);
        int hi = Math.max(lo, ViewRules.sliceBound(end, shape[d]));
        int n = (hi - lo + step - 1) / step;
        int[] s = shape.clone();
        int[] st = strides.clone();
        s[d] = n;
        st[d] = strides[d] * step;
        return view(s, st, offset + (n == 0 ? 0 : lo * strides[d]));
    }

    /** Element {@code index} of dim, removing that dim. */
    public NDArray select(int dim, int index) {
        int d = Shape.wrapDim("select", dim, shape.length);
        if (index < -shape[d] || index >= shape[d]) {
            throw new IllegalArgumentException("select: index " + index + " out of range for dim " + d
                    + " of extent " + shape[d] + " (shape " + Shape.str(shape) + ")");
        }
        if (index < 0) {
            index += shape[d];
        }
        return view(remove(shape, d), remove(strides, d), offset + index * strides[d]);
    }

    /** Broadcasts extent-1 dims (and new leading dims) to {@code sizes} without copying; -1 keeps an extent. */
    public NDArray expand(int... sizes) {
        if (sizes.length < shape.length) {
            throw new IllegalArgumentException("expand: target " + Arrays.toString(sizes) + " has fewer dims than"
                    + " shape " + Shape.str(shape));
        }
        int lead = sizes.length - shape.length;
        int[] s = new int[sizes.length];
        int[] st = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            int want = sizes[i];
            if (i < lead) {
                if (want < 0) {
                    throw new IllegalArgumentException("expand: -1 not allowed for new leading dim " + i + " in "
                            + Arrays.toString(sizes));
                }
                s[i] = want;
                st[i] = 0;
                continue;
            }
            int have = shape[i - lead];
            if (want == -1 || want == have) {
                s[i] = have;
                st[i] = strides[i - lead];
            } else if (have == 1 && want >= 0) {
                s[i] = want;
                st[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: shape " + Shape.str(shape) + " cannot be expanded to "
                        + Arrays.toString(sizes) + " (dim " + i + ": " + have + " vs " + want
                        + "; only extent-1 dims expand)");
            }
        }
        Shape.numel(s);
        return view(s, st, offset);
    }

    /** Expands to {@code other}'s shape. */
    public NDArray expandAs(NDArray other) {
        return expand(other.shape);
    }

    /** Removes every extent-1 dim. */
    public NDArray squeeze() {
        int n = 0;
        for (int d : shape) {
            n += d == 1 ? 0 : 1;
        }
        int[] s = new int[n];
        int[] st = new int[n];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (shape[i] != 1) {
                s[j] = shape[i];
                st[j++] = strides[i];
            }
        }
        return view(s, st, offset);
    }

    /** Removes dim if its extent is 1 (otherwise returns this array unchanged, as PyTorch does). */
    public NDArray squeeze(int dim) {
        if (shape.length == 0) {
            Shape.wrapDim("squeeze", dim, 0);
            return this;
        }
        int d = Shape.wrapDim("squeeze", dim, shape.length);
        return shape[d] != 1 ? this : view(remove(shape, d), remove(strides, d), offset);
    }

    /** Inserts an extent-1 dim at position {@code dim} (in [-rank-1, rank]). */
    public NDArray unsqueeze(int dim) {
        int d = Shape.wrapDim("unsqueeze", dim, shape.length + 1);
        int[] s = insert(shape, d, 1);
        int st = d < shape.length ? shape[d] * strides[d] : 1;
        return view(s, insert(strides, d, st), offset);
    }

    /** All dims as one (a view when possible). */
    public NDArray flatten() {
        return flatten(0, -1);
    }

    /** Dims start..end (inclusive) as one (a view when possible). */
    public NDArray flatten(int start, int end) {
        int a = Shape.wrapDim("flatten", start, shape.length);
        int b = Shape.wrapDim("flatten", end, shape.length);
        if (shape.length == 0) {
            return reshape(1);
        }
        if (a > b) {
            throw new IllegalArgumentException("flatten: start dim " + start + " comes after end dim " + end);
        }
        int[] s = new int[shape.length - (b - a)];
        int k = 0;
        for (int i = 0; i < a; i++) {
            s[k++] = shape[i];
        }
        int m = 1;
        for (int i = a; i <= b; i++) {
            m *= shape[i];
        }
        s[k++] = m;
        for (int i = b + 1; i < shape.length; i++) {
            s[k++] = shape[i];
        }
        return reshape(s);
    }

    /** Splits dim into {@code sizes} (one may be -1). */
    public NDArray unflatten(int dim, int... sizes) {
        int d = Shape.wrapDim("unflatten", dim, shape.length);
        int[] inner = ViewRules.inferShape("unflatten", new int[] {shape[d]}, sizes);
        int[] s = new int[shape.length - 1 + inner.length];
        System.arraycopy(shape, 0, s, 0, d);
        System.arraycopy(inner, 0, s, d, inner.length);
        System.arraycopy(shape, d + 1, s, d + inner.length, shape.length - d - 1);
        return reshape(s);
    }

    /** Broadcasts to {@code target} (NumPy rules); a view. */
    public NDArray broadcastTo(int... target) {
        Shape.broadcast("broadcast_to", shape, target);
        return expand(target);
    }

    private static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    private static int[] insert(int[] a, int i, int v) {
        int[] r = new int[a.length + 1];
        System.arraycopy(a, 0, r, 0, i);
        r[i] = v;
        System.arraycopy(a, i, r, i + 1, a.length - i);
        return r;
    }

    // ---- elementwise ----------------------------------------------------------------------------------

    public NDArray add(NDArray other) {
        return Elementwise.binary(BinaryOp.ADD, this, other);
    }

    public NDArray add(double v) {
        return Elementwise.binary(BinaryOp.ADD, this, v);
    }

    public NDArray sub(NDArray other) {
        return Elementwise.binary(BinaryOp.SUB, this, other);
    }

    public NDArray sub(double v) {
        return Elementwise.binary(BinaryOp.SUB, this, v);
    }

    public NDArray mul(NDArray other) {
        return Elementwise.binary(BinaryOp.MUL, this, other);
    }

    public NDArray mul(double v) {
        return Elementwise.binary(BinaryOp.MUL, this, v);
    }

    /** True division (integers give F32). */
    public NDArray div(NDArray other) {
        return Elementwise.binary(BinaryOp.DIV, this, other);
    }

    public NDArray div(double v) {
        return Elementwise.binary(BinaryOp.DIV, this, v);
    }

    public NDArray pow(NDArray exponent) {
        return Elementwise.binary(BinaryOp.POW, this, exponent);
    }

    public NDArray pow(double exponent) {
        return Elementwise.unary(UnaryOp.POW_SCALAR, this, (float) exponent, 0);
    }

    public NDArray maximum(NDArray other) {
        return Elementwise.binary(BinaryOp.MAXIMUM, this, other);
    }

    public NDArray minimum(NDArray other) {
        return Elementwise.binary(BinaryOp.MINIMUM, this, other);
    }

    /** Python-style modulo (torch.remainder). */
    public NDArray remainder(NDArray other) {
        return Elementwise.binary(BinaryOp.REMAINDER, this, other);
    }

    public NDArray remainder(double v) {
        return Elementwise.binary(BinaryOp.REMAINDER, this, v);
    }

    public NDArray floorDivide(NDArray other) {
        return Elementwise.binary(BinaryOp.FLOOR_DIVIDE, this, other);
    }

    public NDArray logicalAnd(NDArray other) {
        return Elementwise.binary(BinaryOp.LOGICAL_AND, this, other);
    }

    public NDArray logicalOr(NDArray other) {
        return Elementwise.binary(BinaryOp.LOGICAL_OR, this, other);
    }

    public NDArray logicalXor(NDArray other) {
        return Elementwise.binary(BinaryOp.LOGICAL_XOR, this, other);
    }

    public NDArray logicalNot() {
        return Elementwise.unary(UnaryOp.LOGICAL_NOT, this, 0, 0);
    }

    public NDArray eq(NDArray other) {
        return Elementwise.compare(CompareOp.EQ, this, other);
    }

    public NDArray eq(double v) {
        return Elementwise.compare(CompareOp.EQ, this, v);
    }

    public NDArray ne(NDArray other) {
        return Elementwise.compare(CompareOp.NE, this, other);
    }

    public NDArray ne(double v) {
        return Elementwise.compare(CompareOp.NE, this, v);
    }

    public NDArray lt(NDArray other) {
        return Elementwise.compare(CompareOp.LT, this, other);
    }

    public NDArray lt(double v) {
        return Elementwise.compare(CompareOp.LT, this, v);
    }

    public NDArray le(NDArray other) {
        return Elementwise.compare(CompareOp.LE, this, other);
    }

    public NDArray le(double v) {
        return Elementwise.compare(CompareOp.LE, this, v);
    }

    public NDArray gt(NDArray other) {
        return Elementwise.compare(CompareOp.GT, this, other);
    }

    public NDArray gt(double v) {
        return Elementwise.compare(CompareOp.GT, this, v);
    }

    public NDArray ge(NDArray other) {
        return Elementwise.compare(CompareOp.GE, this, other);
    }

    public NDArray ge(double v) {
        return Elementwise.compare(CompareOp.GE, this, v);
    }

    /** Elementwise {@code cond ? a : b} with broadcasting (torch.where). */
    public static NDArray where(NDArray cond, NDArray a, NDArray b) {
        return Elementwise.where(cond, a, b);
    }

    /** Elements where {@code mask} (broadcast) is true replaced by {@code value}. */
    public NDArray maskedFill(NDArray mask, double value) {
        return Elementwise.maskedFill(this, mask, value);
    }

    public NDArray neg() {
        return Elementwise.unary(UnaryOp.NEG, this, 0, 0);
    }

    public NDArray abs() {
        return Elementwise.unary(UnaryOp.ABS, this, 0, 0);
    }

    public NDArray exp() {
        return Elementwise.unary(UnaryOp.EXP, this, 0, 0);
    }

    public NDArray log() {
        return Elementwise.unary(UnaryOp.LOG, this, 0, 0);
    }

    public NDArray sqrt() {
        return Elementwise.unary(UnaryOp.SQRT, this, 0, 0);
    }

    public NDArray rsqrt() {
        return Elementwise.unary(UnaryOp.RSQRT, this, 0, 0);
    }

    public NDArray sin() {
        return Elementwise.unary(UnaryOp.SIN, this, 0, 0);
    }

    public NDArray cos() {
        return Elementwise.unary(UnaryOp.COS, this, 0, 0);
    }

    public NDArray tanh() {
        return Elementwise.unary(UnaryOp.TANH, this, 0, 0);
    }

    public NDArray erf() {
        return Elementwise.unary(UnaryOp.ERF, this, 0, 0);
    }

    public NDArray sigmoid() {
        return Elementwise.unary(UnaryOp.SIGMOID, this, 0, 0);
    }

    /** x·sigmoid(x). */
    public NDArray silu() {
        return Elementwise.unary(UnaryOp.SILU, this, 0, 0);
    }

    /** Exact GELU, x·Φ(x). */
    public NDArray gelu() {
        return Elementwise.unary(UnaryOp.GELU, this, 0, 0);
    }

    /** GELU, exact or with the tanh approximation (PyTorch's approximate="tanh"). */
    public NDArray gelu(boolean tanhApproximation) {
        return Elementwise.unary(tanhApproximation ? UnaryOp.GELU_TANH : UnaryOp.GELU, this, 0, 0);
    }

    public NDArray relu() {
        return Elementwise.unary(UnaryOp.RELU, this, 0, 0);
    }

    public NDArray square() {
        return Elementwise.unary(UnaryOp.SQUARE, this, 0, 0);
    }

    public NDArray reciprocal() {
        return Elementwise.unary(UnaryOp.RECIPROCAL, this, 0, 0);
    }

    public NDArray floor() {
        return Elementwise.unary(UnaryOp.FLOOR, this, 0, 0);
    }

    public NDArray ceil() {
        return Elementwise.unary(UnaryOp.CEIL, this, 0, 0);
    }

    /** Round half to even. */
    public NDArray round() {
        return Elementwise.unary(UnaryOp.ROUND, this, 0, 0);
    }

    public NDArray sign() {
        return Elementwise.unary(UnaryOp.SIGN, this, 0, 0);
    }

    public NDArray log1p() {
        return Elementwise.unary(UnaryOp.LOG1P, this, 0, 0);
    }

    public NDArray expm1() {
        return Elementwise.unary(UnaryOp.EXPM1, this, 0, 0);
    }

    /** min(max(x, min), max); pass ±infinity for a one-sided clamp. */
    public NDArray clamp(double min, double max) {
        return Elementwise.unary(UnaryOp.CLAMP, this, (float) min, (float) max);
    }

    public NDArray clampMin(double min) {
        return clamp(min, Double.POSITIVE_INFINITY);
    }

    public NDArray clampMax(double max) {
        return clamp(Double.NEGATIVE_INFINITY, max);
    }

    // ---- in place (for optimisers and buffers; autograd forbids them on recorded values) -------------------

    /** Sets every element to {@code value}; returns this. */
    public NDArray fill(double value) {
        backend().fill(this, value);
        storage.bumpVersion();
        return this;
    }

    /** Copies {@code src} (broadcast to this shape, converted to this dtype) into this array; returns this. */
    public NDArray copyFrom(NDArray src) {
        Elementwise.checkDevices("copy_", this, src);
        backend().copy(src.broadcastTo(shape), this);
        storage.bumpVersion();
        return this;
    }

    /** this += other (broadcast); returns this. */
    public NDArray addInPlace(NDArray other) {
        return Elementwise.binaryInPlace(BinaryOp.ADD, this, other);
    }

    public NDArray subInPlace(NDArray other) {
        return Elementwise.binaryInPlace(BinaryOp.SUB, this, other);
    }

    public NDArray mulInPlace(NDArray other) {
        return Elementwise.binaryInPlace(BinaryOp.MUL, this, other);
    }

    public NDArray divInPlace(NDArray other) {
        return Elementwise.binaryInPlace(BinaryOp.DIV, this, other);
    }

    public NDArray addInPlace(double v) {
        return Elementwise.binaryInPlace(BinaryOp.ADD, this, Elementwise.scalarLike(this, v));
    }

    public NDArray mulInPlace(double v) {
        return Elementwise.binaryInPlace(BinaryOp.MUL, this, Elementwise.scalarLike(this, v));
    }

    // ---- reductions and scans ----------------------------------------------------------------------------

    /** Sum of all elements (0-d). */
    public NDArray sum() {
        return Reductions.reduce(ReduceOp.SUM, this, null, false);
    }

    /** Sum over {@code dims} (all when empty), dropping them. */
    public NDArray sum(int... dims) {
        return Reductions.reduce(ReduceOp.SUM, this, dims, false);
    }

    public NDArray sum(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.SUM, this, dims, keepdim);
    }

    public NDArray mean() {
        return Reductions.reduce(ReduceOp.MEAN, this, null, false);
    }

    public NDArray mean(int... dims) {
        return Reductions.reduce(ReduceOp.MEAN, this, dims, false);
    }

    public NDArray mean(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.MEAN, this, dims, keepdim);
    }

    public NDArray prod(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.PROD, this, dims, keepdim);
    }

    /** Largest value over {@code dims} (torch.amax). */
    public NDArray amax(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.MAX, this, dims, keepdim);
    }

    /** Smallest value over {@code dims} (torch.amin). */
    public NDArray amin(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.MIN, this, dims, keepdim);
    }

    /** Largest element (0-d). */
    public NDArray max() {
        return Reductions.reduce(ReduceOp.MAX, this, null, false);
    }

    /** Smallest element (0-d). */
    public NDArray min() {
        return Reductions.reduce(ReduceOp.MIN, this, null, false);
    }

    /** Max over one dim with the index of the first maximum (torch.max(dim)). */
    public ValuesIndices max(int dim, boolean keepdim) {
        return Reductions.argReduce(true, this, dim, keepdim);
    }

    /** Min over one dim with the index of the first minimum. */
    public ValuesIndices min(int dim, boolean keepdim) {
        return Reductions.argReduce(false, this, dim, keepdim);
    }

    /** Index of the first maximum of the flattened array (0-d I64). */
    public NDArray argmax() {
        return Reductions.argReduce(true, flatten(), 0, false).indices();
    }

    public NDArray argmax(int dim, boolean keepdim) {
        return Reductions.argReduce(true, this, dim, keepdim).indices();
    }

    public NDArray argmin() {
        return Reductions.argReduce(false, flatten(), 0, false).indices();
    }

    public NDArray argmin(int dim, boolean keepdim) {
        return Reductions.argReduce(false, this, dim, keepdim).indices();
    }

    /** log(sum(exp(x))) over dims, computed stably. */
    public NDArray logsumexp(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.LOGSUMEXP, this, dims, keepdim);
    }

    /** True if any element is true (BOOL; other dtypes test nonzero). */
    public NDArray any() {
        return Reductions.reduce(ReduceOp.ANY, this, null, false);
    }

    public NDArray any(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.ANY, this, dims, keepdim);
    }

    public NDArray all() {
        return Reductions.reduce(ReduceOp.ALL, this, null, false);
    }

    public NDArray all(int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceOp.ALL, this, dims, keepdim);
    }

    /** Unbiased variance of all elements (correction 1). */
    public NDArray var() {
        return Reductions.variance(this, null, 1, false, false);
    }

    /** Variance over dims with N − correction in the denominator. */
    public NDArray var(int[] dims, double correction, boolean keepdim) {
        return Reductions.variance(this, dims, correction, keepdim, false);
    }

    public NDArray std() {
        return Reductions.variance(this, null, 1, false, true);
    }

    public NDArray std(int[] dims, double correction, boolean keepdim) {
        return Reductions.variance(this, dims, correction, keepdim, true);
    }

    /** Running sum along dim. */
    public NDArray cumsum(int dim) {
        return Reductions.cumulative(false, this, dim);
    }

    /** Running product along dim. */
    public NDArray cumprod(int dim) {
        return Reductions.cumulative(true, this, dim);
    }

    public NDArray softmax(int dim) {
        return Reductions.softmax(this, dim, false);
    }

    public NDArray logSoftmax(int dim) {
        return Reductions.softmax(this, dim, true);
    }

    // ---- linear algebra -----------------------------------------------------------------------------------

    /** Matrix product with torch.matmul's rules: 1-D operands promote, batch dims broadcast. */
    public NDArray matmul(NDArray other) {
        return LinearAlgebra.matmul(this, other);
    }

    // ---- joining, splitting, indexing, sorting ------------------------------------------------------------

    /** Concatenates along dim; all other extents must match. */
    public static NDArray cat(List<NDArray> arrays, int dim) {
        return Joining.cat(arrays, dim);
    }

    /** Stacks along a new dim. */
    public static NDArray stack(List<NDArray> arrays, int dim) {
        return Joining.stack(arrays, dim);
    }

    /** Views of {@code splitSize} elements along dim (the last may be smaller). */
    public List<NDArray> split(int splitSize, int dim) {
        return Joining.split(this, splitSize, dim);
    }

    /** Views of the given sizes along dim; the sizes must add up to the extent. */
    public List<NDArray> split(int[] sizes, int dim) {
        return Joining.split(this, sizes, dim);
    }

    /** {@code chunks} views along dim of ceil(n/chunks) elements each (fewer when n is small), as torch.chunk. */
    public List<NDArray> chunk(int chunks, int dim) {
        return Joining.chunk(this, chunks, dim);
    }

    /** The slices along dim, each without that dim. */
    public List<NDArray> unbind(int dim) {
        return Joining.unbind(this, dim);
    }

    /** Entries of dim picked by a 1-D integer index. */
    public NDArray indexSelect(int dim, NDArray index) {
        return Indexing.indexSelect(this, dim, index);
    }

    /** torch.gather along dim. */
    public NDArray gather(int dim, NDArray index) {
        return Indexing.gather(this, dim, index);
    }

    /** A copy of this array with {@code src} added at {@code index} along dim (torch.scatter_add). */
    public NDArray scatterAdd(int dim, NDArray index, NDArray src) {
        return Indexing.scatterAdd(this.copy(), dim, index, src);
    }

    /** scatter_add into this contiguous array; returns this. */
    public NDArray scatterAddInPlace(int dim, NDArray index, NDArray src) {
        return Indexing.scatterAdd(this, dim, index, src);
    }

    /** One-hot encoding of an integer array: a new last dim of numClasses (-1: max + 1), I64 as PyTorch. */
    public NDArray oneHot(int numClasses) {
        return Indexing.oneHot(this, numClasses);
    }

    /** Sorted values along dim with their original indices (stable). */
    public ValuesIndices sort(int dim, boolean descending) {
        return Indexing.sort(this, dim, descending);
    }

    /** The indices that sort along dim (stable). */
    public NDArray argsort(int dim, boolean descending) {
        return Indexing.sort(this, dim, descending).indices();
    }

    /** The k largest (or smallest) values along dim with their indices. */
    public ValuesIndices topk(int k, int dim, boolean largest, boolean sorted) {
        return Indexing.topk(this, k, dim, largest, sorted);
    }
}
