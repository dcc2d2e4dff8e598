package dev.usp4j.usp.understand;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.TestCaches;
import dev.usp4j.usp.pretrain.TrainMetrics;
import dev.usp4j.usp.pretrain.TrainSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning a tiny MAE encoder: the layer-wise lr of a 2-block ViT follows BEiT's rule, weight decay skips 1-D
 * parameters, pos_embed and cls_token, the classifier learns, and a resumed run (drop path on) is bit-identical.
 */
class FineTuneTest {
    @TempDir
    Path dir;

    static FineTuneConfig tiny(int depth, LrPlan plan) {
        return FineTuneConfig.recipe(TestCaches.tinyVit(depth, 4))
                .withTrain(new TrainSettings(16, 0.032, 1e-6, 0.05, plan, 0, 13));
    }

    @Test
    void layerWiseLrFollowsBeitsRuleForTwoBlocks() throws Exception {
        try (LatentCache train = TestCaches.cache(dir, "train", 32, 4, 1, false)) {
            FineTune f = new FineTune(tiny(2, LrPlan.steps(0, 10)), LinearProbeTest.maeWeights(3, 2), train,
                    null);
            assertEquals(List.of("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias"),
                    f.pretrainedReport().missing());
            f.train(1, null);
            double peak = 0.032 * 16 / 256;
            Map<String, ParamGroup> groups = f.paramGroupsByName();
            assertEquals(f.model().namedParameters().keySet(), groups.keySet());
            for (Map.Entry<String, ParamGroup> e : groups.entrySet()) {
                String n = e.getKey();
                int id = n.equals("cls_token") || n.equals("pos_embed") || n.startsWith("patch_embed.") ? 0
                        : n.startsWith("blocks.0.") ? 1 : n.startsWith("blocks.1.") ? 2 : 3;
                double scale = Math.pow(0.75, 3 - id);
                assertEquals(scale, e.getValue().lrScale(), 1e-15, n);
                assertEquals(peak * scale, e.getValue().effectiveLr(), 1e-15, n);
                boolean noDecay = f.model().namedParameters().get(n).rank() == 1 || n.equals("cls_token")
                        || n.equals("pos_embed");
                assertEquals(noDecay ? 0.0 : 0.05, e.getValue().weightDecay(), n);
            }
            assertEquals(0.5625, groups.get("blocks.0.attn.qkv.weight").lrScale(), 0.0);
            assertEquals(0.421875, groups.get("patch_embed.proj.weight").lrScale(), 0.0);
            assertEquals(1.0, groups.get("head.weight").lrScale(), 0.0);
            assertEquals(0.999, f.optimizer().beta2());
            assertEquals(0.1, f.model().config().dropPathRate());
        }
    }

    @Test
    void classifierLearnsTheSyntheticLatents() throws Exception {
        try (LatentCache train = TestCaches.cache(dir, "train", 64, 4, 1, true);
             LatentCache test = TestCaches.cache(dir, "test", 32, 4, 2, false)) {
            FineTune f = new FineTune(tiny(1, LrPlan.steps(3, 40)), LinearProbeTest.maeWeights(3), train, null);
            List<TrainMetrics> seen = new ArrayList<>();
            f.train(40, seen::add);
            double first = seen.subList(0, 5).stream().mapToDouble(TrainMetrics::loss).average().orElseThrow();
            double last = seen.subList(35, 40).stream().mapToDouble(TrainMetrics::loss).average().orElseThrow();
            assertTrue(last < 0.7 * first, "loss " + first + " -> " + last);
            double acc = f.evaluate(test);
            assertTrue(acc >= 0.6, "top-1 " + acc + " (chance 0.25)");
        }
    }

    @Test
    void resumedFineTuneWithDropPathIsBitIdentical() throws Exception {
        try (LatentCache train = TestCaches.cache(dir, "train", 32, 4, 1, true)) {
            FineTuneConfig cfg = tiny(2, LrPlan.epochs(1, 4));
            FineTune straight = new FineTune(cfg, LinearProbeTest.maeWeights(3, 2), train, null);
            straight.train(6, null);
            Path ckpt = dir.resolve("ft.safetensors");
            new FineTune(cfg, LinearProbeTest.maeWeights(3, 2), train, ckpt).train(3, null);
            Generator.manualSeed(77);
            FineTune resumed = FineTune.resume(ckpt, train, null);
            resumed.train(6, null);
            Map<String, NDArray> a = straight.model().stateDict();
            Map<String, NDArray> b = resumed.model().stateDict();
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
            }
            Map<String, NDArray> oa = straight.optimizer().stateDict();
            Map<String, NDArray> ob = resumed.optimizer().stateDict();
            assertEquals(oa.keySet(), ob.keySet());
            for (String k : oa.keySet()) {
                assertArrayEquals(oa.get(k).toFloatArray(), ob.get(k).toFloatArray(), k);
            }
        }
    }

    @Test
    void badConfigsAreRefused() {
        FineTuneConfig d = tiny(1, LrPlan.steps(1, 2));
        Exception e = assertThrows(IllegalArgumentException.class, () -> new FineTuneConfig(d.model(), d.train(),
                0, 0.1, 0.9, 0.999));
        assertTrue(e.getMessage().contains("layer_decay"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FineTuneConfig(d.model(), d.train(), 0.75, 1.0,
                0.9, 0.999));
        assertTrue(e.getMessage().contains("smoothing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FineTuneConfig.defaults(d.model().forLinearProbe()));
        assertTrue(e.getMessage().contains("linear-probe head"), e.getMessage());
        FineTuneConfig named = FineTuneConfig.fromMap(Map.of("model", "ViT-L/2", "num_classes", 100));
        assertEquals(0.1, named.model().dropPathRate());
        assertEquals(VitConfig.GlobalPool.AVG, named.model().globalPool());
        assertEquals(LrPlan.epochs(5, 50), named.train().plan());
        assertEquals(1e-6, named.train().minLr());
        assertEquals(named, FineTuneConfig.fromMap(named.toMap()));
    }
}
