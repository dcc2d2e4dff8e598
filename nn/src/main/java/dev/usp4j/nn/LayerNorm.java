package dev.usp4j.nn;

import dev.usp4j.autograd.Functional;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;

/**
 * Layer normalisation over the trailing {@code normalizedShape} dims (nn.LayerNorm): (x − mean)/√(var + eps) with
 * the biased variance, then, with {@code elementwiseAffine}, ·weight + bias (both of the normalised shape,
 * initialised to 1 and 0). The transformers here use eps 1e-6; DiT's adaLN blocks use it without affine.
 */
public final class LayerNorm extends UnaryModule {
    public final Tensor weight;
    public final Tensor bias;
    private final int[] shape;
    private final double eps;

    /** Over the last dim, eps 1e-5 (PyTorch's default), with affine parameters. */
    public LayerNorm(int dim) {
        this(dim, 1e-5);
    }

    public LayerNorm(int dim, double eps) {
        this(dim, eps, true);
    }

    public LayerNorm(int dim, double eps, boolean elementwiseAffine) {
        this(new int[] {dim}, eps, elementwiseAffine);
    }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape.length == 0) {
            throw new IllegalArgumentException("LayerNorm: normalized_shape must have at least one dim");
        }
        for (int d : normalizedShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("LayerNorm: normalized_shape "
                        + java.util.Arrays.toString(normalizedShape) + " must be positive");
            }
        }
        this.shape = normalizedShape.clone();
        this.eps = eps;
        this.weight = elementwiseAffine ? registerParameter("weight", NDArray.ones(shape)) : null;
        this.bias = elementwiseAffine ? registerParameter("bias", NDArray.zeros(shape)) : null;
    }

    public int[] normalizedShape() {
        return shape.clone();
    }

    public double eps() {
        return eps;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.layerNorm(x, shape, weight, bias, eps);
    }

    @Override
    protected String extraRepr() {
        return PyRepr.tuple(shape) + ", eps=" + PyRepr.of(eps) + ", elementwise_affine=" + PyRepr.of(weight != null);
    }
}
