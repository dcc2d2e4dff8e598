package dev.usp4j.autograd;

import dev.usp4j.autograd.golden.GradCase;
import dev.usp4j.autograd.golden.GradGoldenTests;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Outputs and gradients of reductions, scans and softmax against PyTorch autograd (gen_grad_reduce.py): ties,
 * zeros, −∞ masks, empty extents and var/std with N − correction ≤ 0 included.
 */
class ReductionGradGoldenTest {

    @TestFactory
    Stream<DynamicTest> reductions() {
        return GradGoldenTests.of("grad_reduce", 1e-4, ReductionGradGoldenTest::run);
    }

    static Object run(GradCase c) {
        Tensor x = c.t("x");
        int[] dims = c.has("dims") ? c.intsArg("dims") : null;
        boolean keepdim = c.has("keepdim") && c.boolArg("keepdim");
        return switch (c.op()) {
            case "sum" -> x.sum(dims, keepdim);
            case "mean" -> x.mean(dims, keepdim);
            case "prod" -> x.prod(dims, keepdim);
            // torch.amax over every dim is amax(dim=()), not max(): no NaN special case.
            case "amax" -> x.amax(dims == null ? new int[0] : dims, keepdim);
            case "amin" -> x.amin(dims == null ? new int[0] : dims, keepdim);
            case "max_all" -> x.max();
            case "min_all" -> x.min();
            case "max_dim" -> values(x.max(c.intArg("dim"), keepdim));
            case "min_dim" -> values(x.min(c.intArg("dim"), keepdim));
            case "logsumexp" -> x.logsumexp(dims, keepdim);
            case "var" -> x.var(dims, c.doubleArg("correction"), keepdim);
            case "std" -> x.std(dims, c.doubleArg("correction"), keepdim);
            case "cumsum" -> x.cumsum(c.intArg("dim"));
            case "cumprod" -> x.cumprod(c.intArg("dim"));
            case "softmax" -> x.softmax(c.intArg("dim"));
            case "log_softmax" -> x.logSoftmax(c.intArg("dim"));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }

    private static List<Tensor> values(TensorValuesIndices r) {
        return List.of(r.values(), Tensor.of(r.indices()));
    }
}
