package dev.usp4j.nn.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import dev.usp4j.tensor.random.Generator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The MAE and ViT beyond the golden numbers: parameter counts of the named sizes against the PyTorch reference's
 * built models (by arithmetic here, checked against a built small model), configs by name and from constructor
 * arguments, the masking's bookkeeping, checkpoint tables loaded rather than recomputed, and loading errors that name
 * the tensor and both shapes.
 */
class MaeModelTest {
    private static final Map<String, Object> SMALL = Map.of("img_size", 8, "patch_size", 2, "in_chans", 4,
            "embed_dim", 24, "depth", 2, "num_heads", 3, "decoder_embed_dim", 16, "decoder_depth", 1,
            "decoder_num_heads", 2, "norm_pix_loss", true);

    @Test
    @SuppressWarnings("unchecked")
    void namedParameterCountsEqualThePyTorchModels() {
        GoldenCase c = GoldenFile.load("mae_full").stream().filter(g -> g.op().equals("param_counts")).findFirst()
                .orElseThrow();
        Map<String, Map<String, Number>> counts = (Map<String, Map<String, Number>>) c.args().get("counts");
        assertTrue(counts.size() >= 8, "fixture lists MAE and ViT sizes: " + counts.keySet());
        for (Map.Entry<String, Map<String, Number>> e : counts.entrySet()) {
            Map<String, Number> want = e.getValue();
            if (e.getKey().startsWith("MAE-")) {
                MaeConfig cfg = MaeConfigs.named(e.getKey());
                assertEquals(want.get("total").longValue(), cfg.parameterCount(), e.getKey() + " total");
                assertEquals(want.get("trainable").longValue(), cfg.trainableParameterCount(), e.getKey());
                assertEquals(want.get("encoder").longValue(), cfg.encoderParameterCount(), e.getKey());
                assertEquals(want.get("decoder").longValue(), cfg.decoderParameterCount(), e.getKey());
            } else {
                assertEquals(want.get("total").longValue(), MaeConfigs.vit(e.getKey()).parameterCount(), e.getKey());
            }
        }
        // MAE-ViT-B/2 on 28×28 latents: 110.9M with its 512 × 8 decoder (USP's base pretraining model).
        assertEquals(counts.get("MAE-ViT-B/2").get("total").longValue(), MaeConfigs.named("vit_base_patch_vae")
                .parameterCount());
    }

    @Test
    void arithmeticCountsEqualTheBuiltModels() {
        MaeConfig cfg = MaeConfigs.fromMap(SMALL);
        MaskedAutoencoderViT mae = new MaskedAutoencoderViT(cfg);
        assertEquals(cfg.parameterCount(), mae.parameterCount());
        long trainable = mae.namedParameters().values().stream().filter(Tensor::requiresGrad)
                .mapToLong(Tensor::numel).sum();
        assertEquals(cfg.trainableParameterCount(), trainable);
        VitConfig v = MaeConfigs.vit("ViT-T/2").withImgSize(8).withNumClasses(10);
        assertEquals(v.parameterCount(), new VisionTransformer(v).parameterCount());
    }

