package dev.usp4j.tensor;

/**
 * The dtype and shape rules of elementwise ops: device checks, broadcasting, promotion of operands to the compute
 * dtype (so kernels see matching dtypes only), scalar operands, then one backend call.
 */
final class Elementwise {
    private Elementwise() {
    }

    static String name(Enum<?> op) {
        return op.name().toLowerCase(java.util.Locale.ROOT);
    }

    static void checkDevices(String op, NDArray a, NDArray b) {
        if (!a.device().equals(b.device())) {
            throw new IllegalArgumentException(op + ": operands on " + a.device() + " and " + b.device()
                    + "; move them to one device with to(Device)");
        }
    }

    /** The storage dtype kernels see for a float result: BF16/F16 compute in F32. */
    static NDArray asCompute(NDArray a, DType t) {
        return a.dtype() == t ? a : a.to(t);
    }

    /** A 0-d array holding {@code v} in the dtype arithmetic with {@code like} should use. */
    static NDArray scalarLike(NDArray like, double v) {
        DType t = like.dtype().isInteger() && v == Math.rint(v) && !Double.isInfinite(v) ? like.dtype() : DType.F32;
        return Creation.full(t, like.device(), v);
    }

    static NDArray binary(BinaryOp op, NDArray a, double v) {
        return binary(op, a, scalarLike(a, v));
    }

    static NDArray binary(BinaryOp op, NDArray a, NDArray b) {
        String name = name(op);
        checkDevices(name, a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        DType t;
        if (op.isLogical()) {
            t = DType.BOOL;
            a = truth(a);
            b = truth(b);
        } else {
            t = DType.promote(a.dtype(), b.dtype());
            if (op.isActivationBackward() && !t.isFloating()) {
                throw new IllegalArgumentException(name + ": needs floating arrays, got " + a.dtype() + " of shape "
                        + Shape.str(a.shape()) + " and " + b.dtype() + " of shape " + Shape.str(b.shape())
                        + "; convert with to(DType.F32)");
            }
            if (t == DType.BOOL) {
                throw new IllegalArgumentException(name + ": both operands are BOOL; use the logical ops, or convert"
                        + " with to(DType.I32)");
            }
            if ((op == BinaryOp.DIV) && t.isInteger()) {
                t = DType.F32;
            }
        }
        NDArray out = Creation.output(t, a.device(), shape);
        a.backend().binary(op, asCompute(a, t).broadcastTo(shape), asCompute(b, t).broadcastTo(shape), out);
        return out;
    }

    static NDArray binaryInPlace(BinaryOp op, NDArray self, NDArray b) {
        String name = name(op) + "_";
        checkDevices(name, self, b);
        int[] shape = self.shape();
        int[] bs = Shape.broadcast(name, shape, b.shape());
        if (!java.util.Arrays.equals(bs, shape)) {
            throw new IllegalArgumentException(name + ": in-place result of shape " + Shape.str(bs)
                    + " does not fit the array of shape " + Shape.str(shape));
        }
        DType t = self.dtype();
        if (t != DType.F32 && !(t.isInteger() && b.dtype().isInteger() && op != BinaryOp.DIV)) {
            throw new IllegalArgumentException(name + ": in-place ops need an F32 array (or integer arrays with"
                    + " integer operands), got " + t + " and " + b.dtype());
        }
        if (hasInternalOverlap(self)) {
            throw new IllegalArgumentException(name + ": the array has broadcast (stride-0) dims; in-place writes"
                    + " would hit one element several times");
        }
        self.backend().binary(op, self, asCompute(b, t).broadcastTo(shape), self);
        self.storage().bumpVersion();
        return self;
    }

    static boolean hasInternalOverlap(NDArray a) {
        int[] s = a.shape();
        int[] st = a.strides();
        for (int i = 0; i < s.length; i++) {
            if (s[i] > 1 && st[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /** BOOL view of any array: itself, or x != 0. */
    static NDArray truth(NDArray a) {
        return a.dtype() == DType.BOOL ? a : a.ne(0);
    }

    static NDArray compare(CompareOp op, NDArray a, double v) {
        return compare(op, a, scalarLike(a, v));
    }

    static NDArray compare(CompareOp op, NDArray a, NDArray b) {
        String name = name(op);
        checkDevices(name, a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        DType t = a.dtype() == DType.BOOL && b.dtype() == DType.BOOL ? DType.BOOL : DType.promote(a.dtype(), b.dtype());
        NDArray out = Creation.empty(DType.BOOL, a.device(), shape);
        a.backend().compare(op, asCompute(a, t).broadcastTo(shape), asCompute(b, t).broadcastTo(shape), out);
        return out;
    }

    static NDArray unary(UnaryOp op, NDArray x, float p0, float p1) {
        String name = name(op);
        DType t;
        if (op == UnaryOp.LOGICAL_NOT) {
            x = truth(x);
            t = DType.BOOL;
        } else if (x.dtype().isInteger() && op.acceptsIntegers()) {
            t = x.dtype();
            if (op == UnaryOp.CLAMP && (p0 != Math.rint(p0) && !Float.isInfinite(p0)
                    || p1 != Math.rint(p1) && !Float.isInfinite(p1))) {
                t = DType.F32;
            }
        } else if (x.dtype() == DType.BOOL && op != UnaryOp.LOGICAL_NOT) {
            throw new IllegalArgumentException(name + ": not defined for BOOL arrays; convert with to(DType.F32)");
        } else {
            t = DType.F32;
        }
        NDArray out = Creation.output(t, x.device(), x.shape());
        x.backend().unary(op, asCompute(x, t), p0, p1, out);
        return out;
    }

    static NDArray where(NDArray cond, NDArray a, NDArray b) {
        checkDevices("where", cond, a);
        checkDevices("where", a, b);
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        DType t = a.dtype() == b.dtype() ? (a.dtype().isFloating() ? DType.F32 : a.dtype())
                : DType.promote(a.dtype(), b.dtype());
        NDArray out = Creation.output(t, a.device(), shape);
        a.backend().where(truth(cond).broadcastTo(shape), asCompute(a, t).broadcastTo(shape),
                asCompute(b, t).broadcastTo(shape), out);
        return out;
    }

    static NDArray maskedFill(NDArray x, NDArray mask, double value) {
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("masked_fill: mask must be BOOL, got " + mask.dtype());
        }
        int[] shape = Shape.broadcast("masked_fill", x.shape(), mask.shape());
        if (!java.util.Arrays.equals(shape, x.shape())) {
            throw new IllegalArgumentException("masked_fill: mask of shape " + Shape.str(mask.shape())
                    + " does not broadcast to the array's shape " + Shape.str(x.shape()));
        }
        DType t = x.dtype().isFloating() ? DType.F32 : x.dtype();
        return where(mask, Creation.full(t, x.device(), value), x);
    }
}
