package dev.usp4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Module base on a nested model (own parameter, a ModuleList of blocks with persistent and non-persistent
 * buffers and an extra_repr, a BatchNorm1d, a Sequential head): state-dict names and order, named parameters and
 * buffers, strict and non-strict loading with their reports, train/eval propagation, freezing, dtype moves, and the
 * printed tree; the expected names, order and text are what PyTorch 1.13 gives for the same model written in
 * Python.
 */
class ModuleTest {

    static final class Block extends Module {
        final LayerNorm norm1 = registerModule("norm1", new LayerNorm(4));
        final Linear fc = registerModule("fc", new Linear(4, 4));

        Block() {
            registerBuffer("scale", NDArray.ones(1), true);
            registerBuffer("cache", NDArray.zeros(2), false);
        }

        Tensor forward(Tensor x) {
            return fc.forward(norm1.forward(x)).mul(Tensor.of(buffer("scale")));
        }

        @Override
        protected String extraRepr() {
            return "dim=4";
        }
    }

    static final class Net extends Module {
        final Tensor pos = registerParameter("pos_embed", NDArray.zeros(1, 3, 4));
        final ModuleList<Block> blocks = registerModule("blocks", new ModuleList<>(new Block(), new Block()));
        final BatchNorm1d bn = registerModule("bn", new BatchNorm1d(4));
        final Sequential head = registerModule("head", new Sequential(new Linear(4, 8), new GELU(), new Dropout(0.1),
                new Linear(8, 2)));

        /** x [B, 3, 4] → [B, 2]. */
        Tensor forward(Tensor x) {
            Tensor h = x.add(pos);
            for (Block b : blocks) {
                h = b.forward(h);
            }
            return head.forward(bn.forward(h.mean(1)));
        }
    }

    private static final List<String> STATE_KEYS = List.of("pos_embed", "blocks.0.scale", "blocks.0.norm1.weight",
            "blocks.0.norm1.bias", "blocks.0.fc.weight", "blocks.0.fc.bias", "blocks.1.scale", "blocks.1.norm1.weight",
            "blocks.1.norm1.bias", "blocks.1.fc.weight", "blocks.1.fc.bias", "bn.weight", "bn.bias",
            "bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "head.0.weight", "head.0.bias",
            "head.3.weight", "head.3.bias");

    private static final String TREE = """
            Net(
              (blocks): ModuleList(
                (0): Block(
                  dim=4
                  (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)
                  (fc): Linear(in_features=4, out_features=4, bias=True)
                )
                (1): Block(
                  dim=4
                  (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)
                  (fc): Linear(in_features=4, out_features=4, bias=True)
                )
              )
              (bn): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
              (head): Sequential(
                (0): Linear(in_features=4, out_features=8, bias=True)
                (1): GELU(approximate='none')
                (2): Dropout(p=0.1, inplace=False)
                (3): Linear(in_features=8, out_features=2, bias=True)
              )
            )""";

    @Test
    void stateDictNamesAndOrderFollowPyTorch() {
        Net net = new Net();
        assertEquals(STATE_KEYS, new ArrayList<>(net.stateDict().keySet()));
        List<String> params = new ArrayList<>(STATE_KEYS);
        params.removeIf(k -> k.endsWith("scale") || k.startsWith("bn.r") || k.startsWith("bn.n"));
        assertEquals(params, new ArrayList<>(net.namedParameters().keySet()));
        assertEquals(List.of("blocks.0.scale", "blocks.0.cache", "blocks.1.scale", "blocks.1.cache",
                "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"),
                new ArrayList<>(net.namedBuffers().keySet()));
        assertEquals(List.of("", "blocks", "blocks.0", "blocks.0.norm1", "blocks.0.fc", "blocks.1", "blocks.1.norm1",
                "blocks.1.fc", "bn", "head", "head.0", "head.1", "head.2", "head.3"),
                new ArrayList<>(net.namedModules().keySet()));
        assertEquals(12 + 2 * (4 + 4 + 20) + 8 + 40 + 18, net.parameterCount());
        assertEquals(DType.I64, net.stateDict().get("bn.num_batches_tracked").dtype());
        assertEquals(0, net.stateDict().get("bn.num_batches_tracked").rank());
        // The state dict shares the module's arrays.
        assertSame(net.blocks.get(1).fc.weight.data(), net.stateDict().get("blocks.1.fc.weight"));
    }

