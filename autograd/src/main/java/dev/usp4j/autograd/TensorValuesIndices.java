package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;

/**
 * The two results of max/min over a dim, sort and topk on a {@link Tensor}: differentiable values and, as an I64
 * array without gradient, where they came from.
 */
public record TensorValuesIndices(Tensor values, NDArray indices) {
}
