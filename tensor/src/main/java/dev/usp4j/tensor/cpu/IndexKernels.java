package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.*;

/** index_select, gather and scatter_add. */
final class IndexKernels {
    private IndexKernels() {
    }

    static void indexSelect(NDArray x, int dim, NDArray index, NDArray out) {
        throw new UnsupportedOperationException("IndexKernels: not implemented yet");
    }

    static void gather(NDArray x, int dim, NDArray index, NDArray out) {
        throw new UnsupportedOperationException("IndexKernels: not implemented yet");
    }

    static void scatterAdd(NDArray self, int dim, NDArray index, NDArray src) {
        throw new UnsupportedOperationException("IndexKernels: not implemented yet");
    }
}
