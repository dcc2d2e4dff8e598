package dev.usp4j.autograd;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;

/**
 * Views and conversions with their gradients. A view's gradient flows back through the inverse layout change:
 * reshapes reshape it back, permutations apply the inverse permutation, narrow/slice/select write it into the
 * matching window of a zero array, expand sums it over the broadcast dims.
 */
final class ViewOps {
    private ViewOps() {
    }

    static Tensor view(Tensor a, int[] shape) {
        return reshapeLike("view", a, a.data().view(shape));
    }

    static Tensor reshape(Tensor a, int[] shape) {
        return reshapeLike("reshape", a, a.data().reshape(shape));
    }

    /** Any op whose output has the input's elements in the same order: the gradient is reshaped back. */
    static Tensor reshapeLike(String op, Tensor a, NDArray out) {
        int[] shape = a.shape();
        return Graph.record(op, out, a, c -> new NDArray[] {c.g().reshape(shape)});
    }

    static Tensor permute(Tensor a, int[] dims) {
        NDArray out = a.data().permute(dims);
        int rank = dims.length;
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            inverse[Math.floorMod(dims[i], rank)] = i;
        }
        return Graph.record("permute", out, a, c -> new NDArray[] {c.g().permute(inverse)});
    }

    static Tensor transpose(Tensor a, int d0, int d1) {
        return Graph.record("transpose", a.data().transpose(d0, d1), a,
                c -> new NDArray[] {c.g().transpose(d0, d1)});
    }

    static Tensor narrow(Tensor a, int dim, int start, int length) {
        int[] shape = a.shape();
        return Graph.record("narrow", a.data().narrow(dim, start, length), a, c -> {
            NDArray g = NDArray.zeros(DType.F32, c.g().device(), shape);
            g.narrow(dim, start, length).copyFrom(c.g());
            return new NDArray[] {g};
        });
    }

    static Tensor slice(Tensor a, int dim, int start, int end, int step) {
        int[] shape = a.shape();
        return Graph.record("slice", a.data().slice(dim, start, end, step), a, c -> {
            NDArray g = NDArray.zeros(DType.F32, c.g().device(), shape);
            g.slice(dim, start, end, step).copyFrom(c.g());
            return new NDArray[] {g};
        });
    }

    static Tensor select(Tensor a, int dim, int index) {
        int[] shape = a.shape();
        return Graph.record("select", a.data().select(dim, index), a, c -> {
            NDArray g = NDArray.zeros(DType.F32, c.g().device(), shape);
            g.select(dim, index).copyFrom(c.g());
            return new NDArray[] {g};
        });
    }

    static Tensor expand(Tensor a, int[] sizes) {
        int[] shape = a.shape();
        return Graph.record("expand", a.data().expand(sizes), a, c -> new NDArray[] {Graph.sumTo(c.g(), shape)});
    }

    static Tensor contiguous(Tensor a) {
        NDArray out = a.data().contiguous();
        return out == a.data() ? a : Graph.record("contiguous", out, a, c -> new NDArray[] {c.g()});
    }

    static Tensor to(Tensor a, DType dtype) {
        if (dtype == a.dtype()) {
            return a;
        }
        if (a.requiresGrad() && !dtype.isFloating()) {
            throw new IllegalArgumentException("to: converting a tensor that requires grad to " + dtype
                    + " would cut the gradient; detach() it first");
        }
        DType from = a.dtype();
        return Graph.record("to_" + dtype.torchName(), a.data().to(dtype), a,
                c -> new NDArray[] {c.g().to(from)});
    }

    static Tensor to(Tensor a, Device device) {
        if (device.equals(a.device())) {
            return a;
        }
        Device from = a.device();
        return Graph.record("to_" + device, a.data().to(device), a, c -> new NDArray[] {c.g().to(from)});
    }
}
