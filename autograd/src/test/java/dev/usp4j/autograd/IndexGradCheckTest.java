package dev.usp4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks (GradCheck) of joining, splitting, indexing and sorting on non-contiguous inputs, the
 * single-node split behind attention's qkv chunk, and the messages of bad calls.
 */
class IndexGradCheckTest {
    private final Generator gen = new Generator(31);

    private NDArray randn(int... shape) {
        return NDArray.randn(gen, shape);
    }

    /** Distinct values 0.1 apart in random order: finite-difference steps never reorder a sort. */
    private NDArray spread(int... shape) {
        int n = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        return NDArray.randperm(gen, n).to(DType.F32).mul(0.1).sub(0.05 * n).reshape(shape);
    }

    private static NDArray longs(int[] shape, long... v) {
        return NDArray.of(v, shape);
    }

    private static void check(String name, Function<Tensor[], Tensor> f, NDArray... in) {
        GradCheck.check(name, f, in);
    }

    @Test
    void catAndStack() {
        NDArray a = randn(3, 4);
        NDArray b = randn(5, 3);
        NDArray c = randn(3, 6);
        check("cat_dim1", t -> Tensor.cat(List.of(t[0], t[1].t(), t[2].slice(1, 0, 6, 2)), 1).exp(), a, b, c);
        check("cat_dim0", t -> Tensor.cat(List.of(t[0].t(), t[1].t()), 0).sin(), a, c);
        check("cat_empty_parts", t -> Tensor.cat(List.of(t[0], t[1], t[2].narrow(1, 0, 0)), 1).square(),
                randn(0), a, c);
        check("cat_same_input_twice", t -> Tensor.cat(List.of(t[0], t[0].mul(2)), 0).tanh(), a);
        check("stack_first", t -> Tensor.stack(List.of(t[0], t[1].t()), 0).exp(), a, randn(4, 3));
        check("stack_middle", t -> Tensor.stack(List.of(t[0], t[1].t(), t[0]), 1).sin(), a, randn(4, 3));
        check("stack_last", t -> Tensor.stack(List.of(t[0].slice(1, 1, 6, 2), t[1]), -1).cos(), c, a.narrow(1, 0, 3));
    }

    @Test
    void splitChunkUnbind() {
        NDArray x = randn(11, 3);
        check("split_size", t -> {
            List<Tensor> p = t[0].t().split(4, 1);
            return Tensor.cat(List.of(p.get(2).mul(3), p.get(0).exp(), p.get(1).sin()), 1);
        }, x);
        check("split_sizes", t -> {
            List<Tensor> p = t[0].split(new int[] {2, 0, 6, 3}, 0);
            return Tensor.cat(List.of(p.get(3).square(), p.get(1), p.get(0).exp()), 0);
        }, x);
        check("split_some_unused", t -> t[0].split(5, 0).get(1).exp(), x);
        check("chunk_uneven", t -> {
            List<Tensor> p = t[0].chunk(4, 0);
            assertEquals(4, p.size());
            assertEquals(2, p.get(3).size(0));
            return Tensor.cat(List.of(p.get(3).cos(), p.get(1).mul(p.get(0))), 0);
        }, x);
        check("unbind", t -> {
            List<Tensor> p = t[0].slice(0, 0, 11, 3).unbind(1);
            return p.get(2).mul(p.get(0)).add(p.get(1).exp());
        }, x);
        check("unbind_one_used", t -> t[0].unbind(0).get(7).tanh(), x);
    }

    /** Attention's qkv split: chunk(3) of [B, T, 3·D] is one node, and all three pieces send their gradient back. */
    @Test
    void qkvChunkIsOneNodeWithTheRightGradient() {
        int b = 2;
        int tokens = 3;
        int d = 4;
        NDArray qkv = randn(b, tokens, 3 * d);
        Tensor x = Tensor.parameter(qkv.copy());
        List<Tensor> p = x.chunk(3, -1);
        assertEquals(3, p.size());
        assertEquals("split", p.get(0).gradFnName());
        assertSame(p.get(0).gradFn(), p.get(1).gradFn());
        assertSame(p.get(0).gradFn(), p.get(2).gradFn());
        assertEquals(List.of(0, 1, 2), p.stream().map(Tensor::outputIndex).toList());
        Function<List<Tensor>, Tensor> attention =
                q -> q.get(0).matmul(q.get(1).mT()).mul(0.5).tanh().matmul(q.get(2));
        NDArray w = randn(b, tokens, d);
        attention.apply(p).backward(w);
        // The same function with the pieces cut by narrow (three separate view nodes) as the reference.
        Tensor y = Tensor.parameter(qkv.copy());
        attention.apply(List.of(y.narrow(2, 0, d), y.narrow(2, d, d), y.narrow(2, 2 * d, d))).backward(w);
        assertArrayEquals(y.grad().toFloatArray(), x.grad().toFloatArray());
        check("qkv_chunk", t -> attention.apply(t[0].chunk(3, -1)), qkv);
    }

