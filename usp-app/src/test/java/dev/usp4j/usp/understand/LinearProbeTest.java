package dev.usp4j.usp.understand;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.TestCaches;
import dev.usp4j.usp.pretrain.TrainSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The linear probe on a tiny MAE's encoder: the frozen backbone stays bit-identical while the BatchNorm + Linear
 * head learns an easy synthetic latent set well above chance; resuming is bit-identical; other weights are refused.
 */
class LinearProbeTest {
    @TempDir
    Path dir;

    static Map<String, NDArray> maeWeights(long seed) {
        return maeWeights(seed, 1);
    }

    /** A freshly initialised tiny MAE with {@code depth} encoder blocks, as a state dict. */
    static Map<String, NDArray> maeWeights(long seed, int depth) {
        MaeConfig m = TestCaches.tinyMae();
        MaeConfig c = new MaeConfig(m.imgSize(), m.patchSize(), m.inChans(), m.embedDim(), depth, m.numHeads(),
                m.decoderEmbedDim(), m.decoderDepth(), m.decoderNumHeads(), m.mlpRatio(), true, 0.75);
        Generator.manualSeed(seed); // layer construction draws from the default generator (the conv bias keeps it)
        return new MaskedAutoencoderViT(c, Generator.defaultGenerator()).stateDict();
    }

    /** blr 60 at batch 32 gives lr 7.5: LARS's trust ratio 0.001 makes each step a small relative change. */
    static LinearProbeConfig tiny(LrPlan plan) {
        VitConfig vit = TestCaches.tinyVit(1, 4);
        return LinearProbeConfig.defaults(vit).withTrain(new TrainSettings(32, 60, 0, 0, plan, 0, 11));
    }

    @Test
    void frozenBackboneStaysBitIdenticalWhileTheHeadLearns() throws Exception {
        try (LatentCache train = TestCaches.cache(dir, "train", 128, 4, 1, true);
             LatentCache test = TestCaches.cache(dir, "test", 64, 4, 2, false)) {
            LinearProbe p = new LinearProbe(tiny(LrPlan.steps(4, 100)), maeWeights(3), train, null);
            assertEquals(List.of("head.0.running_mean", "head.0.running_var", "head.0.num_batches_tracked",
                    "head.1.weight", "head.1.bias"), p.pretrainedReport().missing());
            assertTrue(p.pretrainedReport().unexpected().contains("mask_token"));
            Map<String, float[]> before = snapshot(p.model().stateDict());
            double chance = p.evaluate(test);
            p.train(100, null);
            Map<String, NDArray> after = p.model().stateDict();
            for (String k : before.keySet()) {
                boolean same = java.util.Arrays.equals(before.get(k), after.get(k).toFloatArray());
                if (k.startsWith("head.")) {
                    if (!k.endsWith("num_batches_tracked")) {
                        assertFalse(same, k + " should change");
                    }
                } else {
                    assertTrue(same, "backbone " + k + " changed");
                }
            }
            assertEquals(100, after.get("head.0.num_batches_tracked").toLongArray()[0]);
            double acc = p.evaluate(test);
            assertTrue(acc >= 0.7, "top-1 " + acc + " (before training " + chance + ", chance 0.25)");

            List<ParamGroup> groups = p.optimizer().paramGroups();
            assertEquals(1, groups.size());
            assertEquals(0.0, groups.get(0).weightDecay());
            assertEquals(List.of("head.1.weight", "head.1.bias"), List.copyOf(p.paramGroupsByName().keySet()));
            assertEquals(0.9, p.optimizer().momentum());
        }
    }

    /** The values now: a state dict shares the model's arrays. */
    static Map<String, float[]> snapshot(Map<String, NDArray> state) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k, v.copy().toFloatArray()));
        return out;
    }

    @Test
    void resumedProbeIsBitIdentical() throws Exception {
        try (LatentCache train = TestCaches.cache(dir, "train", 64, 4, 1, true)) {
            LinearProbeConfig cfg = tiny(LrPlan.epochs(1, 3));
            LinearProbe straight = new LinearProbe(cfg, maeWeights(3), train, null);
            straight.train(6, null);
            Path ckpt = dir.resolve("probe.safetensors");
            new LinearProbe(cfg, maeWeights(3), train, ckpt).train(3, null);
            Generator.manualSeed(5);
            LinearProbe resumed = LinearProbe.resume(ckpt, train, null);
            assertEquals(3, resumed.step());
            resumed.train(6, null);
            Map<String, NDArray> a = straight.model().stateDict();
            Map<String, NDArray> b = resumed.model().stateDict();
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
            }
        }
    }

    @Test
    void weightsOfAnotherModelAndBadConfigsAreRefused() throws Exception {
        try (LatentCache train = TestCaches.cache(dir, "train", 32, 4, 1, false)) {
            LinearProbeConfig cfg = tiny(LrPlan.steps(1, 10));
            Map<String, NDArray> notMae = Map.of("x_embedder.proj.weight", NDArray.zeros(32, 4, 2, 2));
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> new LinearProbe(cfg, notMae, train, null));
            assertTrue(e.getMessage().contains("not an MAE encoder") && e.getMessage().contains("blocks.0.attn.qkv"),
                    e.getMessage());
            VitConfig wide = new VitConfig(8, 2, 4, 4, 48, 1, 2, 2.0, VitConfig.GlobalPool.AVG, 0, false);
            LinearProbeConfig wideCfg = LinearProbeConfig.defaults(wide).withTrain(cfg.train());
            e = assertThrows(IllegalArgumentException.class, () -> new LinearProbe(wideCfg, maeWeights(1), train,
                    null));
            assertTrue(e.getMessage().contains("size mismatch") && e.getMessage().contains("[1, 17, 32]"),
                    e.getMessage());
            Path ckpt = dir.resolve("probe.safetensors");
            new LinearProbe(cfg, maeWeights(1), train, ckpt).train(1, null);
            e = assertThrows(IllegalArgumentException.class, () -> FineTune.resume(ckpt, train, null));
            assertTrue(e.getMessage().contains("usp-linear-probe"), e.getMessage());
        }
        e2();
    }

    private static void e2() {
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> new LinearProbeConfig(TestCaches.tinyVit(1, 4), tiny(LrPlan.steps(1, 2)).train(), 0.9, 0.001));
        assertTrue(e.getMessage().contains("forLinearProbe"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new LinearProbeConfig(TestCaches.tinyVit(1, 4).forLinearProbe(), tiny(LrPlan.steps(1, 2))
                        .train(), 0.9, 0));
        assertTrue(e.getMessage().contains("trust_coefficient"), e.getMessage());
        LinearProbeConfig d = LinearProbeConfig.fromMap(Map.of("model", "ViT-B/2", "num_classes", 10));
        assertEquals(10, d.model().numClasses());
        assertEquals(VitConfig.GlobalPool.TOKEN, d.model().globalPool());
        assertEquals(0.1 * 512 / 256, d.train().lr(), 0.0);
        assertEquals(LrPlan.epochs(10, 90), d.train().plan());
        assertEquals(d, LinearProbeConfig.fromMap(d.toMap()));
    }
}
