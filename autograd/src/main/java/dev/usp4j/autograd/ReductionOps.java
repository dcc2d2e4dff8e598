package dev.usp4j.autograd;

/** Reductions, scans and softmax with their gradients. (Being implemented.) */
final class ReductionOps {
    private ReductionOps() {
    }

    private static UnsupportedOperationException todo(String op) {
        return new UnsupportedOperationException(op + ": gradient not implemented yet");
    }

    static Tensor sum(Tensor a, int[] dims, boolean keepdim) {
        throw todo("sum");
    }

    static Tensor mean(Tensor a, int[] dims, boolean keepdim) {
        throw todo("mean");
    }

    static Tensor prod(Tensor a, int[] dims, boolean keepdim) {
        throw todo("prod");
    }

    static Tensor amax(Tensor a, int[] dims, boolean keepdim, boolean max) {
        throw todo("amax");
    }

    static TensorValuesIndices maxDim(Tensor a, int dim, boolean keepdim, boolean max) {
        throw todo("max");
    }

    static Tensor logsumexp(Tensor a, int[] dims, boolean keepdim) {
        throw todo("logsumexp");
    }

    static Tensor var(Tensor a, int[] dims, double correction, boolean keepdim, boolean sqrt) {
        throw todo("var");
    }

    static Tensor cumsum(Tensor a, int dim) {
        throw todo("cumsum");
    }

    static Tensor cumprod(Tensor a, int dim) {
        throw todo("cumprod");
    }

    static Tensor softmax(Tensor a, int dim, boolean log) {
        throw todo("softmax");
    }
}
