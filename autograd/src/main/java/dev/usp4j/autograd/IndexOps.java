package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;
import java.util.List;

/** Joining, splitting, indexing and sorting with their gradients. (Being implemented.) */
final class IndexOps {
    private IndexOps() {
    }

    private static UnsupportedOperationException todo(String op) {
        return new UnsupportedOperationException(op + ": gradient not implemented yet");
    }

    static Tensor cat(List<Tensor> tensors, int dim) {
        throw todo("cat");
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        throw todo("stack");
    }

    /** The pieces {@code parts} (views of a's data along dim) as tensors of one multi-output node. */
    static List<Tensor> split(Tensor a, List<NDArray> parts, int dim) {
        throw todo("split");
    }

    static List<Tensor> unbind(Tensor a, int dim) {
        throw todo("unbind");
    }

    static Tensor indexSelect(Tensor a, int dim, NDArray index) {
        throw todo("index_select");
    }

    static Tensor gather(Tensor a, int dim, NDArray index) {
        throw todo("gather");
    }

    static Tensor scatterAdd(Tensor a, int dim, NDArray index, Tensor src) {
        throw todo("scatter_add");
    }

    static TensorValuesIndices sort(Tensor a, int dim, boolean descending) {
        throw todo("sort");
    }

    static TensorValuesIndices topk(Tensor a, int k, int dim, boolean largest, boolean sorted) {
        throw todo("topk");
    }
}
