package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.*;

/** Reductions, variance, arg-reductions and running sums/products. */
final class ReductionKernels {
    private ReductionKernels() {
    }

    static void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out) {
        throw new UnsupportedOperationException("ReductionKernels: not implemented yet");
    }

    static void variance(NDArray x, boolean[] reduced, double correction, NDArray out) {
        throw new UnsupportedOperationException("ReductionKernels: not implemented yet");
    }

    static void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        throw new UnsupportedOperationException("ReductionKernels: not implemented yet");
    }

    static void cumulative(boolean product, NDArray x, int dim, NDArray out) {
        throw new UnsupportedOperationException("ReductionKernels: not implemented yet");
    }
}
