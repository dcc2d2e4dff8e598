package dev.usp4j.nn.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.LoadReport;
import dev.usp4j.nn.testing.ModelGolden;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint loading of the VAE: the reference's state dict (gen_vae.py, current diffusers names) renamed to the
 * legacy diffusers attention names, to the original LDM layout (under first_stage_model., decoder levels counted
 * from the shallowest, 1×1-convolution attention weights), and read from a diffusers model folder all give the
 * model that the current names give, output for output; and every loading problem names the tensor and both shapes.
 */
class VaeLoadingTest {
    private static GoldenCase small;
    private static Map<String, NDArray> current;
    private static NDArray reference;

    @BeforeAll
    static void load() {
        small = GoldenFile.load("vae").stream().filter(c -> c.op().equals("vae_small")).findFirst().orElseThrow();
        current = ModelGolden.state(small);
        reference = reconstruct(VaeGoldenTest.smallModel(small));
    }

    private static NDArray reconstruct(AutoencoderKL vae) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return vae.forward(Tensor.of(small.in("x"))).data();
        }
    }

    private static AutoencoderKL fresh() {
        @SuppressWarnings("unchecked")
        Map<String, Object> cfg = (Map<String, Object>) small.args().get("config");
        return AutoencoderKL.create(cfg);
    }

    private static Map<String, NDArray> renamed(UnaryOperator<String> name, boolean convShapedAttention) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : current.entrySet()) {
            NDArray v = e.getValue();
            boolean projection = e.getKey().matches(".*attentions\\.0\\.to_(q|k|v|out\\.0)\\.weight");
            if (convShapedAttention && projection) {
                v = v.reshape(v.shape()[0], v.shape()[1], 1, 1);
            }
            out.put(name.apply(e.getKey()), v);
        }
        return out;
    }

    /** Current diffusers names → the legacy AttentionBlock names. */
    static String legacy(String k) {
        return k.replace(".to_q.", ".query.").replace(".to_k.", ".key.").replace(".to_v.", ".value.")
                .replace(".to_out.0.", ".proj_attn.");
    }

    /** Current diffusers names → the original LDM layout under first_stage_model. (written independently). */
    static String ldm(String k) {
        int levels = 3;
        String s = k.replace("conv_shortcut", "nin_shortcut").replace("conv_norm_out", "norm_out")
                .replace("mid_block.resnets.0", "mid.block_1").replace("mid_block.resnets.1", "mid.block_2")
                .replace("mid_block.attentions.0.group_norm", "mid.attn_1.norm")
                .replace("mid_block.attentions.0.to_q", "mid.attn_1.q")
                .replace("mid_block.attentions.0.to_k", "mid.attn_1.k")
                .replace("mid_block.attentions.0.to_v", "mid.attn_1.v")
                .replace("mid_block.attentions.0.to_out.0", "mid.attn_1.proj_out")
                .replace(".downsamplers.0.", ".downsample.").replace(".upsamplers.0.", ".upsample.")
                .replace(".resnets.", ".block.");
        if (s.startsWith("encoder.down_blocks.")) {
            s = "encoder.down." + s.substring("encoder.down_blocks.".length());
        } else if (s.startsWith("decoder.up_blocks.")) {
            String rest = s.substring("decoder.up_blocks.".length());
            int dot = rest.indexOf('.');
            int level = levels - 1 - Integer.parseInt(rest.substring(0, dot));
            s = "decoder.up." + level + rest.substring(dot);
        }
        return "first_stage_model." + s;
    }

    @Test
    void currentNamesLoadStrictly() {
        AutoencoderKL vae = fresh();
        assertTrue(vae.loadDiffusersStateDict(current, true).isClean());
        assertArrayEquals(reference.toFloatArray(), reconstruct(vae).toFloatArray());
    }

    @Test
    void legacyAttentionNamesLoad() {
        Map<String, NDArray> sd = renamed(VaeLoadingTest::legacy, false);
        assertTrue(sd.containsKey("encoder.mid_block.attentions.0.query.weight"));
        assertTrue(sd.containsKey("decoder.mid_block.attentions.0.proj_attn.bias"));
        assertTrue(sd.containsKey("decoder.mid_block.attentions.0.group_norm.weight"));
        AutoencoderKL vae = fresh();
        assertTrue(vae.loadDiffusersStateDict(sd, true).isClean());
        assertArrayEquals(reference.toFloatArray(), reconstruct(vae).toFloatArray());
    }

    @Test
    void legacyNamesWithConvShapedWeightsLoad() {
        Map<String, NDArray> sd = renamed(VaeLoadingTest::legacy, true);
        assertArrayEquals(new int[] {12, 12, 1, 1}, sd.get("encoder.mid_block.attentions.0.key.weight").shape());
        AutoencoderKL vae = fresh();
        vae.loadDiffusersStateDict(sd, true);
        assertArrayEquals(reference.toFloatArray(), reconstruct(vae).toFloatArray());
    }

    @Test
    void ldmLayoutLoads() {
        Map<String, NDArray> sd = renamed(VaeLoadingTest::ldm, true);
        assertTrue(sd.containsKey("first_stage_model.decoder.up.0.block.2.conv2.weight"), sd.keySet().toString());
        assertTrue(sd.containsKey("first_stage_model.encoder.down.1.block.0.nin_shortcut.weight"));
        assertTrue(sd.containsKey("first_stage_model.encoder.mid.attn_1.q.weight"));
        assertEquals(current.get("decoder.up_blocks.2.resnets.2.conv2.weight"),
                sd.get("first_stage_model.decoder.up.0.block.2.conv2.weight"));
        AutoencoderKL vae = fresh();
        assertTrue(vae.loadDiffusersStateDict(sd, true).isClean());
        assertArrayEquals(reference.toFloatArray(), reconstruct(vae).toFloatArray());
    }

    @Test
    void diffusersFolderLoads(@TempDir Path dir) throws IOException {
        Map<String, Object> cfg = new LinkedHashMap<>(fresh().config().toDiffusers());
        cfg.put("_diffusers_version", "0.4.2");
        Files.writeString(dir.resolve("config.json"), Json.write(cfg), StandardCharsets.UTF_8);
        Safetensors.save(dir.resolve("diffusion_pytorch_model.safetensors"), renamed(VaeLoadingTest::legacy, false),
                Map.of("format", "pt"));
        AutoencoderKL vae = AutoencoderKL.fromPretrained(dir);
        assertArrayEquals(reference.toFloatArray(), reconstruct(vae).toFloatArray());
    }

    @Test
    void folderWithoutWeightsNamesTheFiles(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), Json.write(fresh().config().toDiffusers()));
        String msg = assertThrows(IOException.class, () -> AutoencoderKL.fromPretrained(dir)).getMessage();
        assertTrue(msg.contains("diffusion_pytorch_model.safetensors") && msg.contains("diffusion_pytorch_model.bin"),
                msg);
    }

    @Test
    void shapeMismatchNamesTensorAndBothShapes() {
        Map<String, NDArray> sd = new LinkedHashMap<>(current);
        sd.put("encoder.conv_in.weight", NDArray.zeros(6, 4, 3, 3));
        String msg = assertThrows(IllegalArgumentException.class, () -> fresh().loadDiffusersStateDict(sd, true))
                .getMessage();
        assertTrue(msg.contains("'encoder.conv_in.weight': checkpoint shape [6, 4, 3, 3], model shape [6, 3, 3, 3]"),
                msg);
    }

    @Test
    void renamedKeyMismatchNamesBothKeys() {
        Map<String, NDArray> sd = renamed(VaeLoadingTest::legacy, false);
        sd.put("decoder.mid_block.attentions.0.value.weight", NDArray.zeros(12, 13));
        String msg = assertThrows(IllegalArgumentException.class, () -> fresh().loadDiffusersStateDict(sd, true))
                .getMessage();
        assertTrue(msg.contains("'decoder.mid_block.attentions.0.to_v.weight' (checkpoint key"
                + " 'decoder.mid_block.attentions.0.value.weight'): checkpoint shape [12, 13], model shape [12, 12]"),
                msg);
    }

    @Test
    void missingAndUnexpectedAreListedAndStrictCopiesNothing() {
        Map<String, NDArray> sd = new LinkedHashMap<>(current);
        sd.remove("decoder.conv_out.bias");
        sd.put("loss.logvar", NDArray.zeros(1));
        AutoencoderKL vae = fresh();
        NDArray before = vae.encoder.convIn.weight.data().copy();
        String msg = assertThrows(IllegalArgumentException.class, () -> vae.loadDiffusersStateDict(sd, true))
                .getMessage();
        assertTrue(msg.contains("1 missing [decoder.conv_out.bias]") && msg.contains("1 unexpected [loss.logvar]"),
                msg);
        assertArrayEquals(before.toFloatArray(), vae.encoder.convIn.weight.data().toFloatArray());

        LoadReport report = vae.loadDiffusersStateDict(sd, false);
        assertEquals(java.util.List.of("decoder.conv_out.bias"), report.missing());
        assertArrayEquals(current.get("encoder.conv_in.weight").toFloatArray(),
                vae.encoder.convIn.weight.data().toFloatArray());
    }

    @Test
    void twoNamesForOneTensorIsAnError() {
        Map<String, NDArray> sd = new LinkedHashMap<>(current);
        sd.put("encoder.mid_block.attentions.0.query.bias", current.get("encoder.mid_block.attentions.0.to_q.bias"));
        String msg = assertThrows(IllegalArgumentException.class, () -> fresh().loadDiffusersStateDict(sd, true))
                .getMessage();
        assertTrue(msg.contains("'encoder.mid_block.attentions.0.to_q.bias' and"
                + " 'encoder.mid_block.attentions.0.query.bias' both name the tensor"), msg);
    }
}