    @Test
    void toStringPrintsPyTorchsTree() {
        assertEquals(TREE, new Net().toString());
        assertEquals("Identity()", new Identity().toString());
    }

    @Test
    void sharedParametersAppearOnceAmongParametersButUnderEachNameInTheStateDict() {
        Linear shared = new Linear(3, 3);
        Sequential tied = new Sequential(shared, new ReLU(), shared);
        assertEquals(List.of("0.weight", "0.bias"), new ArrayList<>(tied.namedParameters().keySet()));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), new ArrayList<>(tied.stateDict().keySet()));
        assertEquals(12, tied.parameterCount());
    }

    private static Map<String, NDArray> randomState(Net like, long seed) {
        Generator g = new Generator(seed);
        Map<String, NDArray> s = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : like.stateDict().entrySet()) {
            NDArray v = e.getValue();
            s.put(e.getKey(), v.dtype().isFloating() ? NDArray.randn(g, v.shape()) : NDArray.full(v.dtype(), 5));
        }
        return s;
    }

    @Test
    void strictLoadCopiesEverything() {
        Net net = new Net();
        Map<String, NDArray> state = randomState(net, 1);
        LoadReport r = net.loadStateDict(state, true);
        assertTrue(r.isClean());
        assertEquals("all keys matched", r.toString());
        for (Map.Entry<String, NDArray> e : net.stateDict().entrySet()) {
            assertArrayEquals(state.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), e.getKey());
            // Copied, not aliased.
            assertFalse(state.get(e.getKey()) == e.getValue());
        }
        assertEquals(5, net.bn.numBatchesTracked());
        // Another dtype is converted into the parameter's.
        NDArray bf = NDArray.randn(new Generator(2), 4, 4).to(DType.BF16);
        state.put("blocks.0.fc.weight", bf);
        net.loadStateDict(state, true);
        assertEquals(DType.F32, net.blocks.get(0).fc.weight.dtype());
        assertArrayEquals(bf.toFloatArray(), net.blocks.get(0).fc.weight.data().toFloatArray());
    }

    @Test
    void strictLoadRejectsMissingUnexpectedAndMismatchedKeysAndCopiesNothing() {
        Net net = new Net();
        float[] before = ((Linear) net.head.get(0)).weight.data().toFloatArray();
        Map<String, NDArray> state = randomState(net, 3);
        state.remove("bn.running_var");
        state.put("decoder_pred.weight", NDArray.zeros(2, 2));
        state.put("blocks.1.fc.weight", NDArray.zeros(4, 5));
        String m = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(state, true)).getMessage();
        assertTrue(m.contains("1 missing [bn.running_var (model [4])]"), m);
        assertTrue(m.contains("1 unexpected [decoder_pred.weight (checkpoint [2, 2])]"), m);
        assertTrue(m.contains("blocks.1.fc.weight: checkpoint [4, 5], model [4, 4]"), m);
        assertTrue(m.contains("strict") && m.contains("Net"), m);
        assertArrayEquals(before, ((Linear) net.head.get(0)).weight.data().toFloatArray());
    }

    @Test
    void nonStrictLoadReportsAndCopiesWhatMatches() {
        Net net = new Net();
        Map<String, NDArray> state = randomState(net, 4);
        state.remove("pos_embed");
        state.remove("head.3.bias");
        state.put("cls_token", NDArray.zeros(1, 1, 4));
        state.put("head.0.weight", NDArray.zeros(8, 5));
        float[] keptHead = ((Linear) net.head.get(0)).weight.data().toFloatArray();
        LoadReport r = net.loadStateDict(state, false);
        assertEquals(List.of("pos_embed", "head.3.bias"), r.missing());
        assertEquals(List.of("cls_token"), r.unexpected());
        assertEquals(List.of("head.0.weight: checkpoint [8, 5], model [8, 4]"), r.shapeMismatches());
        assertFalse(r.isClean());
        assertTrue(r.toString().startsWith("2 missing [pos_embed, head.3.bias]; 1 unexpected [cls_token]; 1 with"
                + " other shapes"), r.toString());
        assertArrayEquals(keptHead, ((Linear) net.head.get(0)).weight.data().toFloatArray());
        assertArrayEquals(state.get("blocks.1.fc.bias").toFloatArray(), net.blocks.get(1).fc.bias.data()
                .toFloatArray());
        assertArrayEquals(state.get("bn.running_mean").toFloatArray(), net.bn.runningMean().toFloatArray());
    }

    @Test
    void trainAndEvalReachEveryDescendant() {
        Net net = new Net();
        assertTrue(net.namedModules().values().stream().allMatch(Module::isTraining));
        assertSame(net, net.eval());
        assertTrue(net.namedModules().values().stream().noneMatch(Module::isTraining));
        net.head.train(true);
        assertTrue(net.head.get(2).isTraining());
        assertFalse(net.bn.isTraining());
        net.train(true);
        assertTrue(net.namedModules().values().stream().allMatch(Module::isTraining));
        // In eval mode BatchNorm uses its running statistics and Dropout is the identity: repeatable outputs.
        net.eval();
        Tensor x = Tensor.of(NDArray.randn(new Generator(5), 1, 3, 4));
        assertArrayEquals(net.forward(x).data().toFloatArray(), net.forward(x).data().toFloatArray());
        assertEquals(0, net.bn.numBatchesTracked());
        net.train(true);
        net.forward(Tensor.of(NDArray.randn(new Generator(6), 5, 3, 4)));
        assertEquals(1, net.bn.numBatchesTracked());
    }

    @Test
    void freezingStopsGradients() {
        Net net = new Net();
        net.blocks.get(0).requiresGrad(false);
        Tensor x = Tensor.of(NDArray.randn(new Generator(7), 6, 3, 4));
        net.forward(x).sum().backward();
        for (Map.Entry<String, Tensor> e : net.namedParameters().entrySet()) {
            if (e.getKey().startsWith("blocks.0.")) {
                assertFalse(e.getValue().requiresGrad(), e.getKey());
                assertNull(e.getValue().grad(), e.getKey());
            } else {
                assertNotNull(e.getValue().grad(), e.getKey());
            }
        }
        net.zeroGrad();
        assertTrue(net.parameters().stream().allMatch(p -> p.grad() == null));
        net.requiresGrad(false);
        assertTrue(net.parameters().stream().noneMatch(Tensor::requiresGrad));
        assertFalse(net.forward(x).requiresGrad());
        net.requiresGrad(true);
        assertTrue(net.parameters().stream().allMatch(Tensor::requiresGrad));
    }

    @Test
    void toDTypeConvertsFloatingParametersAndBuffersOnly() {
        Net net = new Net();
        float[] w = ((Linear) net.head.get(3)).weight.data().toFloatArray();
        net.to(DType.BF16);
        for (Map.Entry<String, NDArray> e : net.stateDict().entrySet()) {
            DType expected = e.getKey().equals("bn.num_batches_tracked") ? DType.I64 : DType.BF16;
            assertEquals(expected, e.getValue().dtype(), e.getKey());
        }
        assertEquals(DType.BF16, net.namedBuffers().get("blocks.0.cache").dtype());
        assertTrue(net.parameters().stream().allMatch(Tensor::requiresGrad));
        net.to(DType.F32);
        float[] back = ((Linear) net.head.get(3)).weight.data().toFloatArray();
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], back[i], Math.abs(w[i]) / 128, "bf16 round trip of element " + i);
        }
        String m = assertThrows(IllegalArgumentException.class, () -> net.to(DType.I32)).getMessage();
        assertTrue(m.contains("floating") && m.contains("I32"), m);
        assertSame(net, net.to(Device.CPU));
    }

    @Test
    void registrationErrorsNameTheModuleAndTheName() {
        class Bad extends Module {
            void add(String name) {
                registerParameter(name, NDArray.zeros(1));
            }
        }
        Bad b = new Bad();
        b.add("w");
        String m = assertThrows(IllegalArgumentException.class, () -> b.add("w")).getMessage();
        assertTrue(m.contains("'w' is already registered"), m);
        m = assertThrows(IllegalArgumentException.class, () -> b.add("a.b")).getMessage();
        assertTrue(m.contains("'a.b'") && m.contains("no '.'"), m);
    }
}
