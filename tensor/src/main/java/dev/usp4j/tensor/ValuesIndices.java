package dev.usp4j.tensor;

/**
 * The two results of max/min over a dim, sort and topk: the values and, as I64, where they came from (PyTorch's
 * {@code torch.return_types}).
 */
public record ValuesIndices(NDArray values, NDArray indices) {
}
