package dev.usp4j.autograd;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.List;

/**
 * The differentiable tensor model code and users hold: an {@link NDArray} value plus, when it was computed from
 * tensors that require gradients, the graph node that made it. {@link #backward()} fills the {@link #grad()} of
 * every leaf that requires a gradient.
 *
 * <p>Ops have NDArray's names and semantics (broadcasting, dims, dtype promotion); each is recorded with its
 * backward rule defined beside the forward in the op classes ({@code PointwiseOps}, {@code ViewOps}, ...).
 * Leaves are tensors made by the user ({@link #of}, {@link #parameter}); their gradients accumulate across
 * backward passes until {@link #zeroGrad()}. The graph is freed by backward unless retained. Comparison, rounding
 * and index-valued results carry no gradient.
 */
public final class Tensor {
    private NDArray data;
    private final Node gradFn;
    private final int outputIndex;
    private boolean requiresGrad;
    private NDArray grad;
    private Node accumulator;

    /** A tensor that requires no gradient (a constant), sharing {@code data}. */
    public Tensor(NDArray data) {
        this(data, null, 0);
        this.requiresGrad = false;
    }

    Tensor(NDArray data, Node gradFn, int outputIndex) {
        this.data = data;
        this.gradFn = gradFn;
        this.outputIndex = outputIndex;
        this.requiresGrad = gradFn != null;
    }

    /** A leaf; requires a gradient when {@code requiresGrad}. */
    public static Tensor of(NDArray data, boolean requiresGrad) {
        return new Tensor(data).requiresGrad(requiresGrad);
    }

    /** A constant leaf (torch.tensor without requires_grad). */
    public static Tensor of(NDArray data) {
        return new Tensor(data);
    }

    /** A leaf that requires a gradient: what parameters are. */
    public static Tensor parameter(NDArray data) {
        return of(data, true);
    }

    // ---- state -----------------------------------------------------------------------------------------------

    /** The value. Writing into it directly bypasses autograd (as {@code tensor.data} in PyTorch). */
    public NDArray data() {
        return data;
    }

    /**
     * Replaces the value of a leaf (PyTorch's {@code param.data = ...}): how modules move parameters to another
     * device or dtype and load checkpoints of another dtype. Graphs recorded earlier keep the arrays they saved.
     */
    public void setData(NDArray value) {
        if (gradFn != null) {
            throw new IllegalStateException("setData: only leaves can be given a new value; this tensor was made by '"
                    + gradFn.op + "'");
        }
        if (requiresGrad && !value.dtype().isFloating()) {
            throw new IllegalArgumentException("setData: a tensor that requires grad needs a floating value, got "
                    + value.dtype());
        }
        this.data = value;
        if (grad != null && !java.util.Arrays.equals(grad.shape(), value.shape())) {
            grad = null;
        }
    }

    /** The accumulated gradient of a leaf (or of a tensor that called {@link #retainGrad()}); null before any. */
    public NDArray grad() {
        return grad;
    }

    /** Replaces the gradient (optimisers and gradient clipping may set it); null clears it. */
    public void setGrad(NDArray g) {
        if (g != null && !java.util.Arrays.equals(g.shape(), data.shape())) {
            throw new IllegalArgumentException("setGrad: gradient of shape " + Shape.str(g.shape())
                    + " does not match the tensor's shape " + Shape.str(data.shape()));
        }
        this.grad = g;
    }

