package dev.usp4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Optimiser state dicts: a run stopped after k steps, its parameters and state dict saved and loaded into a fresh
 * optimiser over fresh parameters, continues bit for bit like the run that never stopped; and malformed dicts are
 * refused whole.
 */
class OptimizerStateTest {
    private static final int[][] SHAPES = {{7, 5}, {33}, {1}, {2, 3, 4}};

    private static List<Tensor> params(long seed) {
        Generator gen = new Generator(seed);
        List<Tensor> ps = new ArrayList<>();
        for (int[] s : SHAPES) {
            ps.add(Tensor.parameter(NDArray.randn(gen, s)));
        }
        return ps;
    }

    /** Gradients of step s; parameter 1 gets none on steps 0 and 1, so its state starts later. */
    private static void grads(List<Tensor> ps, int s) {
        Generator gen = new Generator(1000 + s);
        for (int i = 0; i < ps.size(); i++) {
            NDArray g = NDArray.randn(gen, ps.get(i).shape());
            ps.get(i).setGrad(i == 1 && s < 2 ? null : g);
        }
    }

    private static List<ParamGroup> groups(List<Tensor> ps) {
        return List.of(new ParamGroup("a", ps.subList(0, 2), 0.05, 0.1, 1.0),
                new ParamGroup("b", ps.subList(2, 4), 0.05, 0.0, 0.5));
    }

