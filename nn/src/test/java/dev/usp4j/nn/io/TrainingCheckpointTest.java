package dev.usp4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.Sequential;
import dev.usp4j.nn.UnaryModule;
import dev.usp4j.nn.optim.Optimizer;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.CpuStorage;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and resuming a small training run: bit-identical continuation, strict checks, atomic writes. */
class TrainingCheckpointTest {
    @TempDir
    Path dir;

    @AfterEach
    void resetDefaultGenerator() {
        Generator.manualSeed(0x5eed_0f_05b4L);
    }

    /** SGD with momentum, written only for this test: the checkpoint codes against the abstract Optimizer. */
    static final class MomentumSgd extends Optimizer {
        private final double momentum;
        private final Map<Integer, NDArray> buffers = new HashMap<>();
        private final Map<Integer, Long> steps = new HashMap<>();

        MomentumSgd(List<ParamGroup> groups, double momentum) {
            super(groups);
            this.momentum = momentum;
        }

        @Override
        public void step() {
            try (GradMode.Scope s = GradMode.noGrad()) {
                int i = 0;
                for (ParamGroup g : paramGroups()) {
                    for (Tensor p : g.params()) {
                        if (p.grad() != null) {
                            NDArray b = buffers.computeIfAbsent(i, k -> p.data().zerosLike());
                            b.mulInPlace(momentum).addInPlace(p.grad());
                            p.data().subInPlace(b.mul(g.effectiveLr()));
                            steps.merge(i, 1L, Long::sum);
                        }
                        i++;
                    }
                }
            }
        }

        @Override
        public Map<String, NDArray> stateDict() {
            Map<String, NDArray> m = new LinkedHashMap<>();
            for (int i : buffers.keySet().stream().sorted().toList()) {
                m.put("state." + i + ".momentum_buffer", buffers.get(i).copy());
                m.put("state." + i + ".step", NDArray.of(CpuStorage.wrap(new long[] {steps.get(i)})));
            }
            return m;
        }

        @Override
        public void loadStateDict(Map<String, NDArray> state) {
            buffers.clear();
            steps.clear();
            state.forEach((k, v) -> {
                String[] parts = k.split("\\.");
                int i = Integer.parseInt(parts[1]);
                switch (parts[2]) {
                    case "momentum_buffer" -> buffers.put(i, v.copy());
                    case "step" -> steps.put(i, v.toLongArray()[0]);
                    default -> throw new IllegalArgumentException("MomentumSgd: unknown state key " + k);
                }
            });
        }
    }

    /** A layer with an integer buffer, so buffers travel too. */
    static final class Counted extends UnaryModule {
        Counted() {
            registerBuffer("calls", NDArray.zeros(DType.I64), true);
        }

        @Override
        public Tensor forward(Tensor x) {
            buffer("calls").addInPlace(1);
            return x;
        }
    }

    private static Sequential model(int out) {
        return new Sequential(new Linear(4, 8), new Counted(), new Linear(8, out));
    }

    /** One step: data from {@code data}, a dropout-like mask from the default generator, EMA update. */
    private static void trainStep(Sequential m, Sequential ema, Optimizer opt, Generator data) {
        NDArray x = NDArray.randn(data, 5, 4);
        NDArray mask = NDArray.rand(Generator.defaultGenerator(), 5, 2).gt(0.3).to(DType.F32);
        opt.zeroGrad();
        m.forward(Tensor.of(x)).mul(Tensor.of(mask)).square().mean().backward();
        opt.step();
        try (GradMode.Scope s = GradMode.noGrad()) {
            Map<String, NDArray> src = m.stateDict();
            for (Map.Entry<String, NDArray> e : ema.stateDict().entrySet()) {
                if (e.getValue().dtype().isFloating()) {
                    e.getValue().mulInPlace(0.9).addInPlace(src.get(e.getKey()).mul(0.1));
                }
            }
        }
    }

