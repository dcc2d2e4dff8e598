package dev.usp4j.diffusion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DiT and SiT behaviour the golden cases do not pin: DiT's zero initialisation (a fresh model predicts zeros),
 * training-time label dropout at its rate, the CFG forward's shape rules, SiT keeping the first C channels, and the
 * errors for bad inputs and configs.
 */
class DiTModelTest {
    private static final DiTConfig SMALL = new DiTConfig(8, 2, 4, 32, 2, 4, 4.0, 0.1, 10, true, false);

    @Test
    void freshModelIsAdaLnZero() {
        DiT dit = new DiT(SMALL, new Generator(1));
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor out = dit.forward(Tensor.of(NDArray.randn(new Generator(2), 2, 4, 8, 8)),
                    NDArray.of(new long[] {3, 700}, 2), NDArray.of(new long[] {1, 9}, 2));
            assertArrayEquals(new int[] {2, 8, 8, 8}, out.shape(), "learned sigma doubles the channels");
            assertEquals(0.0, out.data().abs().max().item(), 0.0, "zeroed final layer");
        }
        for (DiTBlock b : dit.blocks) {
            assertEquals(0.0, b.modulationLinear().weight.data().abs().max().item(), 0.0);
        }
        // the table DiT computes: sin-cos, frozen, and the parameters that train exclude it
        assertTrue(!dit.posEmbed.requiresGrad());
        assertEquals(1.0, dit.posEmbed.data().narrow(1, 0, 1).narrow(2, 8, 1).item(), 1e-6, "cos(0) of row 0");
    }

    @Test
    void labelDropoutInTrainingAtItsRate() {
        LabelEmbedder emb = new LabelEmbedder(10, 8, 0.1).setGenerator(new Generator(3));
        int n = 20_000;
        NDArray labels = NDArray.randint(new Generator(4), 0, 10, n);
        long[] dropped = emb.tokenDrop(labels, null).toLongArray();
        long[] orig = labels.toLongArray();
        int nulls = 0;
        for (int i = 0; i < n; i++) {
            if (dropped[i] == 10) {
                nulls++;
            } else {
                assertEquals(orig[i], dropped[i]);
            }
        }
        // Binomial(20000, 0.1): mean 2000, sd 42
        assertEquals(2000, nulls, 200);
        // forced drops decide exactly, in eval too
        long[] forced = emb.tokenDrop(NDArray.of(new long[] {1, 2, 3}, 3), NDArray.of(new long[] {0, 1, 0}, 3))
                .toLongArray();
        assertArrayEquals(new long[] {1, 10, 3}, forced);
        String e = assertThrows(IllegalArgumentException.class, () -> new LabelEmbedder(10, 8, 0.0)
                .tokenDrop(NDArray.of(new long[] {1}, 1), NDArray.of(new long[] {1}, 1))).getMessage();
        assertTrue(e.contains("null-class"), e);
        String range = assertThrows(IllegalArgumentException.class, () -> emb.forward(NDArray.of(new long[] {11}, 1),
                false, null)).getMessage();
        assertTrue(range.contains("11") && range.contains("[0, 11)"), range);
    }

    @Test
    void cfgAndSiTShapes() {
        SiT sit = new SiT(SMALL, new Generator(5));
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor x = Tensor.of(NDArray.randn(new Generator(6), 4, 4, 8, 8));
            NDArray t = NDArray.of(new float[] {0.2f, 0.2f, 0.9f, 0.9f}, 4);
            NDArray y = NDArray.of(new long[] {1, 2, 10, 10}, 4);
            assertArrayEquals(new int[] {4, 4, 8, 8}, sit.forward(x, t, y).shape(), "SiT keeps the first C channels");
            assertArrayEquals(new int[] {4, 4, 8, 8}, sit.forwardWithCfg(x, t, y, 4.0).shape());
            String odd = assertThrows(IllegalArgumentException.class, () -> sit.forwardWithCfg(x.narrow(0, 0, 3),
                    t.narrow(0, 0, 3), y.narrow(0, 0, 3), 4.0)).getMessage();
            assertTrue(odd.contains("even batch") && odd.contains("[3, 4, 8, 8]"), odd);
            String bad = assertThrows(IllegalArgumentException.class, () -> sit.forward(x.narrow(1, 0, 3), t, y))
                    .getMessage();
            assertTrue(bad.contains("[3") || bad.contains("3, 8, 8"), bad);
        }
    }

    @Test
    void configErrorsNameTheArgument() {
        String div = assertThrows(IllegalArgumentException.class,
                () -> DiTConfig.fromJson(Map.of("input_size", 30, "patch_size", 4))).getMessage();
        assertTrue(div.contains("input_size (30)") && div.contains("patch_size (4)"), div);
        String heads = assertThrows(IllegalArgumentException.class,
                () -> DiTConfig.fromJson(Map.of("hidden_size", 100, "num_heads", 8))).getMessage();
        assertTrue(heads.contains("hidden_size (100)") && heads.contains("num_heads (8)"), heads);
        String type = assertThrows(IllegalArgumentException.class,
                () -> DiTConfig.fromJson(Map.of("learn_sigma", "yes"))).getMessage();
        assertTrue(type.contains("learn_sigma"), type);
        assertEquals(SMALL, DiTConfig.fromJson(SMALL.toJson()));
        assertEquals(DiTConfigs.named("DiT-XL/2"), DiTConfig.defaults());
        assertTrue(DiTConfigs.named("DiT-B/2-VAE-simple").affineNorm());
        assertTrue(!DiTConfigs.named("DiT-B/2-VAE-simple-dnln").affineNorm());
    }
}