    private static void roundTrip(Function<List<ParamGroup>, Optimizer> make, boolean arrayOps) {
        int k = 4;
        int steps = 9;
        WarmupCosine schedule = WarmupCosine.steps(0.05, 0.001, 3, steps);
        List<Tensor> straight = params(1);
        Optimizer a = make.apply(groups(straight));
        a.forceArrayOps = arrayOps;
        for (int s = 0; s < steps; s++) {
            grads(straight, s);
            schedule.apply(a, s);
            a.step();
        }
        List<Tensor> first = params(1);
        Optimizer b = make.apply(groups(first));
        b.forceArrayOps = arrayOps;
        for (int s = 0; s < k; s++) {
            grads(first, s);
            schedule.apply(b, s);
            b.step();
        }
        Map<String, NDArray> saved = b.stateDict();
        List<Tensor> resumed = new ArrayList<>();
        for (Tensor p : first) {
            resumed.add(Tensor.parameter(p.data().copy()));
        }
        Optimizer c = make.apply(groups(resumed));
        c.forceArrayOps = arrayOps;
        c.loadStateDict(saved);
        assertEquals(saved.keySet(), c.stateDict().keySet());
        for (int s = k; s < steps; s++) {
            grads(resumed, s);
            schedule.apply(c, s);
            c.step();
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i).data().toFloatArray(), resumed.get(i).data().toFloatArray(),
                    a.getClass().getSimpleName() + " parameter " + i);
        }
        Map<String, NDArray> end = a.stateDict();
        Map<String, NDArray> endResumed = c.stateDict();
        assertEquals(end.keySet(), endResumed.keySet());
        for (String key : end.keySet()) {
            assertArrayEquals(end.get(key).toFloatArray(), endResumed.get(key).toFloatArray(), key);
        }
    }

    @Test
    void adamwResumesBitForBit() {
        roundTrip(g -> new AdamW(g, 0.9, 0.95, 1e-8), false);
        roundTrip(g -> new AdamW(g, 0.9, 0.95, 1e-8), true);
    }

    @Test
    void sgdResumesBitForBit() {
        roundTrip(g -> new SGD(g, 0.9, 0, true), false);
        roundTrip(g -> new SGD(g, 0.8, 0.1, false), true);
        roundTrip(g -> new SGD(g, 0, 0, false), false);
    }

    @Test
    void larsResumesBitForBit() {
        roundTrip(g -> new LARS(g, 0.9, 0.001), false);
        roundTrip(g -> new LARS(g, 0.9, 0.001), true);
    }

    @Test
    void stateDictLayout() {
        List<Tensor> ps = params(2);
        AdamW opt = new AdamW(groups(ps));
        assertTrue(opt.stateDict().isEmpty());
        grads(ps, 0);
        opt.step();
        grads(ps, 2);
        opt.step();
        Map<String, NDArray> sd = opt.stateDict();
        // Parameter 1 had no gradient at step 0 and one at step 2 (its count is 1); the others count 2.
        assertEquals(List.of("state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step", "state.1.exp_avg",
                "state.1.exp_avg_sq", "state.1.step", "state.2.exp_avg", "state.2.exp_avg_sq", "state.2.step",
                "state.3.exp_avg", "state.3.exp_avg_sq", "state.3.step"), new ArrayList<>(sd.keySet()));
        assertEquals(DType.I64, sd.get("state.0.step").dtype());
        assertEquals(0, sd.get("state.0.step").rank());
        assertEquals(2.0, sd.get("state.0.step").item());
        assertEquals(1L, opt.stepCount(1));
        assertArrayEquals(new int[] {2, 3, 4}, sd.get("state.3.exp_avg").shape());
        // Copies: changing the dict does not change the optimiser.
        sd.get("state.0.exp_avg").fill(7);
        assertFalse(opt.stateDict().get("state.0.exp_avg").toFloatArray()[0] == 7f);

        SGD sgd = new SGD(groups(params(3)), 0.9, 0, false);
        grads(sgd.allParams(), 0);
        sgd.step();
        assertEquals(List.of("state.0.momentum_buffer", "state.2.momentum_buffer", "state.3.momentum_buffer"),
                new ArrayList<>(sgd.stateDict().keySet()));
        SGD plain = new SGD(groups(params(3)), 0, 0, false);
        grads(plain.allParams(), 0);
        plain.step();
        assertTrue(plain.stateDict().isEmpty());
        LARS lars = new LARS(groups(params(3)));
        grads(lars.allParams(), 3);
        lars.step();
        assertEquals(4, lars.stateDict().size());
        assertTrue(lars.stateDict().containsKey("state.1.mu"));
    }

    @Test
    void malformedStateDictsAreRefusedWhole() {
        List<Tensor> ps = params(4);
        AdamW opt = new AdamW(groups(ps));
        grads(ps, 3);
        opt.step();
        Map<String, NDArray> good = opt.stateDict();
        AdamW fresh = new AdamW(groups(params(4)));

        Map<String, NDArray> wrongShape = new LinkedHashMap<>(good);
        wrongShape.put("state.0.exp_avg", NDArray.zeros(5, 7));
        String msg = assertThrows(IllegalArgumentException.class, () -> fresh.loadStateDict(wrongShape)).getMessage();
        assertTrue(msg.contains("state.0.exp_avg has shape [5, 7], parameter 0 has [7, 5]"), msg);
        assertTrue(fresh.stateDict().isEmpty(), "nothing taken from a refused dict");

        Map<String, NDArray> missing = new LinkedHashMap<>(good);
        missing.remove("state.2.exp_avg_sq");
        msg = assertThrows(IllegalArgumentException.class, () -> fresh.loadStateDict(missing)).getMessage();
        assertTrue(msg.contains("missing state.2.exp_avg_sq"), msg);

        Map<String, NDArray> noStep = new LinkedHashMap<>(good);
        noStep.remove("state.1.step");
        msg = assertThrows(IllegalArgumentException.class, () -> fresh.loadStateDict(noStep)).getMessage();
        assertTrue(msg.contains("missing state.1.step"), msg);

        Map<String, NDArray> extra = new LinkedHashMap<>(good);
        extra.put("state.9.exp_avg", NDArray.zeros(1));
        extra.put("state.0.momentum_buffer", NDArray.zeros(7, 5));
        msg = assertThrows(IllegalArgumentException.class, () -> fresh.loadStateDict(extra)).getMessage();
        assertTrue(msg.contains("unexpected key 'state.9.exp_avg'"), msg);
        assertTrue(msg.contains("unexpected key 'state.0.momentum_buffer' (AdamW keeps [exp_avg, exp_avg_sq] and"
                + " step)"), msg);

        msg = assertThrows(IllegalArgumentException.class,
                () -> new SGD(groups(params(4)), 0.9, 0, false).loadStateDict(good)).getMessage();
        assertTrue(msg.startsWith("SGD.loadStateDict: unexpected key 'state.0.exp_avg'"), msg);

        fresh.loadStateDict(good);
        assertEquals(good.keySet(), fresh.stateDict().keySet());
        // Loading an empty dict resets the state.
        fresh.loadStateDict(Map.of());
        assertTrue(fresh.stateDict().isEmpty());
    }

    @Test
    void stepSkipsParametersWithoutGradientAndRunsUnderNoGrad() {
        List<Tensor> ps = params(5);
        float[] before = ps.get(1).data().toFloatArray();
        AdamW opt = new AdamW(groups(ps));
        grads(ps, 0);
        opt.step();
        assertArrayEquals(before, ps.get(1).data().toFloatArray());
        assertEquals(0L, opt.stepCount(1));
        assertTrue(ps.get(0).requiresGrad() && ps.get(0).isLeaf());
        opt.zeroGrad();
        for (Tensor p : ps) {
            assertNull(p.grad());
        }
    }

    @Test
    void invalidHyperParametersAreNamed() {
        List<ParamGroup> g = groups(params(6));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(g, 0, 0, true)).getMessage()
                .contains("Nesterov momentum requires a momentum > 0 and zero dampening"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(g, 0.9, 0.5, true)).getMessage()
                .contains("dampening 0.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AdamW(g, 0.9, 1.0, 1e-8)).getMessage()
                .contains("betas must be in [0, 1), got (0.9, 1.0)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LARS(g, 0.9, 0)).getMessage()
                .contains("trust coefficient > 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of())).getMessage()
                .contains("no parameter groups"));
        Tensor ints = Tensor.of(NDArray.zeros(DType.I32, 3));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(ints), 0.1)).getMessage()
                .contains("parameters must be floating, got I32"));
    }
}
