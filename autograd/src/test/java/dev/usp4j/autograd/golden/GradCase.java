package dev.usp4j.autograd.golden;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.GoldenCase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A gradient fixture case: {@link #t} gives an input as a {@link Tensor} (a leaf that requires grad when PyTorch's
 * did, seen through the recorded view chain), {@link #raw} a non-differentiable input (indices, masks); the leaves
 * are kept so the harness can compare their gradients after backward.
 */
public final class GradCase {
    private final GoldenCase base;
    private final Map<String, Tensor> leaves = new LinkedHashMap<>();

    GradCase(GoldenCase base) {
        this.base = base;
    }

    /** Input {@code name} as a tensor with its view chain applied. */
    public Tensor t(String name) {
        Tensor leaf = leaves.computeIfAbsent(name, k -> {
            NDArray b = base.bases().get(k);
            if (b == null) {
                throw new IllegalArgumentException(base.name() + ": no input '" + k + "'");
            }
            return Tensor.of(b.copy(), diff().contains(k));
        });
        return TensorViews.apply(leaf, base.views().get(name));
    }

    /** Input {@code name} as an array (views applied), for indices and masks. */
    public NDArray raw(String name) {
        return base.in(name);
    }

    List<?> diff() {
        return (List<?>) base.args().get("diff");
    }

    Map<String, Tensor> leaves() {
        return leaves;
    }

    public GoldenCase golden() {
        return base;
    }

    public String op() {
        return base.op();
    }

    public int intArg(String k) {
        return base.intArg(k);
    }

    public double doubleArg(String k) {
        return base.doubleArg(k);
    }

    public boolean boolArg(String k) {
        return base.boolArg(k);
    }

    public int[] intsArg(String k) {
        return base.intsArg(k);
    }

    public String stringArg(String k) {
        return base.stringArg(k);
    }

    public boolean has(String k) {
        return base.has(k);
    }

    @Override
    public String toString() {
        return base.name();
    }
}
