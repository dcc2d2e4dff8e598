package dev.usp4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import java.lang.ref.WeakReference;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine: accumulation, graph release, scopes, in-place detection, and the errors of misuse. */
class EngineTest {

    private static Tensor param(float... v) {
        return Tensor.parameter(NDArray.of(v));
    }

    private static void assertMessage(Throwable t, String... parts) {
        for (String p : parts) {
            assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' should mention '" + p + "'");
        }
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Tensor x = param(1, 2, 3);
        x.mul(x).backward(NDArray.ones(3));
        assertArrayEquals(new float[] {2, 4, 6}, x.grad().toFloatArray());
        x.mul(3).backward(NDArray.ones(3));
        assertArrayEquals(new float[] {5, 7, 9}, x.grad().toFloatArray());
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test
    void aLeafUsedTwiceAndADiamondSumTheirPaths() {
        Tensor x = param(0.5f, -1);
        Tensor a = x.exp();
        Tensor y = a.mul(a).add(a.sin()).add(x);
        y.backward(NDArray.ones(2));
        float[] g = x.grad().toFloatArray();
        for (int i = 0; i < 2; i++) {
            double xv = i == 0 ? 0.5 : -1;
            double ea = Math.exp(xv);
            double expected = 2 * ea * ea + Math.cos(ea) * ea + 1;
            assertEquals(expected, g[i], 1e-5 * Math.abs(expected));
        }
    }

    @Test
    void aLeafNeverTakesTheCallersRootGradient() {
        Tensor x = param(1, 2);
        NDArray given = NDArray.ones(2);
        x.reshape(2, 1).backward(given.reshape(2, 1)); // reshape's rule passes the caller's array through
        given.addInPlace(NDArray.ones(2));
        assertArrayEquals(new float[] {1, 1}, x.grad().toFloatArray());
    }

    @Test
    void aLeafNeverTakesAGradientKeptByRetainGrad() {
        Tensor x = param(1, 2);
        Tensor y = x.reshape(2, 1).retainGrad();
        Tensor z = y.reshape(2).retainGrad();
        z.mul(3).backward(NDArray.ones(2)); // z's and y's grads are views of one array, passed on to x
        x.grad().addInPlace(NDArray.ones(2));
        assertArrayEquals(new float[] {3, 3}, z.grad().toFloatArray());
        assertArrayEquals(new float[] {3, 3}, y.grad().reshape(2).toFloatArray());
        assertArrayEquals(new float[] {4, 4}, x.grad().toFloatArray());
    }

    @Test
    void gradientsDoNotAliasEachOther() {
        Tensor a = param(1, 2);
        Tensor b = param(3, 4);
        a.add(b).backward(NDArray.ones(2));
        a.grad().addInPlace(NDArray.ones(2));
        assertArrayEquals(new float[] {1, 1}, b.grad().toFloatArray(), "add gives one array to both inputs");
    }

    @Test
    void graphIsFreedUnlessRetained() {
        Tensor x = param(1, 2);
        Tensor y = x.exp().mul(x);
        y.backward(NDArray.ones(2), true);
        y.backward(NDArray.ones(2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.backward(NDArray.ones(2)));
        assertMessage(e, "second time", "retainGraph");
    }

    @Test
    void savedActivationsAreReleasedAfterBackward() {
        Tensor x = param(1, 2, 3);
        NDArray hidden = NDArray.of(new float[] {4, 5, 6});
        WeakReference<NDArray> ref = new WeakReference<>(hidden);
        Tensor h = Tensor.of(hidden);
        Tensor y = x.mul(h).exp();
        hidden = null;
        h = null;
        System.gc();
        assertTrue(ref.get() != null, "the graph keeps saved values alive until backward");
        y.backward(NDArray.ones(3));
        for (int i = 0; i < 20 && ref.get() != null; i++) {
            System.gc();
        }
        assertNull(ref.get(), "after backward nothing reachable from the output keeps the saved value");
    }

    @Test
    void noGradScopesNestAndRestore() {
        Tensor x = param(1, 2);
        try (GradMode.Scope outer = GradMode.noGrad()) {
            Tensor y = x.mul(2);
            assertFalse(y.requiresGrad());
            assertTrue(y.isLeaf());
            try (GradMode.Scope inner = GradMode.enableGrad()) {
                assertTrue(x.mul(2).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(x.mul(2).requiresGrad());
    }

    @Test
    void detachAndConstantsCutTheGraph() {
        Tensor x = param(1, 2);
        Tensor d = x.exp().detach();
        assertFalse(d.requiresGrad());
        assertSame(null, d.gradFnName());
        Tensor y = x.mul(d);
        y.backward(NDArray.ones(2));
        assertArrayEquals(d.data().toFloatArray(), x.grad().toFloatArray());
    }

    @Test
    void retainGradKeepsANonLeafGradient() {
        Tensor x = param(1, 2);
        Tensor h = x.mul(3).retainGrad();
        h.square().backward(NDArray.ones(2));
        assertArrayEquals(new float[] {6, 12}, h.grad().toFloatArray());
        assertArrayEquals(new float[] {18, 36}, x.grad().toFloatArray());
    }

    @Test
    void severalRootsAtOnce() {
        Tensor x = param(1, 2);
        Tensor a = x.mul(2);
        Tensor b = x.square();
        Tensor.backward(List.of(a, b), List.of(NDArray.ones(2), NDArray.full(10, 2)), false);
        assertArrayEquals(new float[] {22, 42}, x.grad().toFloatArray());
    }

    @Test
    void dtypeConversionsPassTheGradientBack() {
        Tensor x = Tensor.parameter(NDArray.of(new float[] {1.5f, -2.25f}));
        Tensor y = x.to(DType.BF16).to(DType.F32).mul(2);
        y.backward(NDArray.ones(2));
        assertArrayEquals(new float[] {2, 2}, x.grad().toFloatArray());
        Tensor h = Tensor.parameter(NDArray.of(new float[] {1, 2}).to(DType.BF16));
        h.exp().backward(NDArray.ones(2));
        assertEquals(DType.BF16, h.grad().dtype(), "a leaf's gradient has the leaf's dtype");
    }

    @Test
    void inPlaceChangeOfASavedValueIsCaught() {
        Tensor x = param(1, 2);
        Tensor w = Tensor.of(NDArray.of(new float[] {3, 4}));
        Tensor y = x.mul(w);
        w.data().mulInPlace(10);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.backward(NDArray.ones(2)));
        assertMessage(e, "mul", "modified in place", "version");
    }

    @Test
    void inPlaceRules() {
        Tensor p = param(1, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.addInPlace(p));
        assertMessage(e, "leaf", "requires grad", "noGrad");
        Tensor y = p.exp();
        assertMessage(assertThrows(IllegalStateException.class, () -> y.mulInPlace(2)), "exp", "out-of-place");
        try (GradMode.Scope s = GradMode.noGrad()) {
            p.subInPlace(Tensor.of(NDArray.ones(2)));
            p.mulInPlace(2);
        }
        assertArrayEquals(new float[] {0, 2}, p.data().toFloatArray());
    }

    @Test
    void misuseGivesClearErrors() {
        Tensor c = Tensor.of(NDArray.ones(2));
        assertMessage(assertThrows(IllegalStateException.class, c::backward), "does not require grad");
        Tensor x = param(1, 2);
        Tensor y = x.mul(2);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> y.backward()), "one-element", "[2]");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> y.backward(NDArray.ones(3))),
                "[3]", "[2]");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Tensor.parameter(NDArray.of(new int[] {1}))), "floating", "I32");
        assertMessage(assertThrows(IllegalStateException.class, () -> y.requiresGrad(false)), "detach");
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor z = x.mul(2);
            assertMessage(assertThrows(IllegalStateException.class, () -> z.backward(NDArray.ones(2))),
                    "noGrad");
        }
    }

    @Test
    void printsLikePyTorch() {
        Tensor x = param(1, 2);
        assertEquals("tensor([1.0000, 2.0000], requires_grad=True)", x.toString());
        assertEquals("tensor([2.0000, 4.0000], grad_fn=<mul>)", x.mul(2).toString());
    }

    @Test
    void spentGradientsAreRecycledButNeverASavedForwardArray() {
        // A rule that (against the convention) hands back the array it saved as its input's gradient: the engine
        // must not recycle it once the next node has consumed it. The suites run with usp4j.poisonOutputs, so a
        // recycled array would be NaN-filled at once and the saved values below would be lost.
        NDArray saved = NDArray.of(new float[] {3, -1, 2});
        float[] before = saved.toFloatArray();
        Tensor x = param(1, 2, 3);
        Tensor a = x.mul(2);
        Tensor y = Graph.record("returns_saved", a.data().add(1), a, c -> new NDArray[] {saved}, saved);
        y.sum().backward();
        assertArrayEquals(before, saved.toFloatArray());
        assertArrayEquals(new float[] {6, -2, 4}, x.grad().toFloatArray());
        // Spent gradients do go back: a further backward of the same shape still gives the right result.
        Tensor x2 = param(1, 2, 3);
        x2.mul(x2).mul(3).sum().backward();
        assertArrayEquals(new float[] {6, 12, 18}, x2.grad().toFloatArray());
    }
}
