package dev.usp4j.nn.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.random.Generator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * VAE configs: diffusers' config.json of sd-vae-ft-ema gives the "VAE-f8" config, the toDiffusers round trip,
 * the small named configs' shapes and parameter counts (built against config arithmetic), and the errors for
 * unknown keys, bad values and unknown names.
 */
class VaeConfigTest {
    /** stabilityai/sd-vae-ft-ema's config.json (diffusers 0.4.2; no scaling_factor key, so the default applies). */
    static final String SD_VAE_FT_EMA = """
            {
              "_class_name": "AutoencoderKL",
              "_diffusers_version": "0.4.2",
              "act_fn": "silu",
              "block_out_channels": [128, 256, 512, 512],
              "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                                   "DownEncoderBlock2D"],
              "in_channels": 3,
              "latent_channels": 4,
              "layers_per_block": 2,
              "norm_num_groups": 32,
              "out_channels": 3,
              "sample_size": 256,
              "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]
            }
            """;

    @Test
    void sdVaeFtEmaConfigIsVaeF8() {
        VaeConfig c = VaeConfig.fromDiffusers(Json.parseObject(SD_VAE_FT_EMA));
        assertEquals(VaeConfigs.named("VAE-f8"), c);
        assertEquals(0.18215, c.scalingFactor());
        assertEquals(8, c.downsampleFactor());
        assertEquals(83_653_863L, c.parameterCount());
    }

    @Test
    void toDiffusersRoundTrips() {
        for (String name : VaeConfigs.names()) {
            VaeConfig c = VaeConfigs.named(name);
            assertEquals(c, VaeConfig.fromDiffusers(Json.parseObject(Json.write(c.toDiffusers()))), name);
        }
        VaeConfig shifted = new VaeConfig(3, 3, 16, List.of(32, 64), 1, 32, 64, 1.5305, 0.0609,
                List.of("DownEncoderBlock2D", "DownEncoderBlock2D"), List.of("UpDecoderBlock2D", "UpDecoderBlock2D"),
                "silu", false, false, false);
        assertEquals(shifted, VaeConfig.fromDiffusers(Json.parseObject(Json.write(shifted.toDiffusers()))));
    }

    @Test
    void smallConfigsShapesAndCounts() {
        long[] counts = {953_413L, 1_249_605L};
        int[] factors = {4, 8};
        String[] names = {"VAE-f4-small", "VAE-f8-small"};
        for (int i = 0; i < names.length; i++) {
            VaeConfig c = VaeConfigs.named(names[i]);
            AutoencoderKL vae = AutoencoderKL.named(names[i]);
            assertEquals(counts[i], c.parameterCount(), names[i]);
            assertEquals(counts[i], vae.parameterCount(), names[i]);
            assertEquals(factors[i], c.downsampleFactor(), names[i]);
            assertEquals(1.0, vae.scalingFactor(), names[i]);
            try (GradMode.Scope s = GradMode.noGrad()) {
                Tensor x = Tensor.of(NDArray.randn(new Generator(3), 2, 1, 32, 32));
                Tensor z = vae.encodeLatents(x);
                int side = 32 / factors[i];
                assertArrayEquals(new int[] {2, 4, side, side}, z.shape(), names[i]);
                assertArrayEquals(new int[] {2, 1, 32, 32}, vae.decodeLatents(z).shape(), names[i]);
            }
        }
    }

    @Test
    void countByArithmeticMatchesBuiltModelsOfOtherShapes() {
        VaeConfig noAttention = new VaeConfig(2, 5, 3, List.of(8, 16, 24), 2, 4, 16, 1.0, 0.0,
                List.of("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"),
                List.of("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"), "gelu", false, true, false);
        AutoencoderKL vae = new AutoencoderKL(noAttention);
        assertEquals(noAttention.parameterCount(), vae.parameterCount());
        assertTrue(vae.quantConv == null && vae.postQuantConv != null);
        assertEquals(0, vae.encoder.midBlock.attentions.size());
        VaeConfig one = VaeConfig.of(1, 1, 1, List.of(4), 1, 2, 8, 1.0);
        assertEquals(one.parameterCount(), new AutoencoderKL(one).parameterCount());
        assertEquals(1, one.downsampleFactor());
    }

    @Test
    void withScalingFactorKeepsTheArchitecture() {
        VaeConfig c = VaeConfigs.named("VAE-f4-small").withScalingFactor(0.7);
        assertEquals(0.7, c.scalingFactor());
        assertEquals(VaeConfigs.named("VAE-f4-small"), c.withScalingFactor(1.0));
    }

    private static Map<String, Object> sdMap() {
        return new LinkedHashMap<>(Json.parseObject(SD_VAE_FT_EMA));
    }

    private static String error(Map<String, Object> m) {
        return assertThrows(IllegalArgumentException.class, () -> AutoencoderKL.create(m)).getMessage();
    }

    @Test
    void configErrorsNameTheProblem() {
        Map<String, Object> m = sdMap();
        m.put("attention_heads", 8L);
        assertTrue(error(m).contains("unknown argument(s) [attention_heads]"), error(m));

        m = sdMap();
        m.put("norm_num_groups", 24L);
        assertTrue(error(m).contains("multiple of norm_num_groups (24)"), error(m));

        m = sdMap();
        m.put("down_block_types", List.of("DownEncoderBlock2D", "AttnDownEncoderBlock2D", "DownEncoderBlock2D",
                "DownEncoderBlock2D"));
        assertTrue(error(m).contains("down block type 'AttnDownEncoderBlock2D' is not supported"), error(m));

        m = sdMap();
        m.put("up_block_types", List.of("UpDecoderBlock2D"));
        assertTrue(error(m).contains("one entry per block_out_channels level (4)"), error(m));

        m = sdMap();
        m.put("act_fn", "mish");
        assertTrue(error(m).contains("act_fn 'mish' is not supported"), error(m));

        m = sdMap();
        m.put("layers_per_block", 2.5);
        assertTrue(error(m).contains("'layers_per_block' must be an integer, got 2.5"), error(m));

        m = sdMap();
        m.put("block_out_channels", "128");
        assertTrue(error(m).contains("'block_out_channels' must be a list of integers"), error(m));

        m = sdMap();
        m.put("latent_channels", 0L);
        assertTrue(error(m).contains("latent_channels (0)"), error(m));

        m = sdMap();
        m.put("scaling_factor", -1.0);
        assertTrue(error(m).contains("scaling_factor must be positive"), error(m));

        String unknown = assertThrows(IllegalArgumentException.class, () -> VaeConfigs.named("VAE-f16"))
                .getMessage();
        assertTrue(unknown.contains("unknown VAE 'VAE-f16'") && unknown.contains("VAE-f4-small"), unknown);
    }

    @Test
    void ignoredKeysAreIgnored() {
        Map<String, Object> m = sdMap();
        m.put("force_upcast", true);
        m.put("latents_mean", null);
        m.put("_name_or_path", "stabilityai/sd-vae-ft-ema");
        m.put("scaling_factor", 0.18215);
        assertEquals(VaeConfigs.named("VAE-f8"), VaeConfig.fromDiffusers(m));
    }
}
