package dev.usp4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The two ways an update runs: the fused CPU loops (split over threads for large parameters, so results must not
 * depend on the thread count) and the array-op path taken by parameters the loops cannot read (non-contiguous
 * views, other devices or dtypes), which must agree with them; plus the version bump that catches a step between
 * forward and backward.
 */
class UpdatePathsTest {
    /** Large enough for several parallel blocks and sum-of-squares chunks. */
    private static final int BIG = 3 * (1 << 15) + 17;

    private static float[] run(Function<List<Tensor>, Optimizer> make, int threads, boolean arrayOps) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            Tensor w = Tensor.parameter(NDArray.randn(new Generator(3), BIG / 7, 7));
            Tensor b = Tensor.parameter(NDArray.randn(new Generator(4), BIG));
            Optimizer opt = make.apply(List.of(w, b));
            opt.forceArrayOps = arrayOps;
            for (int s = 0; s < 3; s++) {
                w.setGrad(NDArray.randn(new Generator(10 + s), w.shape()));
                b.setGrad(NDArray.randn(new Generator(20 + s), b.shape()).mul(100));
                GradientClipping.clipGradNorm(List.of(w, b), 500.0);
                opt.step();
            }
            float[] wf = w.data().toFloatArray();
            float[] bf = b.data().toFloatArray();
            float[] all = new float[wf.length + bf.length];
            System.arraycopy(wf, 0, all, 0, wf.length);
            System.arraycopy(bf, 0, all, wf.length, bf.length);
            return all;
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static void sameWhateverTheThreadCount(Function<List<Tensor>, Optimizer> make) {
        float[] one = run(make, 1, false);
        assertArrayEquals(one, run(make, 2, false));
        assertArrayEquals(one, run(make, 3, false));
        // And the array-op path agrees with the fused loops to float rounding.
        Compare.assertClose(NDArray.of(run(make, 2, true)), NDArray.of(one), 1e-5, "array ops vs fused");
    }

    @Test
    void adamwLarge() {
        sameWhateverTheThreadCount(ps -> new AdamW(ps, 1e-2, 0.05));
    }

    @Test
    void sgdLarge() {
        sameWhateverTheThreadCount(ps -> new SGD(ps, 1e-3, 0.9, 1e-4, true));
    }

    @Test
    void larsLarge() {
        sameWhateverTheThreadCount(ps -> LARS.of(ps, 0.5, 0.05));
    }

    @Test
    void clipNormIsTheSameWhateverTheThreadCount() {
        NDArray g = NDArray.randn(new Generator(5), BIG);
        double[] norms = new double[3];
        int before = Parallel.threads();
        try {
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                Tensor p = Tensor.parameter(NDArray.zeros(BIG));
                p.setGrad(g.copy());
                norms[t - 1] = GradientClipping.clipGradNorm(List.of(p), 1e9);
            }
        } finally {
            Parallel.setThreads(before);
        }
        assertEquals(norms[0], norms[1], 0);
        assertEquals(norms[0], norms[2], 0);
        assertEquals(Math.sqrt(g.mul(g).sum().item()), norms[0], 1e-6 * norms[0]);
    }

    /** A transposed parameter cannot take the fused loops; it must end where its contiguous twin does. */
    private static void viewMatchesContiguous(Function<List<Tensor>, Optimizer> make) {
        NDArray base = NDArray.randn(new Generator(7), 5, 9);
        Tensor view = Tensor.parameter(base.copy().t());
        Tensor flat = Tensor.parameter(base.copy().t().contiguous());
        assertTrue(!view.data().isContiguous() && flat.data().isContiguous());
        Optimizer a = make.apply(List.of(view));
        Optimizer b = make.apply(List.of(flat));
        for (int s = 0; s < 5; s++) {
            NDArray g = NDArray.randn(new Generator(30 + s), 9, 5);
            view.setGrad(g.copy());
            flat.setGrad(g.copy());
            a.step();
            b.step();
        }
        Compare.assertClose(view.data(), flat.data(), 1e-6, a.getClass().getSimpleName() + " on a view");
    }

    @Test
    void nonContiguousParametersTakeTheArrayPath() {
        viewMatchesContiguous(ps -> new AdamW(ps, 0.1, 0.05));
        viewMatchesContiguous(ps -> new SGD(ps, 0.1, 0.9, 0.01, false));
        viewMatchesContiguous(ps -> LARS.of(ps, 5.0, 0.05));
    }

    @Test
    void emptyParametersAreFine() {
        Tensor e = Tensor.parameter(NDArray.zeros(0, 3));
        e.setGrad(NDArray.zeros(0, 3));
        for (Optimizer o : List.of(new AdamW(List.of(e), 0.1, 0.1), new SGD(List.of(e), 0.1, 0.9, 0, false),
                LARS.of(List.of(e), 0.1, 0.1))) {
            o.step();
        }
        assertEquals(0.0, GradientClipping.clipGradNorm(List.of(e), 1.0));
    }

    @Test
    void aStepBetweenForwardAndBackwardIsCaught() {
        Tensor w = Tensor.parameter(NDArray.randn(new Generator(8), 3, 3));
        Tensor x = Tensor.of(NDArray.randn(new Generator(9), 2, 3));
        Tensor loss = x.matmul(w).square().sum();
        w.setGrad(NDArray.ones(3, 3));
        new SGD(List.of(w), 0.1).step();
        String msg = assertThrows(RuntimeException.class, loss::backward).getMessage();
        assertTrue(msg.contains("modified") || msg.contains("version") || msg.contains("in-place"), msg);
    }
}
