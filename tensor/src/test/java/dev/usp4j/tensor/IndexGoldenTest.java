package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Indexing, sorting and joining against PyTorch (fixtures from gen_index.py): index_select, gather, scatter_add,
 * one_hot, sort/argsort (stable, NaN, ties), topk, cat, stack, split, chunk, unbind and masked_fill. Besides the
 * values, every output must have PyTorch's dtype and, for list results, the same number of parts.
 */
class IndexGoldenTest {

    @TestFactory
    Stream<DynamicTest> index() {
        return GoldenTests.of("index", 1e-5, c -> {
            Map<String, NDArray> got = run(c);
            for (Map.Entry<String, NDArray> e : c.expected().entrySet()) {
                NDArray a = got.get(e.getKey());
                if (a != null) {
                    assertEquals(e.getValue().dtype(), a.dtype(), c.name() + "/" + e.getKey() + ": dtype");
                }
            }
            assertEquals(c.expected().size(), got.size(), c.name() + ": number of outputs");
            return got;
        });
    }

    private static Map<String, NDArray> run(GoldenCase c) {
        return switch (c.op()) {
            case "index_select" -> Map.of("out", c.in("x").indexSelect(c.intArg("dim"), c.in("index")));
            case "gather" -> Map.of("out", c.in("x").gather(c.intArg("dim"), c.in("index")));
            case "scatter_add" -> Map.of("out", c.in("self").scatterAdd(c.intArg("dim"), c.in("index"),
                    c.in("src")));
            case "one_hot" -> Map.of("out", c.in("x").oneHot(c.intArg("num_classes")));
            case "sort" -> pair(c.in("x").sort(c.intArg("dim"), c.boolArg("descending")));
            case "argsort" -> Map.of("out", c.in("x").argsort(c.intArg("dim"), c.boolArg("descending")));
            case "topk" -> pair(c.in("x").topk(c.intArg("k"), c.intArg("dim"), c.boolArg("largest"), true));
            case "cat" -> Map.of("out", NDArray.cat(parts(c), c.intArg("dim")));
            case "stack" -> Map.of("out", NDArray.stack(parts(c), c.intArg("dim")));
            case "split" -> list(c.in("x").split(c.intArg("size"), c.intArg("dim")));
            case "split_sizes" -> list(c.in("x").split(c.intsArg("sizes"), c.intArg("dim")));
            case "chunk" -> list(c.in("x").chunk(c.intArg("chunks"), c.intArg("dim")));
            case "unbind" -> list(c.in("x").unbind(c.intArg("dim")));
            case "masked_fill" -> Map.of("out", c.in("x").maskedFill(c.in("mask"), c.doubleArg("value")));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }

    private static Map<String, NDArray> pair(ValuesIndices vi) {
        return Map.of("values", vi.values(), "indices", vi.indices());
    }

    private static List<NDArray> parts(GoldenCase c) {
        List<NDArray> parts = new ArrayList<>();
        for (int i = 0; i < c.intArg("n"); i++) {
            parts.add(c.in("x" + i));
        }
        return parts;
    }

    private static Map<String, NDArray> list(List<NDArray> outs) {
        Map<String, NDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < outs.size(); i++) {
            m.put("out" + i, outs.get(i));
        }
        return m;
    }
}
