package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;

/**
 * A lookup table (nn.Embedding): weight [num, dim] initialised N(0, 1) as PyTorch does; indices of any shape give
 * rows of shape [..., dim]. The gradient reaches the table through index_select's backward, which adds the
 * gradients of repeated indices. DiT's label embedder is one (with its own init).
 */
public final class Embedding extends Module {
    public final Tensor weight;
    private final int num;
    private final int dim;

    public Embedding(int num, int dim) {
        if (num < 0 || dim < 0) {
            throw new IllegalArgumentException("Embedding: sizes must be non-negative, got " + num + ", " + dim);
        }
        this.num = num;
        this.dim = dim;
        this.weight = registerParameter("weight", NDArray.zeros(num, dim));
        Init.normal(weight, 0, 1, Generator.defaultGenerator());
    }

    public int numEmbeddings() {
        return num;
    }

    public int embeddingDim() {
        return dim;
    }

    /** Rows of the table at integer {@code indices} (any shape, I32 or I64): shape [...indices, dim]. */
    public Tensor forward(NDArray indices) {
        if (indices.dtype().isFloating() || indices.dtype() == dev.usp4j.tensor.DType.BOOL) {
            throw new IllegalArgumentException("Embedding(" + num + ", " + dim + "): indices must be integers, got "
                    + indices.dtype() + " of shape " + Arrays.toString(indices.shape()));
        }
        int[] shape = Arrays.copyOf(indices.shape(), indices.rank() + 1);
        shape[indices.rank()] = dim;
        return weight.indexSelect(0, indices.reshape(-1)).reshape(shape);
    }

    @Override
    protected String extraRepr() {
        return num + ", " + dim;
    }
}