    private static void assertSameState(Module want, Module got) {
        Map<String, NDArray> a = want.stateDict();
        Map<String, NDArray> b = got.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            if (a.get(k).dtype() == DType.I64) {
                assertArrayEquals(a.get(k).toLongArray(), b.get(k).toLongArray(), k);
            } else {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
            }
        }
    }

    private static TrainingCheckpoint checkpoint(Sequential m, Sequential ema, Optimizer opt, Generator data) {
        return new TrainingCheckpoint(m).withEma(ema).withOptimizer(opt).withGenerator("data", data);
    }

    @Test
    void resumesBitForBit() throws IOException {
        Generator.manualSeed(11);
        Sequential m = model(2);
        Sequential ema = model(2);
        ema.loadStateDict(m.stateDict(), true);
        MomentumSgd opt = new MomentumSgd(List.of(new ParamGroup(m.parameters(), 0.05, 0)), 0.9);
        Generator data = new Generator(5);
        for (int s = 0; s < 3; s++) {
            trainStep(m, ema, opt, data);
        }
        Path p = dir.resolve("ckpt.safetensors");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", "tiny");
        config.put("lr", 0.05);
        config.put("layers", List.of(4L, 8L, 2L));
        checkpoint(m, ema, opt, data).save(p, 3, config);
        for (int s = 0; s < 3; s++) {
            trainStep(m, ema, opt, data);
        }
        float[] nextDraw = NDArray.randn(Generator.defaultGenerator(), 7).toFloatArray();

        // A fresh process, as far as the run's state goes: other seeds, other weights, an empty optimiser.
        Generator.manualSeed(999);
        NDArray.randn(Generator.defaultGenerator(), 100);
        Sequential m2 = model(2);
        Sequential ema2 = model(2);
        MomentumSgd opt2 = new MomentumSgd(List.of(new ParamGroup(m2.parameters(), 0.5, 0.1)), 0.9);
        Generator data2 = new Generator(5);
        TrainingCheckpoint.Restored r = checkpoint(m2, ema2, opt2, data2).load(p);
        assertEquals(3, r.step());
        assertEquals(config, r.config());
        assertTrue(r.model().isClean() && r.ema().isClean() && r.problems().isEmpty());
        assertEquals(0.05, opt2.paramGroups().getFirst().lr());
        assertEquals(0.0, opt2.paramGroups().getFirst().weightDecay());
        assertEquals(11, Generator.defaultGenerator().seed());
        for (int s = 0; s < 3; s++) {
            trainStep(m2, ema2, opt2, data2);
        }
        assertSameState(m, m2);
        assertSameState(ema, ema2);
        assertArrayEquals(nextDraw, NDArray.randn(Generator.defaultGenerator(), 7).toFloatArray());
        assertEquals(data.state(), data2.state());

        try (SafetensorsFile f = Safetensors.open(p)) {
            assertTrue(f.contains("model.0.weight") && f.contains("ema.1.calls") && f.contains(
                    "optim.state.0.momentum_buffer"), f.names().toString());
            assertEquals("3", f.metadata().get("step"));
            assertTrue(f.metadata().get("rng").contains("\"data\":{\"seed\":5,"), f.metadata().get("rng"));
        }
    }

    @Test
    void strictLoadListsEveryProblemAndChangesNothing() throws IOException {
        Sequential m = model(2);
        Sequential ema = model(2);
        MomentumSgd opt = new MomentumSgd(List.of(new ParamGroup(m.parameters(), 0.05, 0)), 0.9);
        Generator data = new Generator(5);
        trainStep(m, ema, opt, data);
        Path p = dir.resolve("ckpt.safetensors");
        checkpoint(m, ema, opt, data).save(p, 1, Map.of());

        Sequential other = model(3);
        NDArray before = other.stateDict().get("0.weight").copy();
        Sequential otherEma = model(3);
        MomentumSgd otherOpt = new MomentumSgd(List.of(new ParamGroup(other.parameters(), 0.05, 0)), 0.9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> checkpoint(other, otherEma, otherOpt, new Generator(6)).load(p));
        String msg = e.getMessage();
        assertTrue(msg.contains("ckpt.safetensors") && msg.contains("nothing was loaded"), msg);
        assertTrue(msg.contains("model: 2 with other shapes [2.weight: checkpoint [2, 8], model [3, 8], 2.bias"), msg);
        assertTrue(msg.contains("ema: 2 with other shapes"), msg);
        assertTrue(msg.contains("rng: generator 'data' has seed 6, the checkpoint's has seed 5"), msg);
        assertArrayEquals(before.toFloatArray(), other.stateDict().get("0.weight").toFloatArray());

        // A model without EMA or optimizer configured: the extra parts are reported.
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> new TrainingCheckpoint(model(2)).load(p));
        assertTrue(e2.getMessage().contains("no EMA was configured")
                && e2.getMessage().contains("no optimizer was configured")
                && e2.getMessage().contains("generator 'data', which was not configured"), e2.getMessage());

        // Non-strict: the model loads, the problems come back.
        Sequential lenient = model(2);
        TrainingCheckpoint.Restored r = new TrainingCheckpoint(lenient).load(p, false);
        assertEquals(3, r.problems().size(), r.problems().toString());
        assertSameState(m, lenient);
    }

    @Test
    void optimizerMismatchesAreReported() throws IOException {
        Sequential m = model(2);
        MomentumSgd opt = new MomentumSgd(List.of(new ParamGroup(m.parameters(), 0.05, 0)), 0.9);
        trainStep(m, model(2), opt, new Generator(1));
        Path p = dir.resolve("o.safetensors");
        new TrainingCheckpoint(m).withOptimizer(opt).save(p, 1, null);
        Sequential m2 = model(2);
        List<Tensor> ps = m2.parameters();
        MomentumSgd twoGroups = new MomentumSgd(List.of(new ParamGroup(ps.subList(0, 2), 0.05, 0),
                new ParamGroup("rest", ps.subList(2, ps.size()), 0.05, 0, 1)), 0.9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingCheckpoint(m2).withOptimizer(twoGroups).load(p));
        assertTrue(e.getMessage().contains("optimizer: 1 saved param groups, 2 configured"), e.getMessage());
        MomentumSgd fewer = new MomentumSgd(List.of(new ParamGroup(ps.subList(0, 2), 0.05, 0)), 0.9);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> new TrainingCheckpoint(m2).withOptimizer(fewer).load(p));
        assertTrue(e2.getMessage().contains("had 4 parameters, has 2")
                && e2.getMessage().contains("state for parameter 3"), e2.getMessage());
    }

    @Test
    void writesAtomicallyAndRefusesOtherFiles() throws IOException {
        Sequential m = model(2);
        Path p = dir.resolve("a.safetensors");
        TrainingCheckpoint c = new TrainingCheckpoint(m);
        c.save(p, 1, Map.of("run", "first"));
        c.save(p, 2, Map.of("run", "second"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> c.save(p, 3, Map.of("lr", Double.NaN)));
        assertTrue(bad.getMessage().contains("config.lr is NaN"), bad.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList(), "no temporary file may remain");
        }
        TrainingCheckpoint.Restored r = c.load(p);
        assertEquals(2, r.step());
        assertEquals("second", r.config().get("run"));

        Path plain = dir.resolve("plain.safetensors");
        Safetensors.save(plain, m.stateDict(), Map.of("format", "pt"));
        IOException e = assertThrows(IOException.class, () -> c.load(plain));
        assertTrue(e.getMessage().contains("not a usp4j training checkpoint"), e.getMessage());
    }

    @Test
    void emaKeptAsNamedArraysRoundTrips() throws IOException {
        Sequential m = model(2);
        Map<String, NDArray> ema = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> ema.put(k, v.copy().mulInPlace(v.dtype().isFloating() ? 2 : 1)));
        Path p = dir.resolve("e.safetensors");
        new TrainingCheckpoint(m).withEma(() -> ema, s -> { }).save(p, 5, Map.of());
        Map<String, NDArray> restored = new LinkedHashMap<>();
        Map<String, NDArray> template = new LinkedHashMap<>(ema);
        new TrainingCheckpoint(m).withEma(() -> template, restored::putAll).load(p);
        assertEquals(ema.keySet(), restored.keySet());
        assertArrayEquals(ema.get("0.weight").toFloatArray(), restored.get("0.weight").toFloatArray());
        assertFalse(restored.isEmpty());
    }
}