    @Test
    void configsByNameAndFromConstructorArguments() {
        MaeConfig b = MaeConfigs.named("MAE-ViT-B/2");
        assertEquals(768, b.embedDim());
        assertEquals(12, b.depth());
        assertEquals(196, b.numPatches());
        assertEquals(512, b.decoderEmbedDim());
        assertEquals(8, b.decoderDepth());
        assertEquals(16, b.patchDim());
        assertEquals(b, MaeConfigs.named("vit_base_patch_vae"));
        assertEquals(1152, MaeConfigs.named("MAE-ViT-XL/2").embedDim());
        assertEquals(4, MaeConfigs.named("vit_large_patch_vae_2").patchSize());
        assertEquals(b, MaeConfigs.fromMap(b.toMap()));
        assertEquals(b, MaeConfigs.fromJson("{\"model\": \"MAE-ViT-B/2\"}"));
        MaeConfig small = MaeConfigs.fromJson("{\"img_size\": 8, \"patch_size\": 2, \"in_chans\": 4, \"embed_dim\": 24,"
                + " \"depth\": 2, \"num_heads\": 3, \"decoder_embed_dim\": 16, \"decoder_depth\": 1,"
                + " \"decoder_num_heads\": 2, \"mlp_ratio\": 4.0, \"norm_pix_loss\": true}");
        assertEquals(MaeConfigs.fromMap(SMALL), small);
        String unknownKey = assertThrows(IllegalArgumentException.class,
                () -> MaeConfigs.fromJson("{\"embed_dims\": 24}")).getMessage();
        assertTrue(unknownKey.contains("embed_dims"), unknownKey);
        String unknownName = assertThrows(IllegalArgumentException.class, () -> MaeConfigs.named("MAE-ViT-Q/2"))
                .getMessage();
        assertTrue(unknownName.contains("MAE-ViT-Q/2") && unknownName.contains("MAE-ViT-B/2"), unknownName);
        assertThrows(IllegalArgumentException.class, () -> MaeConfigs.fromMap(Map.of("img_size", 9,
                "patch_size", 2)));
    }

    @Test
    void maskingKeepsTheSmallestNoiseAndRestoresTheOrder() {
        Generator gen = new Generator(7);
        int n = 3;
        int l = 16;
        Tensor x = Tensor.of(NDArray.randn(gen, n, l, 5));
        NDArray noise = NDArray.rand(gen, n, l);
        MaskedTokens m = MaskedAutoencoderViT.randomMasking(x, 0.75, noise);
        assertArrayEquals(new int[] {n, 4, 5}, m.tokens().shape());
        float[] u = noise.toFloatArray();
        long[] keep = m.idsKeep().toLongArray();
        long[] restore = m.idsRestore().toLongArray();
        float[] mask = m.mask().toFloatArray();
        for (int b = 0; b < n; b++) {
            Set<Long> kept = new HashSet<>();
            for (int j = 0; j < 4; j++) {
                kept.add(keep[b * 4 + j]);
            }
            int removed = 0;
            for (int i = 0; i < l; i++) {
                // kept exactly the four tokens with the smallest noise
                int rank = 0;
                for (int k = 0; k < l; k++) {
                    rank += u[b * l + k] < u[b * l + i] ? 1 : 0;
                }
                assertEquals(rank, restore[b * l + i], "ids_restore is the rank of the noise");
                assertEquals(rank < 4, kept.contains((long) i));
                assertEquals(rank < 4 ? 0f : 1f, mask[b * l + i]);
                removed += (int) mask[b * l + i];
            }
            assertEquals(12, removed);
            for (int j = 0; j < 4; j++) {
                int src = (int) keep[b * 4 + j];
                for (int d = 0; d < 5; d++) {
                    assertEquals(x.data().get(b, src, d), m.tokens().data().get(b, j, d), 0.0);
                }
            }
        }
        String bad = assertThrows(IllegalArgumentException.class,
                () -> MaskedAutoencoderViT.randomMasking(x, 0.75, NDArray.rand(gen, n, l + 1))).getMessage();
        assertTrue(bad.contains("[3, 16]") && bad.contains("[3, 17]"), bad);
    }

