package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.ReduceOp;

/**
 * Entry points of the reductions, variance, arg-reductions and running sums/products: empty cases and dtype checks
 * here, the walking of the input in {@link ReducePlan}, the arithmetic in {@link FloatReduceKernels},
 * {@link IntReduceKernels}, {@link ArgReduceKernels} and {@link CumulativeKernels}.
 */
final class ReductionKernels {
    private ReductionKernels() {
    }

    static void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out) {
        DType t = x.dtype();
        boolean ok = switch (t) {
            case F32 -> op != ReduceOp.ANY && op != ReduceOp.ALL;
            case I64 -> op == ReduceOp.SUM || op == ReduceOp.PROD || op == ReduceOp.MAX || op == ReduceOp.MIN;
            case I32 -> op == ReduceOp.MAX || op == ReduceOp.MIN;
            case BOOL -> op == ReduceOp.ANY || op == ReduceOp.ALL || op == ReduceOp.MAX || op == ReduceOp.MIN;
            default -> false;
        };
        if (!ok || out.dtype() != t) {
            throw new IllegalStateException("reduce " + op + ": the CPU kernel takes no " + t + " input into "
                    + out.dtype() + " (the dispatcher converts first)");
        }
        if (out.numel() == 0) {
            return;
        }
        if (count(x, reduced) == 0) {
            CopyKernels.fill(out, switch (op) {
                case SUM, ANY -> 0;
                case PROD, ALL -> 1;
                case MEAN -> Double.NaN;
                case LOGSUMEXP -> Double.NEGATIVE_INFINITY;
                case MAX, MIN -> throw new IllegalArgumentException(op.name().toLowerCase(java.util.Locale.ROOT)
                        + ": cannot reduce an empty dim of shape " + java.util.Arrays.toString(x.shape()));
            });
            return;
        }
        ReducePlan p = ReducePlan.of(x, reduced, out);
        if (t != DType.F32) {
            IntReduceKernels.reduce(op, p, t, CopyKernels.array(out));
            return;
        }
        float[] o = CpuStorage.of(out).floats();
        double n = p.count;
        switch (op) {
            case SUM -> FloatReduceKernels.pass(FloatReduceKernels.Kind.SUM, p, o, null,
                    (oi, a, b) -> o[oi] = (float) a);
            case MEAN -> FloatReduceKernels.pass(FloatReduceKernels.Kind.SUM, p, o, null,
                    (oi, a, b) -> o[oi] = (float) (a / n));
            case PROD -> FloatReduceKernels.pass(FloatReduceKernels.Kind.PROD, p, o, null,
                    (oi, a, b) -> o[oi] = (float) a);
            case MAX -> FloatReduceKernels.pass(FloatReduceKernels.Kind.MAX, p, o, null,
                    (oi, a, b) -> o[oi] = (float) a);
            case MIN -> FloatReduceKernels.pass(FloatReduceKernels.Kind.MIN, p, o, null,
                    (oi, a, b) -> o[oi] = (float) a);
            case LOGSUMEXP -> {
                FloatReduceKernels.pass(FloatReduceKernels.Kind.MAX, p, o, null, (oi, a, b) -> o[oi] = (float) a);
                // As PyTorch: a max of ±inf (or NaN) is the answer itself, otherwise log Σ exp(x − max) + max.
                FloatReduceKernels.pass(FloatReduceKernels.Kind.SUM_EXP, p, o, null, (oi, a, b) -> {
                    float m = o[oi];
                    o[oi] = Float.isFinite(m) ? (float) (StrictMath.log(a) + m) : m;
                });
            }
            default -> throw new IllegalStateException("reduce " + op + " on F32");
        }
    }

    /**
     * Variance with denominator max(0, N − correction), as PyTorch 1.13: N ≤ correction gives NaN when the
     * deviations are all zero (0/0) and +inf otherwise; an empty reduction gives NaN.
     */
    static void variance(NDArray x, boolean[] reduced, double correction, NDArray out) {
        if (x.dtype() != DType.F32 || out.dtype() != DType.F32) {
            throw new IllegalStateException("variance: the CPU kernel takes F32, got " + x.dtype());
        }
        if (out.numel() == 0) {
            return;
        }
        if (count(x, reduced) == 0) {
            CopyKernels.fill(out, Double.NaN);
            return;
        }
        ReducePlan p = ReducePlan.of(x, reduced, out);
        float[] o = CpuStorage.of(out).floats();
        double n = p.count;
        double denom = Math.max(0, n - correction);
        double[] mean = new double[out.offset() + out.numel()];
        FloatReduceKernels.pass(FloatReduceKernels.Kind.SUM, p, o, mean, (oi, a, b) -> mean[oi] = a / n);
        FloatReduceKernels.pass(FloatReduceKernels.Kind.DEV, p, o, mean, (oi, a, b) -> {
            double m2 = Math.max(0, b - a * a / n);
            o[oi] = (float) (m2 / denom);
        });
    }

    static void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        ArgReduceKernels.argReduce(max, x, dim, values, indices);
    }

    static void cumulative(boolean product, NDArray x, int dim, NDArray out) {
        CumulativeKernels.cumulative(product, x, dim, out);
    }

    private static long count(NDArray x, boolean[] reduced) {
        long n = 1;
        for (int d = 0; d < reduced.length; d++) {
            if (reduced[d]) {
                n *= x.size(d);
            }
        }
        return n;
    }
}
