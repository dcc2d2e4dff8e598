package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.*;

/** Sorting and top-k along one dim. */
final class SortKernels {
    private SortKernels() {
    }

    static void sort(NDArray x, int dim, boolean descending, NDArray values, NDArray indices) {
        throw new UnsupportedOperationException("SortKernels: not implemented yet");
    }

    static void topk(NDArray x, int k, int dim, boolean largest, boolean sorted, NDArray values, NDArray indices) {
        throw new UnsupportedOperationException("SortKernels: not implemented yet");
    }
}
