package dev.usp4j.tensor;

/**
 * Checks and dispatch of the fused softmax-cross-entropy for {@link Functional}: per-row losses of logits [R, C]
 * against integer class targets [R], with label smoothing and an ignored target value, and its gradient. Errors
 * name the op, the shapes and the offending target values.
 */
final class FunctionalLoss {
    private FunctionalLoss() {
    }

    private static void check(String op, NDArray logits, NDArray target, double smoothing) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException(op + ": expects logits of shape [R, C], got "
                    + Shape.str(logits.shape()));
        }
        if (!target.dtype().isInteger() || target.rank() != 1 || target.size(0) != logits.size(0)) {
            throw new IllegalArgumentException(op + ": logits " + Shape.str(logits.shape())
                    + " need integer class targets of shape [" + logits.size(0) + "], got " + target.dtype() + " "
                    + Shape.str(target.shape()));
        }
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new IllegalArgumentException(op + ": label_smoothing must be in [0, 1], got " + smoothing);
        }
    }

    /** Targets as contiguous I64, each in [0, C) or equal to ignoreIndex (checked, so kernels need not). */
    private static NDArray targets(String op, NDArray target, int classes, long ignoreIndex) {
        NDArray t = target.dtype() == DType.I64 ? target.contiguous() : target.to(DType.I64).contiguous();
        if (t.numel() == 0) {
            return t;
        }
        NDArray ignored = t.eq(ignoreIndex);
        NDArray kept = t.maskedFill(ignored, 0);
        long lo = (long) kept.min().item();
        long hi = (long) kept.max().item();
        if (lo < 0 || hi >= classes) {
            throw new IllegalArgumentException(op + ": targets must lie in [0, " + classes + ") or equal"
                    + " ignore_index " + ignoreIndex + ", got values in [" + lo + ", " + hi + "]");
        }
        return t;
    }

    static NDArray[] softmaxCrossEntropy(NDArray logits, NDArray target, long ignoreIndex, double smoothing) {
        String op = "softmax_cross_entropy";
        Functional.sameDevice(op, logits, target);
        check(op, logits, target, smoothing);
        NDArray t = targets(op, target, logits.size(1), ignoreIndex);
        NDArray x = Functional.f32(op, logits);
        NDArray loss = Creation.output(DType.F32, logits.device(), logits.size(0));
        NDArray lse = Creation.output(DType.F32, logits.device(), logits.size(0));
        if (logits.numel() > 0) {
            logits.backend().softmaxCrossEntropy(x, t, ignoreIndex, (float) smoothing, loss, lse);
        }
        return new NDArray[] {loss, lse};
    }

    static NDArray softmaxCrossEntropyBackward(NDArray gradLoss, NDArray logits, NDArray target, NDArray lse,
                                               long ignoreIndex, double smoothing) {
        String op = "softmax_cross_entropy_backward";
        Functional.sameDevice(op, logits, target, lse, gradLoss);
        check(op, logits, target, smoothing);
        int rows = logits.size(0);
        if (lse.numel() != rows || gradLoss.numel() != rows) {
            throw new IllegalArgumentException(op + ": lse " + Shape.str(lse.shape()) + " and the loss gradient "
                    + Shape.str(gradLoss.shape()) + " must have " + rows + " elements for logits "
                    + Shape.str(logits.shape()));
        }
        NDArray t = targets(op, target, logits.size(1), ignoreIndex);
        NDArray grad = Creation.output(DType.F32, logits.device(), logits.shape());
        if (logits.numel() > 0) {
            logits.backend().softmaxCrossEntropyBackward(Functional.f32(op, logits), t, Functional.f32(op, lse),
                    Functional.f32(op, gradLoss).reshape(rows), ignoreIndex, (float) smoothing, grad);
        }
        return grad;
    }
}
