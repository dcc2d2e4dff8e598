package dev.usp4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.nn.vit.VisionTransformer;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry: every name resolves to a config and a parameter count without allocating; the published counts
 * (DiT paper Table 4, diffusers' sd-vae-ft-ema); small models of every family build with exactly the counted
 * parameters; JSON with the original constructors' argument names; model folders saved and loaded back (ours in
 * safetensors, DiT's pickled training checkpoint taking its EMA weights), and loading errors that name the file, the
 * tensor and both shapes.
 */
class ModelRegistryTest {
    @TempDir
    Path tmp;

    @Test
    void publishedParameterCounts() {
        // DiT (Peebles & Xie, Table 4, learned sigma, 1000 classes): S/2 33.0M, B/2 130.5M, L/2 458.1M, XL/2 675.1M.
        assertEquals(32.96, ModelRegistry.parameterCount("DiT-S/2") / 1e6, 0.005);
        assertEquals(130.51, ModelRegistry.parameterCount("DiT-B/2") / 1e6, 0.005);
        assertEquals(458.10, ModelRegistry.parameterCount("DiT-L/2") / 1e6, 0.005);
        assertEquals(675.13, ModelRegistry.parameterCount("DiT-XL/2") / 1e6, 0.005);
        assertEquals(675_129_632L, ModelRegistry.parameterCount("DiT-XL/2"));
        assertEquals(ModelRegistry.parameterCount("DiT-XL/2"), ModelRegistry.parameterCount("SiT-XL/2"));
        // diffusers AutoencoderKL of stabilityai/sd-vae-ft-ema: sum(p.numel() for p in vae.parameters())
        assertEquals(83_653_863L, ModelRegistry.parameterCount("VAE-f8"));
    }

    @Test
    void everyNameHasAConfigAndACount() {
        List<String> names = ModelRegistry.names();
        for (String must : List.of("DiT-XL/2", "SiT-B/2", "DiT-B/2-VAE-simple", "MAE-ViT-B/2", "ViT-B/2", "VAE-f8",
                "VAE-f4-small")) {
            assertTrue(names.contains(must), must + " in " + names);
        }
        for (String name : names) {
            Map<String, Object> config = ModelRegistry.config(name);
            long count = ModelRegistry.parameterCount(name);
            assertTrue(count > 0, name);
            String family = ModelRegistry.familyOf(name).name();
            assertEquals(count, ModelRegistry.parameterCount(family, config), name + " via its JSON config");
            // the config survives a trip through JSON text (what a model folder's config.json holds)
            Map<String, Object> back = Json.parseObject(Json.write(config));
            assertEquals(count, ModelRegistry.parameterCount(family, back), name + " via JSON text");
        }
    }

    @Test
    void smallModelsOfEveryFamilyHaveTheCountedParameters() {
        for (String name : List.of("DiT-N/2", "SiT-N/4", "DiT-N/2-VAE-simple", "MAE-ViT-T/2", "ViT-T/2",
                "VAE-f4-small", "VAE-f8-small")) {
            Module m = ModelRegistry.create(name);
            assertEquals(ModelRegistry.parameterCount(name), m.parameterCount(), name);
        }
        assertInstanceOf(SiT.class, ModelRegistry.create("SiT-N/4"));
        assertInstanceOf(MaskedAutoencoderViT.class, ModelRegistry.create("MAE-ViT-T/2"));
        assertInstanceOf(VisionTransformer.class, ModelRegistry.create("ViT-T/2"));
        assertInstanceOf(AutoencoderKL.class, ModelRegistry.create("VAE-f4-small"));
    }

    @Test
    void createFromTheOriginalArgumentNames() {
        DiT dit = (DiT) ModelRegistry.create("DiT", Json.parseObject("{\"input_size\": 8, \"patch_size\": 2,"
                + " \"in_channels\": 4, \"hidden_size\": 32, \"depth\": 2, \"num_heads\": 4, \"mlp_ratio\": 4.0,"
                + " \"class_dropout_prob\": 0.1, \"num_classes\": 10, \"learn_sigma\": true, \"affine_norm\": true}"));
        assertEquals(8, dit.config().outChannels());
        assertTrue(dit.stateDict().containsKey("blocks.1.norm1.weight"), "affine_norm gives norm1 a weight");
        assertTrue(dit.stateDict().containsKey("blocks.0.adaLN_modulation.1.weight"));
        assertTrue(dit.stateDict().containsKey("t_embedder.mlp.0.weight"));
        assertTrue(dit.stateDict().containsKey("final_layer.linear.weight"));
        assertArrayEquals(new int[] {11, 32}, dit.stateDict().get("y_embedder.embedding_table.weight").shape(),
                "the null class row");
        MaskedAutoencoderViT mae = (MaskedAutoencoderViT) ModelRegistry.create("MAE", Json.parseObject(
                "{\"img_size\": 8, \"patch_size\": 2, \"in_chans\": 4, \"embed_dim\": 24, \"depth\": 1,"
                        + " \"num_heads\": 3, \"decoder_embed_dim\": 16, \"decoder_depth\": 1,"
                        + " \"decoder_num_heads\": 2, \"mlp_ratio\": 4.0, \"norm_pix_loss\": true}"));
        assertEquals(16, mae.config().numPatches());
        String unknownKey = assertThrows(IllegalArgumentException.class,
                () -> ModelRegistry.create("DiT", Map.of("hidden_dim", 32))).getMessage();
        assertTrue(unknownKey.contains("hidden_dim") && unknownKey.contains("hidden_size"), unknownKey);
        String unknownName = assertThrows(IllegalArgumentException.class, () -> ModelRegistry.create("DiT-XXL/2"))
                .getMessage();
        assertTrue(unknownName.contains("DiT-XXL/2"), unknownName);
        String unknownFamily = assertThrows(IllegalArgumentException.class,
                () -> ModelRegistry.create("UNet", Map.of())).getMessage();
        assertTrue(unknownFamily.contains("UNet") && unknownFamily.contains("DiT"), unknownFamily);
    }

    @Test
    void foldersRoundTripEveryFamily() throws IOException {
        Generator gen = new Generator(5);
        for (String name : List.of("DiT-N/4", "SiT-N/4-VAE-simple", "MAE-ViT-T/2", "VAE-f4-small")) {
            Module m = ModelRegistry.create(name);
            for (Tensor p : m.parameters()) {
                try (GradMode.Scope s = GradMode.noGrad()) {
                    p.data().copyFrom(NDArray.randn(gen, p.shape()));
                }
            }
            Path dir = tmp.resolve(name.replace('/', '_'));
            ModelRegistry.save(m, dir);
            Module back = ModelRegistry.fromPretrained(dir);
            assertEquals(m.getClass(), back.getClass(), name);
            Map<String, NDArray> a = m.stateDict();
            Map<String, NDArray> b = back.stateDict();
            assertEquals(a.keySet(), b.keySet(), name);
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), name + " " + k);
            }
            assertTrue(Files.list(dir).noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp left");
        }
    }

    @Test
    void pickledDiTCheckpointLoadsItsEmaWeights() throws Exception {
        GoldenCase c = GoldenFile.load("dit_folder").getFirst();
        DiT dit = (DiT) ModelRegistry.fromPretrained(resource(c.stringArg("folder")));
        for (Map.Entry<String, NDArray> e : dit.stateDict().entrySet()) {
            assertArrayEquals(c.in("sd/" + e.getKey()).toFloatArray(), e.getValue().toFloatArray(), e.getKey());
        }
        dit.eval();
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor out = dit.forward(Tensor.of(c.in("x")), c.in("t"), c.in("y"));
            Compare.assertClose(out.data(), c.out("out"), 1e-4, "dit_tiny_pt/out");
        }
    }

    @Test
    void loadingErrorsNameTheFileTheTensorAndBothShapes() throws IOException {
        DiT dit = (DiT) ModelRegistry.create("DiT-N/4");
        Path dir = tmp.resolve("bad");
        ModelRegistry.save(dit, dir);
        Path weights = dir.resolve("model.safetensors");
        Map<String, NDArray> state = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : Safetensors.load(weights).entrySet()) {
            state.put(e.getKey(), e.getValue().copy());
        }
        state.put("pos_embed", NDArray.zeros(1, 16, 128));
        state.remove("final_layer.linear.bias");
        state.put("decoder_pred.weight", NDArray.zeros(3, 2));
        Safetensors.save(weights, state, Map.of());
        String m = assertThrows(IllegalArgumentException.class, () -> ModelRegistry.fromPretrained(dir))
                .getMessage();
        assertTrue(m.contains(weights.toString()), m);
        assertTrue(m.contains("pos_embed: checkpoint [1, 16, 128], model [1, 64, 128]"), m);
        assertTrue(m.contains("final_layer.linear.bias (model [128])"), m);
        assertTrue(m.contains("decoder_pred.weight (checkpoint [3, 2])"), m);

        Files.writeString(dir.resolve("config.json"), "{\"_class_name\": \"UNet2DModel\"}", StandardCharsets.UTF_8);
        String cls = assertThrows(IllegalArgumentException.class, () -> ModelRegistry.fromPretrained(dir))
                .getMessage();
        assertTrue(cls.contains("UNet2DModel") && cls.contains("DiT") && cls.contains("AutoencoderKL"), cls);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("config.json"), "{\"_class_name\": \"SiT\", \"depth\": 1}",
                StandardCharsets.UTF_8);
        String none = assertThrows(IOException.class, () -> ModelRegistry.fromPretrained(empty)).getMessage();
        assertTrue(none.contains("model.safetensors"), none);
    }

    @Test
    void checkpointPositionTableIsLoadedNotRecomputed() throws IOException {
        DiT dit = (DiT) ModelRegistry.create("DiT-N/4");
        NDArray table = NDArray.randn(new Generator(9), 1, 64, 128);
        try (GradMode.Scope s = GradMode.noGrad()) {
            dit.posEmbed.data().copyFrom(table);
        }
        Path dir = tmp.resolve("resized");
        ModelRegistry.save(dit, dir);
        DiT back = (DiT) ModelRegistry.fromPretrained(dir);
        assertArrayEquals(table.toFloatArray(), back.posEmbed.data().toFloatArray());
        assertTrue(!back.posEmbed.requiresGrad(), "pos_embed stays frozen");
    }

    private static Path resource(String relative) throws URISyntaxException {
        return Path.of(ModelRegistryTest.class.getResource("/" + relative + "/config.json").toURI()).getParent();
    }
}
