package dev.usp4j.tensor;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Reductions, variance, arg-reductions and scans against PyTorch (fixtures from gen_reduce.py): all/single/
 * non-adjacent dims, keepdim, awkward and empty sizes, strided and broadcast views, ~10^6-element sums, integers,
 * bools, NaN and infinities.
 */
class ReduceGoldenTest {

    @TestFactory
    Stream<DynamicTest> reduce() {
        return GoldenTests.of("reduce", 1e-5, ReduceGoldenTest::run);
    }

    private static Map<String, NDArray> run(GoldenCase c) {
        NDArray x = c.in("x");
        return switch (c.op()) {
            case "max_dim", "min_dim" -> {
                ValuesIndices r = c.op().equals("max_dim") ? x.max(c.intArg("dim"), c.boolArg("keepdim"))
                        : x.min(c.intArg("dim"), c.boolArg("keepdim"));
                yield Map.of("values", r.values(), "indices", r.indices());
            }
            default -> Map.of("out", single(c, x));
        };
    }

    private static NDArray single(GoldenCase c, NDArray x) {
        int[] dims = c.has("dims") ? c.intsArg("dims") : null;
        boolean keep = c.has("keepdim") && c.boolArg("keepdim");
        return switch (c.op()) {
            case "sum" -> x.sum(dims, keep);
            case "mean" -> x.mean(dims, keep);
            case "prod" -> x.prod(dims, keep);
            case "amax" -> dims == null ? x.max() : x.amax(dims, keep);
            case "amin" -> dims == null ? x.min() : x.amin(dims, keep);
            case "logsumexp" -> x.logsumexp(dims, keep);
            case "any" -> x.any(dims, keep);
            case "all" -> x.all(dims, keep);
            case "var" -> x.var(dims, c.doubleArg("correction"), keep);
            case "std" -> x.std(dims, c.doubleArg("correction"), keep);
            case "argmax" -> c.has("dim") ? x.argmax(c.intArg("dim"), keep) : x.argmax();
            case "argmin" -> c.has("dim") ? x.argmin(c.intArg("dim"), keep) : x.argmin();
            case "cumsum" -> x.cumsum(c.intArg("dim"));
            case "cumprod" -> x.cumprod(c.intArg("dim"));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }
}
