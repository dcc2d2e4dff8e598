package dev.usp4j.autograd;

import dev.usp4j.autograd.golden.GradCase;
import dev.usp4j.autograd.golden.GradGoldenTests;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Outputs and gradients of cat, stack, split, chunk, unbind, index_select, gather, scatter_add, sort and topk
 * against PyTorch autograd (gen_grad_index.py).
 */
class IndexGradGoldenTest {

    @TestFactory
    Stream<DynamicTest> index() {
        return GradGoldenTests.of("grad_index", 1e-4, IndexGradGoldenTest::run);
    }

    static Object run(GradCase c) {
        return switch (c.op()) {
            case "cat" -> Tensor.cat(list(c), c.intArg("dim"));
            case "stack" -> Tensor.stack(list(c), c.intArg("dim"));
            case "split_size" -> c.t("x").split(c.intArg("size"), c.intArg("dim"));
            case "split_sizes" -> c.t("x").split(c.intsArg("sizes"), c.intArg("dim"));
            case "chunk" -> c.t("x").chunk(c.intArg("chunks"), c.intArg("dim"));
            case "unbind" -> c.t("x").unbind(c.intArg("dim"));
            case "split_size_pick" -> pick(c, c.t("x").split(c.intArg("size"), c.intArg("dim")));
            case "chunk_pick" -> pick(c, c.t("x").chunk(c.intArg("chunks"), c.intArg("dim")));
            case "unbind_pick" -> pick(c, c.t("x").unbind(c.intArg("dim")));
            case "index_select" -> c.t("x").indexSelect(c.intArg("dim"), c.raw("index"));
            case "gather" -> c.t("x").gather(c.intArg("dim"), c.raw("index"));
            case "scatter_add" -> c.t("x").scatterAdd(c.intArg("dim"), c.raw("index"), c.t("src"));
            case "sort" -> c.t("x").sort(c.intArg("dim"), c.boolArg("descending")).values();
            case "topk" -> c.t("x").topk(c.intArg("k"), c.intArg("dim"), c.boolArg("largest"), true).values();
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }

    private static List<Tensor> list(GradCase c) {
        List<Tensor> r = new ArrayList<>();
        for (int i = 0; i < c.intArg("n"); i++) {
            r.add(c.t("x" + i));
        }
        return r;
    }

    /** Only the pieces listed in "pick" reach the loss; the others must get a zero gradient. */
    private static List<Tensor> pick(GradCase c, List<Tensor> pieces) {
        List<Tensor> r = new ArrayList<>();
        for (int i : c.intsArg("pick")) {
            r.add(pieces.get(i));
        }
        return r;
    }
}
