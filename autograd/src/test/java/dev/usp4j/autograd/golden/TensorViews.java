package dev.usp4j.autograd.golden;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.golden.Views;
import java.util.List;

/** golden.py's view chains replayed on {@link Tensor}s, so gradients flow back through the same views. */
public final class TensorViews implements Views.Viewer<Tensor> {
    private static final TensorViews INSTANCE = new TensorViews();

    private TensorViews() {
    }

    public static Tensor apply(Tensor t, List<?> chain) {
        return Views.apply(t, chain, INSTANCE);
    }

    public Tensor transpose(Tensor t, int d0, int d1) {
        return t.transpose(d0, d1);
    }

    public Tensor permute(Tensor t, int[] dims) {
        return t.permute(dims);
    }

    public Tensor narrow(Tensor t, int dim, int start, int length) {
        return t.narrow(dim, start, length);
    }

    public Tensor slice(Tensor t, int dim, int start, int end, int step) {
        return t.slice(dim, start, end, step);
    }

    public Tensor select(Tensor t, int dim, int index) {
        return t.select(dim, index);
    }

    public Tensor expand(Tensor t, int[] sizes) {
        return t.expand(sizes);
    }

    public Tensor unsqueeze(Tensor t, int dim) {
        return t.unsqueeze(dim);
    }

    public Tensor squeeze(Tensor t) {
        return t.squeeze();
    }

    public Tensor squeeze(Tensor t, int dim) {
        return t.squeeze(dim);
    }

    public Tensor reshape(Tensor t, int[] shape) {
        return t.reshape(shape);
    }

    public Tensor view(Tensor t, int[] shape) {
        return t.view(shape);
    }

    public Tensor flatten(Tensor t, int start, int end) {
        return t.flatten(start, end);
    }
}