    /** Clears the gradient (PyTorch's default zero_grad(set_to_none=True)). */
    public void zeroGrad() {
        this.grad = null;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Sets whether a leaf requires a gradient (requires_grad_); only floating leaves can. Returns this. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null) {
            if (!value) {
                throw new IllegalStateException("requiresGrad(false) on a non-leaf tensor (made by '" + gradFn.op
                        + "'); use detach() to get a tensor outside the graph");
            }
            return this;
        }
        if (value && !data.dtype().isFloating()) {
            throw new IllegalArgumentException("requiresGrad: only floating tensors can require gradients, this one"
                    + " is " + data.dtype() + " of shape " + Shape.str(data.shape()));
        }
        this.requiresGrad = value;
        return this;
    }

    /** True for tensors the user made (no recorded op made them). */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** Name of the op that made this tensor, or null for a leaf. */
    public String gradFnName() {
        return gradFn == null ? null : gradFn.op;
    }

    Node gradFn() {
        return gradFn;
    }

    int outputIndex() {
        return outputIndex;
    }

    /** The node that adds incoming gradients into this leaf's grad (one per leaf, made on first use). */
    Node accumulator() {
        if (accumulator == null) {
            accumulator = new Node(this);
        }
        return accumulator;
    }

    /**
     * Adds a gradient computed by backward (converted to this tensor's dtype). With {@code exclusive} (the engine
     * knows nothing else references g's storage) an empty grad takes g itself instead of a copy.
     */
    void accumulate(NDArray g, boolean exclusive) {
        NDArray gd = g.dtype() == data.dtype() ? g : g.to(data.dtype());
        if (grad == null) {
            // Otherwise a private copy (a dtype conversion already is one): rules may hand one array to several
            // inputs, and the optimiser writes into grad.
            grad = exclusive || gd != g ? gd : gd.copy();
        } else {
            grad.addInPlace(gd);
        }
    }

    /** Keeps the gradient of this non-leaf tensor on the next backward (retain_grad). */
    public Tensor retainGrad() {
        if (gradFn == null) {
            return this;
        }
        if (gradFn.retained == null) {
            gradFn.retained = new Tensor[gradFn.outputShapes.length];
        }
        gradFn.retained[outputIndex] = this;
        return this;
    }

    void setRetainedGrad(NDArray g) {
        grad = grad == null ? g.copy() : grad.add(g);
    }

    /** The same value outside the graph: shares the storage, requires no gradient. */
    public Tensor detach() {
        return new Tensor(data);
    }

    // ---- in place (optimisers, buffers) ---------------------------------------------------------------------

    /**
     * Checks that an in-place write is allowed: never on a tensor recorded in a graph, and on a leaf that requires
     * a gradient only under {@link GradMode#noGrad()} (where optimisers and EMA updates run).
     */
    private void checkInPlace(String op) {
        if (!GradMode.isEnabled()) {
            if (gradFn != null) {
                throw new IllegalStateException(op + ": in-place change of a tensor made by '" + gradFn.op
                        + "' (a graph value); write into a leaf or a detached tensor");
            }
            return;
        }
        if (gradFn != null) {
            throw new IllegalStateException(op + ": in-place ops on tensors recorded in a graph are not supported"
                    + " (this one was made by '" + gradFn.op + "'); use the out-of-place op");
        }
        if (requiresGrad) {
            throw new IllegalStateException(op + ": a leaf tensor that requires grad (shape "
                    + Shape.str(data.shape()) + ") is used in an in-place operation; do it inside"
                    + " GradMode.noGrad(), as optimiser steps do");
        }
    }

    /** this += o (broadcast); returns this. */
    public Tensor addInPlace(Tensor o) {
        checkInPlace("add_");
        data.addInPlace(o.data);
        return this;
    }

    /** this -= o (broadcast); returns this. */
    public Tensor subInPlace(Tensor o) {
        checkInPlace("sub_");
        data.subInPlace(o.data);
        return this;
    }

    /** this *= v; returns this. */
    public Tensor mulInPlace(double v) {
        checkInPlace("mul_");
        data.mulInPlace(v);
        return this;
    }

    /** Copies {@code src} (broadcast) into this tensor; returns this. */
    public Tensor copyFrom(Tensor src) {
        checkInPlace("copy_");
        data.copyFrom(src.data);
        return this;
    }

    /** Sets every element; returns this. */
    public Tensor fill(double value) {
        checkInPlace("fill_");
        data.fill(value);
        return this;
    }

    // ---- backward ---------------------------------------------------------------------------------------------

    /** Backward from a one-element tensor (its gradient is 1); frees the graph. */
    public void backward() {
        backward(null, false);
    }

    /** Backward from a one-element tensor, keeping the graph for another pass when {@code retainGraph}. */
    public void backward(boolean retainGraph) {
        backward(null, retainGraph);
    }

    /** Backward with the gradient of this tensor given (its shape must match). */
    public void backward(NDArray gradient) {
        backward(gradient, false);
    }

    public void backward(NDArray gradient, boolean retainGraph) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward: this tensor (shape " + Shape.str(data.shape()) + ") does not"
                    + " require grad and was not computed from tensors that do; mark the inputs with"
                    + " Tensor.parameter(...) or requiresGrad(true), and do not compute it under GradMode.noGrad()");
        }
        if (gradient == null) {
            if (data.numel() != 1) {
                throw new IllegalArgumentException("backward: a gradient can be created implicitly only for a"
                        + " one-element output, this one has shape " + Shape.str(data.shape())
                        + "; pass backward(gradient) with a gradient of that shape, or reduce it (sum, mean) first");
            }
            gradient = data.fullLike(1).to(DType.F32);
        } else if (!java.util.Arrays.equals(gradient.shape(), data.shape())) {
            throw new IllegalArgumentException("backward: gradient of shape " + Shape.str(gradient.shape())
                    + " does not match the output's shape " + Shape.str(data.shape()));
        }
        Engine.backward(this, gradient.dtype() == DType.F32 ? gradient : gradient.to(DType.F32), retainGraph);
    }

    /**
     * Backward from several outputs at once, each with its gradient (torch.autograd.backward); gradients of
     * shared parts of the graph are summed. Frees the graph unless {@code retainGraph}.
     */
    public static void backward(List<Tensor> outputs, List<NDArray> gradients, boolean retainGraph) {
        if (outputs.size() != gradients.size()) {
            throw new IllegalArgumentException("backward: " + outputs.size() + " outputs but " + gradients.size()
                    + " gradients");
        }
        Tensor[] roots = new Tensor[outputs.size()];
        NDArray[] grads = new NDArray[roots.length];
        for (int i = 0; i < roots.length; i++) {
            Tensor t = outputs.get(i);
            NDArray g = gradients.get(i);
            if (!t.requiresGrad) {
                throw new IllegalStateException("backward: output " + i + " (shape " + Shape.str(t.shape())
                        + ") does not require grad");
            }
            if (!java.util.Arrays.equals(g.shape(), t.shape())) {
                throw new IllegalArgumentException("backward: gradient " + i + " of shape " + Shape.str(g.shape())
                        + " does not match output shape " + Shape.str(t.shape()));
            }
            roots[i] = t;
            grads[i] = g.dtype() == DType.F32 ? g : g.to(DType.F32);
        }
        Engine.backward(roots, grads, retainGraph);
    }

    // ---- properties ---------------------------------------------------------------------------------------

    public int[] shape() {
        return data.shape();
    }

    public int size(int d) {
        return data.size(d);
    }

    public int rank() {
        return data.rank();
    }

    public int numel() {
        return data.numel();
    }

    public DType dtype() {
        return data.dtype();
    }

    public Device device() {
        return data.device();
    }

    /** The single element, as a double. */
    public double item() {
        return data.item();
    }

    @Override
    public String toString() {
        String s = data.toString();
        String tail = gradFn != null ? ", grad_fn=<" + gradFn.op + ">" : requiresGrad ? ", requires_grad=True" : "";
        return s.substring(0, s.length() - 1) + tail + ")";
    }

    // ---- ops (see the op classes for each forward/backward pair) ----------------------------------------------

    public Tensor add(Tensor o) {
        return PointwiseOps.add(this, o);
    }

    public Tensor add(double v) {
        return PointwiseOps.add(this, v);
    }

    public Tensor sub(Tensor o) {
        return PointwiseOps.sub(this, o);
    }

    public Tensor sub(double v) {
        return PointwiseOps.add(this, -v);
    }

    public Tensor mul(Tensor o) {
        return PointwiseOps.mul(this, o);
    }

    public Tensor mul(double v) {
        return PointwiseOps.mul(this, v);
    }

    public Tensor div(Tensor o) {
        return PointwiseOps.div(this, o);
    }

    public Tensor div(double v) {
        return PointwiseOps.mul(this, 1.0 / v);
    }

    public Tensor pow(Tensor exponent) {
        return PointwiseOps.pow(this, exponent);
    }

    public Tensor pow(double exponent) {
        return PointwiseOps.pow(this, exponent);
    }

    public Tensor maximum(Tensor o) {
        return PointwiseOps.maximum(this, o);
    }

    public Tensor minimum(Tensor o) {
        return PointwiseOps.minimum(this, o);
    }

    public Tensor neg() {
        return PointwiseOps.neg(this);
    }

    public Tensor abs() {
        return PointwiseOps.abs(this);
    }

    public Tensor exp() {
        return PointwiseOps.exp(this);
    }

    public Tensor log() {
        return PointwiseOps.log(this);
    }

    public Tensor sqrt() {
        return PointwiseOps.sqrt(this);
    }

    public Tensor rsqrt() {
        return PointwiseOps.rsqrt(this);
    }

    public Tensor sin() {
        return PointwiseOps.sin(this);
    }

    public Tensor cos() {
        return PointwiseOps.cos(this);
    }

    public Tensor tanh() {
        return PointwiseOps.tanh(this);
    }

    public Tensor erf() {
        return PointwiseOps.erf(this);
    }

    public Tensor sigmoid() {
        return PointwiseOps.sigmoid(this);
    }

    public Tensor silu() {
        return PointwiseOps.silu(this);
    }

    /** Exact GELU. */
    public Tensor gelu() {
        return PointwiseOps.gelu(this, false);
    }

    /** GELU, exact or with the tanh approximation. */
    public Tensor gelu(boolean tanhApproximation) {
        return PointwiseOps.gelu(this, tanhApproximation);
    }

    public Tensor relu() {
        return PointwiseOps.relu(this);
    }

    public Tensor square() {
        return PointwiseOps.square(this);
    }

    public Tensor reciprocal() {
        return PointwiseOps.reciprocal(this);
    }

    public Tensor log1p() {
        return PointwiseOps.log1p(this);
    }

    public Tensor expm1() {
        return PointwiseOps.expm1(this);
    }

    public Tensor clamp(double min, double max) {
        return PointwiseOps.clamp(this, min, max);
    }

    public Tensor clampMin(double min) {
        return clamp(min, Double.POSITIVE_INFINITY);
    }

    public Tensor clampMax(double max) {
        return clamp(Double.NEGATIVE_INFINITY, max);
    }

    /** Piecewise-constant ops: their gradient is zero, as in PyTorch. */
    public Tensor floor() {
        return PointwiseOps.constantGradient("floor", this, data.floor());
    }

    public Tensor ceil() {
        return PointwiseOps.constantGradient("ceil", this, data.ceil());
    }

    public Tensor round() {
        return PointwiseOps.constantGradient("round", this, data.round());
    }

    public Tensor sign() {
        return PointwiseOps.constantGradient("sign", this, data.sign());
    }

    /** {@code cond ? a : b} with broadcasting; gradients flow to a and b. */
    public static Tensor where(NDArray cond, Tensor a, Tensor b) {
        return PointwiseOps.where(cond, a, b);
    }

    /** Elements where {@code mask} is true replaced by {@code value} (no gradient there). */
    public Tensor maskedFill(NDArray mask, double value) {
        return PointwiseOps.maskedFill(this, mask, value);
    }

    // Comparisons give BOOL arrays: no gradient, so they return NDArrays.

    public NDArray eq(Tensor o) {
        return data.eq(o.data);
    }

    public NDArray gt(double v) {
        return data.gt(v);
    }

    public NDArray lt(double v) {
        return data.lt(v);
    }

    // ---- views -----------------------------------------------------------------------------------------------

    public Tensor view(int... shape) {
        return ViewOps.view(this, shape);
    }

    public Tensor reshape(int... shape) {
        return ViewOps.reshape(this, shape);
    }

    public Tensor permute(int... dims) {
        return ViewOps.permute(this, dims);
    }

    public Tensor transpose(int d0, int d1) {
        return ViewOps.transpose(this, d0, d1);
    }

    public Tensor t() {
        return rank() < 2 ? this : transpose(0, 1);
    }

    public Tensor mT() {
        return transpose(-2, -1);
    }

    public Tensor narrow(int dim, int start, int length) {
        return ViewOps.narrow(this, dim, start, length);
    }

    public Tensor slice(int dim, int start, int end, int step) {
        return ViewOps.slice(this, dim, start, end, step);
    }

    public Tensor select(int dim, int index) {
        return ViewOps.select(this, dim, index);
    }

    public Tensor expand(int... sizes) {
        return ViewOps.expand(this, sizes);
    }

    public Tensor expandAs(Tensor other) {
        return expand(other.shape());
    }

    public Tensor broadcastTo(int... shape) {
        Shape.broadcast("broadcast_to", shape(), shape);
        return expand(shape);
    }

    public Tensor squeeze() {
        return ViewOps.reshapeLike("squeeze", this, data.squeeze());
    }

    public Tensor squeeze(int dim) {
        return ViewOps.reshapeLike("squeeze", this, data.squeeze(dim));
    }

    public Tensor unsqueeze(int dim) {
        return ViewOps.reshapeLike("unsqueeze", this, data.unsqueeze(dim));
    }

    public Tensor flatten() {
        return ViewOps.reshapeLike("flatten", this, data.flatten());
    }

    public Tensor flatten(int start, int end) {
        return ViewOps.reshapeLike("flatten", this, data.flatten(start, end));
    }

    public Tensor unflatten(int dim, int... sizes) {
        return ViewOps.reshapeLike("unflatten", this, data.unflatten(dim, sizes));
    }

    public Tensor contiguous() {
        return ViewOps.contiguous(this);
    }

    /** This tensor in another dtype; the gradient converts back. */
    public Tensor to(DType dtype) {
        return ViewOps.to(this, dtype);
    }

    /** This tensor on another device; the gradient moves back. */
    public Tensor to(Device device) {
        return ViewOps.to(this, device);
    }

    // ---- reductions, scans, softmax ---------------------------------------------------------------------------

    public Tensor sum() {
        return ReductionOps.sum(this, null, false);
    }

    public Tensor sum(int... dims) {
        return ReductionOps.sum(this, dims, false);
    }

    public Tensor sum(int[] dims, boolean keepdim) {
        return ReductionOps.sum(this, dims, keepdim);
    }

    public Tensor mean() {
        return ReductionOps.mean(this, null, false);
    }

    public Tensor mean(int... dims) {
        return ReductionOps.mean(this, dims, false);
    }

    public Tensor mean(int[] dims, boolean keepdim) {
        return ReductionOps.mean(this, dims, keepdim);
    }

    public Tensor prod(int[] dims, boolean keepdim) {
        return ReductionOps.prod(this, dims, keepdim);
    }

    public Tensor amax(int[] dims, boolean keepdim) {
        return ReductionOps.amax(this, dims, keepdim, true);
    }

    public Tensor amin(int[] dims, boolean keepdim) {
        return ReductionOps.amax(this, dims, keepdim, false);
    }

    public Tensor max() {
        return ReductionOps.amax(this, null, false, true);
    }

    public Tensor min() {
        return ReductionOps.amax(this, null, false, false);
    }

    /** Max over a dim with the index of the first maximum; the gradient goes to that index. */
    public TensorValuesIndices max(int dim, boolean keepdim) {
        return ReductionOps.maxDim(this, dim, keepdim, true);
    }

    public TensorValuesIndices min(int dim, boolean keepdim) {
        return ReductionOps.maxDim(this, dim, keepdim, false);
    }

    /** Index of the maximum along dim (no gradient). */
    public NDArray argmax(int dim, boolean keepdim) {
        return data.argmax(dim, keepdim);
    }

    public NDArray argmin(int dim, boolean keepdim) {
        return data.argmin(dim, keepdim);
    }

    public Tensor logsumexp(int[] dims, boolean keepdim) {
        return ReductionOps.logsumexp(this, dims, keepdim);
    }

    public Tensor var(int[] dims, double correction, boolean keepdim) {
        return ReductionOps.var(this, dims, correction, keepdim, false);
    }

    public Tensor std(int[] dims, double correction, boolean keepdim) {
        return ReductionOps.var(this, dims, correction, keepdim, true);
    }

    public Tensor cumsum(int dim) {
        return ReductionOps.cumsum(this, dim);
    }

    public Tensor cumprod(int dim) {
        return ReductionOps.cumprod(this, dim);
    }

    public Tensor softmax(int dim) {
        return ReductionOps.softmax(this, dim, false);
    }

    public Tensor logSoftmax(int dim) {
        return ReductionOps.softmax(this, dim, true);
    }

    // ---- linear algebra ----------------------------------------------------------------------------------------

    /** torch.matmul with its broadcasting rules; gradients are reduced back over broadcast batch dims. */
    public Tensor matmul(Tensor o) {
        return LinearOps.matmul(this, o);
    }

    // ---- joining, splitting, indexing, sorting ----------------------------------------------------------------

    public static Tensor cat(List<Tensor> tensors, int dim) {
        return IndexOps.cat(tensors, dim);
    }

    public static Tensor stack(List<Tensor> tensors, int dim) {
        return IndexOps.stack(tensors, dim);
    }

    public List<Tensor> split(int splitSize, int dim) {
        return IndexOps.split(this, data.split(splitSize, dim), dim);
    }

    public List<Tensor> split(int[] sizes, int dim) {
        return IndexOps.split(this, data.split(sizes, dim), dim);
    }

    public List<Tensor> chunk(int chunks, int dim) {
        return IndexOps.split(this, data.chunk(chunks, dim), dim);
    }

    public List<Tensor> unbind(int dim) {
        return IndexOps.unbind(this, dim);
    }

    public Tensor indexSelect(int dim, NDArray index) {
        return IndexOps.indexSelect(this, dim, index);
    }

    public Tensor gather(int dim, NDArray index) {
        return IndexOps.gather(this, dim, index);
    }

    /** A copy with {@code src} added at {@code index} along dim; gradients flow to both. */
    public Tensor scatterAdd(int dim, NDArray index, Tensor src) {
        return IndexOps.scatterAdd(this, dim, index, src);
    }

    /** Sorted values (the gradient flows back to the original positions) and their indices. */
    public TensorValuesIndices sort(int dim, boolean descending) {
        return IndexOps.sort(this, dim, descending);
    }

    public TensorValuesIndices topk(int k, int dim, boolean largest, boolean sorted) {
        return IndexOps.topk(this, k, dim, largest, sorted);
    }
}