    private static void assertArrayEquals(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }

    @Test
    void indexSelectGatherScatterAdd() {
        NDArray x = randn(5, 4);
        NDArray rep = longs(new int[] {6}, 3, 0, 3, 3, 1, 0);
        check("index_select_dim0", t -> t[0].indexSelect(0, rep).exp(), x);
        check("index_select_dim1_transposed", t -> t[0].t().indexSelect(1, rep).sin(), x);
        NDArray i32 = NDArray.of(new int[] {2, 2, 0}, 3);
        check("index_select_middle_i32", t -> t[0].reshape(2, 5, 2).indexSelect(1, i32).square(), x);
        NDArray gi = NDArray.randint(gen, 0, 4, 5, 7);
        check("gather_dim1", t -> t[0].gather(1, gi).exp(), x);
        NDArray g0 = NDArray.randint(gen, 0, 5, 8, 2);
        check("gather_dim0_transposed", t -> t[0].t().t().slice(1, 0, 4, 2).gather(0, g0).sin(), x);
        NDArray si = NDArray.randint(gen, 0, 5, 6, 4);
        check("scatter_add_both", t -> t[0].scatterAdd(0, si, t[1].t()).square(), x, randn(4, 6));
        Tensor fixed = Tensor.of(randn(5, 4));
        check("scatter_add_src_only", t -> fixed.scatterAdd(0, si, t[0]).square(), randn(6, 4));
        // An index smaller than src: the src elements it never reads get a zero gradient.
        NDArray small = NDArray.randint(gen, 0, 5, 3, 2);
        check("scatter_add_small_index", t -> t[0].scatterAdd(0, small, t[1]).exp(), x, randn(6, 4));
    }

    @Test
    void sortAndTopk() {
        NDArray x = spread(6, 5);
        check("sort_asc_dim1", t -> t[0].sort(1, false).values().exp(), x);
        check("sort_desc_dim0_transposed", t -> t[0].t().sort(0, true).values().sin(), x);
        check("topk_largest", t -> t[0].topk(2, -1, true, true).values().exp(), x);
        check("topk_smallest_dim0", t -> t[0].slice(1, 0, 5, 2).topk(3, 0, false, true).values().cos(), x);
        check("topk_unsorted", t -> t[0].topk(3, 1, true, false).values().square(), x);
        check("sort_0d", t -> t[0].sort(0, false).values().exp(), spread(1).reshape());
    }

    @Test
    void indicesCarryNoGradient() {
        Tensor x = Tensor.parameter(spread(4, 3));
        TensorValuesIndices r = x.sort(0, true);
        assertTrue(r.values().requiresGrad());
        assertEquals(DType.I64, r.indices().dtype());
        Tensor plain = Tensor.of(spread(4, 3)).topk(2, 0, true, true).values();
        assertFalse(plain.requiresGrad());
        assertNull(plain.gradFnName());
    }

    @Test
    void badCallsNameTheOp() {
        Tensor a = Tensor.parameter(randn(2, 3));
        Tensor b = Tensor.parameter(randn(3, 3));
        assertMessage(IllegalArgumentException.class, () -> Tensor.cat(List.of(), 0), "cat", "non-empty");
        assertMessage(IllegalArgumentException.class, () -> Tensor.cat(Arrays.asList(a, null), 0), "cat", "null");
        assertMessage(IllegalArgumentException.class, () -> Tensor.cat(List.of(a, b), 1), "cat", "[3, 3]");
        assertMessage(IllegalArgumentException.class, () -> Tensor.stack(List.of(a, b), 0), "stack", "[3, 3]");
        assertMessage(IllegalArgumentException.class, () -> a.split(new int[] {1, 1}, 1), "split", "[1, 1]");
        assertMessage(IndexOutOfBoundsException.class, () -> a.indexSelect(1, longs(new int[] {1}, 3)),
                "index_select", "3");
        assertMessage(IllegalArgumentException.class, () -> a.gather(0, randn(2, 3)), "gather", "index");
        assertMessage(IllegalArgumentException.class, () -> a.topk(4, 1, true, true), "topk", "k=4");
    }

    private static void assertMessage(Class<? extends Throwable> type, Runnable r, String... parts) {
        String m = assertThrows(type, r::run).getMessage();
        for (String p : parts) {
            assertTrue(m.contains(p), () -> "message '" + m + "' lacks '" + p + "'");
        }
    }
}