    @Test
    void lossCountsOnlyTheRemovedPatches() {
        MaskedAutoencoderViT mae = new MaskedAutoencoderViT(MaeConfigs.fromMap(SMALL), new Generator(1));
        Generator gen = new Generator(2);
        Tensor imgs = Tensor.of(NDArray.randn(gen, 2, 4, 8, 8));
        NDArray noise = NDArray.rand(gen, 2, 16);
        MaeOutput out = mae.forward(imgs, 0.75, noise);
        NDArray pred = out.pred().data().copy();
        float[] mask = out.mask().toFloatArray();
        // Change the prediction of every kept patch: the loss must not move; change one removed patch: it must.
        NDArray keptChanged = pred.copy();
        NDArray removedChanged = pred.copy();
        boolean touchedRemoved = false;
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 16; j++) {
                    if (mask[b * 16 + i] == 0f) {
                        keptChanged.set(keptChanged.get(b, i, j) + 5, b, i, j);
                    } else if (!touchedRemoved) {
                        removedChanged.set(removedChanged.get(b, i, j) + 5, b, i, j);
                    }
                }
                touchedRemoved |= mask[b * 16 + i] == 1f;
            }
        }
        double base = mae.forwardLoss(imgs, Tensor.of(pred), out.mask()).item();
        assertEquals(out.loss().item(), base, 1e-6);
        assertEquals(base, mae.forwardLoss(imgs, Tensor.of(keptChanged), out.mask()).item(), 1e-6);
        assertNotEquals(base, mae.forwardLoss(imgs, Tensor.of(removedChanged), out.mask()).item());
    }

    @Test
    void checkpointTablesAreLoadedNotRecomputed() {
        MaskedAutoencoderViT mae = new MaskedAutoencoderViT(MaeConfigs.fromMap(SMALL));
        Map<String, NDArray> state = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : mae.stateDict().entrySet()) {
            state.put(e.getKey(), e.getValue().copy());
        }
        NDArray resized = NDArray.randn(new Generator(3), 1, 17, 24);
        NDArray decResized = NDArray.randn(new Generator(4), 1, 17, 16);
        state.put("pos_embed", resized);
        state.put("decoder_pos_embed", decResized);
        mae.loadStateDict(state, true);
        assertArrayEquals(resized.toFloatArray(), mae.posEmbed.data().toFloatArray());
        assertArrayEquals(decResized.toFloatArray(), mae.decoderPosEmbed.data().toFloatArray());
        assertTrue(!mae.posEmbed.requiresGrad() && !mae.decoderPosEmbed.requiresGrad(), "tables stay frozen");
        // and the forward uses them: the encoder output moves with the table
        Tensor imgs = Tensor.of(NDArray.randn(new Generator(5), 1, 4, 8, 8));
        NDArray noise = NDArray.rand(new Generator(6), 1, 16);
        double before = mae.forward(imgs, 0.75, noise).loss().item();
        state.put("pos_embed", resized.mul(2.0));
        mae.loadStateDict(state, true);
        assertNotEquals(before, mae.forward(imgs, 0.75, noise).loss().item());
    }

    @Test
    void loadingErrorsNameTheTensorAndBothShapes() {
        MaskedAutoencoderViT mae = new MaskedAutoencoderViT(MaeConfigs.fromMap(SMALL));
        Map<String, NDArray> state = new LinkedHashMap<>(mae.stateDict());
        state.put("pos_embed", NDArray.zeros(1, 26, 24));
        state.remove("decoder_pred.bias");
        state.put("head.weight", NDArray.zeros(10, 24));
        String m = assertThrows(IllegalArgumentException.class, () -> mae.loadStateDict(state, true)).getMessage();
        assertTrue(m.contains("pos_embed: checkpoint [1, 26, 24], model [1, 17, 24]"), m);
        assertTrue(m.contains("decoder_pred.bias (model [16])"), m);
        assertTrue(m.contains("head.weight (checkpoint [10, 24])"), m);

        VisionTransformer vit = new VisionTransformer(VitConfig.fromMap(Map.of("img_size", 8, "patch_size", 2,
                "in_chans", 4, "num_classes", 10, "embed_dim", 24, "depth", 2, "num_heads", 3)));
        Map<String, NDArray> fromMae = new LinkedHashMap<>(mae.stateDict());
        fromMae.put("blocks.0.attn.qkv.weight", NDArray.zeros(72, 23));
        String v = assertThrows(IllegalArgumentException.class, () -> vit.loadPretrained(fromMae)).getMessage();
        assertTrue(v.contains("blocks.0.attn.qkv.weight") && v.contains("[72, 23]"), v);
    }
}
