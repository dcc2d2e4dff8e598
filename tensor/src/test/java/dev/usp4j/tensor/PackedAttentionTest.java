package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.random.Generator;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * Attention straight from timm's qkv projection against what timm's Attention does with it (reshape, permute,
 * unbind, fused attention, transpose back; the fused attention is checked against PyTorch in the golden tests):
 * the output and the qkv gradient must be the same floats, whether the backend writes into the strided layouts
 * (the CPU kernels) or into contiguous arrays that are then copied (a backend that says it cannot, through a proxy).
 */
class PackedAttentionTest {
    private static final int[][] SHAPES = {{2, 16, 6, 64}, {3, 5, 2, 8}, {1, 70, 4, 16}, {2, 1, 3, 4}};

    /** {out, gradQkv} of the composition timm's Attention runs. */
    private static NDArray[] composed(NDArray qkv, NDArray g, int heads, double scale) {
        int b = qkv.size(0);
        int n = qkv.size(1);
        int d = qkv.size(2) / (3 * heads);
        NDArray p = qkv.reshape(b, n, 3, heads, d).permute(2, 0, 3, 1, 4);
        NDArray q = p.select(0, 0);
        NDArray k = p.select(0, 1);
        NDArray v = p.select(0, 2);
        AttentionResult r = Functional.attentionWithStats(q, k, v, scale);
        NDArray out = r.out().transpose(1, 2).reshape(b, n, heads * d);
        NDArray gh = g.reshape(b, n, heads, d).permute(0, 2, 1, 3);
        NDArray[] gs = Functional.attentionBackward(gh, q, k, v, r.out(), r.logsumexp(), scale, true, true, true);
        NDArray grad = NDArray.stack(java.util.List.of(gs[0], gs[1], gs[2]), 0).permute(1, 3, 0, 2, 4).reshape(b, n, 3 * heads * d);
        return new NDArray[] {out, grad};
    }

    private static void sameAsComposition(Backend backend) {
        Generator gen = new Generator(31);
        for (int[] s : SHAPES) {
            int heads = s[2];
            double scale = 1 / Math.sqrt(s[3]);
            NDArray qkv = NDArray.randn(gen, s[0], s[1], 3 * heads * s[3]);
            NDArray g = NDArray.randn(gen, s[0], s[1], heads * s[3]);
            NDArray[] want = composed(qkv, g, heads, scale);
            AttentionResult r = backend == null ? Functional.packedAttentionWithStats(qkv, heads, scale)
                    : FunctionalAttention.packedForward(qkv, heads, scale, backend);
            NDArray grad = backend == null
                    ? Functional.packedAttentionBackward(g, qkv, r.out(), r.logsumexp(), heads, scale)
                    : FunctionalAttention.packedBackward(g, qkv, r.out(), r.logsumexp(), heads, scale, backend);
            String label = (backend == null ? "strided" : "contiguous") + " packed attention " + Shape.str(s);
            assertArrayEquals(want[0].toFloatArray(), r.out().toFloatArray(), label + ": output");
            assertArrayEquals(want[1].toFloatArray(), grad.toFloatArray(), label + ": qkv gradient");
        }
    }

    @Test
    void writesInPlaceWhatTheCompositionGives() {
        sameAsComposition(null);
    }

    @Test
    void backendsWithoutStridedOutputsGiveTheSameThroughCopies() {
        Backend cpu = Backends.cpu();
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("stridedAttentionOutputs")) {
                return false;
            }
            boolean backward = method.getName().equals("attentionBackward");
            if (backward || method.getName().equals("attention")) {
                // The outputs: out (argument 4 of attention) or gradQ, gradK, gradV (the last three of backward).
                int from = backward ? args.length - 3 : 4;
                for (int i = from; i < (backward ? args.length : 5); i++) {
                    if (args[i] instanceof NDArray x && !x.isContiguous()) {
                        throw new AssertionError("a strided output reached a backend that does not take them");
                    }
                }
            }
            try {
                return method.invoke(cpu, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        sameAsComposition((Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, h));
    }

    @Test
    void badInputNamesTheOpAndShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.packedAttentionWithStats(NDArray.randn(2, 4, 10), 3, 0.5));
        assertTrue(e.getMessage().contains("packed_attention") && e.getMessage().contains("[2, 4, 10]")
                && e.getMessage().contains("3 heads"), e.getMessage());
        NDArray qkv = NDArray.randn(2, 4, 12);
        AttentionResult r = Functional.packedAttentionWithStats(qkv, 2, 0.5);
        e = assertThrows(IllegalArgumentException.class,
                () -> Functional.packedAttentionBackward(NDArray.randn(2, 4, 5), qkv, r.out(), r.logsumexp(), 2, 0.5));
        assertTrue(e.getMessage().contains("packed_attention_backward") && e.getMessage().contains("[2, 4, 5]"),
                e.getMessage());
    }
}
