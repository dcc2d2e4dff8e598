package dev.usp4j.nn.vae;

import dev.usp4j.nn.ConfigArgs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The architecture of an {@link AutoencoderKL}, field for field diffusers' {@code AutoencoderKL} config
 * ({@code config.json}): channels in, out and latent, the per-level widths, ResNet blocks per level (the decoder has
 * one more), GroupNorm groups, the activation inside the ResNet blocks, the nominal image size, and the latent
 * scaling {@code z = (mean − shift)·scaling_factor} that diffusion models train on (0.18215 for the SD VAEs; shift 0
 * unless a config sets {@code shift_factor}). {@link #fromDiffusers} reads a parsed {@code config.json} and
 * {@link #toDiffusers} writes one back; {@link VaeConfigs} holds the named configs.
 */
public record VaeConfig(int inChannels, int outChannels, int latentChannels, List<Integer> blockOutChannels,
                        int layersPerBlock, int normNumGroups, int sampleSize, double scalingFactor,
                        double shiftFactor, List<String> downBlockTypes, List<String> upBlockTypes, String actFn,
                        boolean useQuantConv, boolean usePostQuantConv, boolean midBlockAddAttention) {

    static final String DOWN_BLOCK = "DownEncoderBlock2D";
    static final String UP_BLOCK = "UpDecoderBlock2D";

    /** config.json keys that describe no weights and no computation of the model itself. */
    private static final Set<String> IGNORED = Set.of("force_upcast", "latents_mean", "latents_std");
    private static final Set<String> KNOWN = Set.of("in_channels", "out_channels", "latent_channels",
            "block_out_channels", "layers_per_block", "norm_num_groups", "sample_size", "scaling_factor",
            "shift_factor", "down_block_types", "up_block_types", "act_fn", "use_quant_conv", "use_post_quant_conv",
            "mid_block_add_attention");

    public VaeConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        validate(inChannels, outChannels, latentChannels, blockOutChannels, layersPerBlock, normNumGroups,
                sampleSize, scalingFactor, shiftFactor, downBlockTypes, upBlockTypes, actFn);
    }

    /** The common case: DownEncoderBlock2D/UpDecoderBlock2D at every level, SiLU, quant convs and mid attention. */
    public static VaeConfig of(int inChannels, int outChannels, int latentChannels, List<Integer> blockOutChannels,
                               int layersPerBlock, int normNumGroups, int sampleSize, double scalingFactor) {
        int n = blockOutChannels.size();
        return new VaeConfig(inChannels, outChannels, latentChannels, blockOutChannels, layersPerBlock,
                normNumGroups, sampleSize, scalingFactor, 0.0, Collections.nCopies(n, DOWN_BLOCK),
                Collections.nCopies(n, UP_BLOCK), "silu", true, true, true);
    }

    private static void validate(int in, int out, int latent, List<Integer> widths, int layers, int groups,
                                 int sampleSize, double scaling, double shift, List<String> down, List<String> up,
                                 String act) {
        if (in <= 0 || out <= 0 || latent <= 0 || layers <= 0 || groups <= 0 || sampleSize <= 0) {
            throw new IllegalArgumentException("VaeConfig: in_channels (" + in + "), out_channels (" + out
                    + "), latent_channels (" + latent + "), layers_per_block (" + layers + "), norm_num_groups ("
                    + groups + ") and sample_size (" + sampleSize + ") must all be positive");
        }
        if (widths.isEmpty()) {
            throw new IllegalArgumentException("VaeConfig: block_out_channels must name at least one level");
        }
        for (int c : widths) {
            if (c <= 0 || c % groups != 0) {
                throw new IllegalArgumentException("VaeConfig: every entry of block_out_channels " + widths
                        + " must be a positive multiple of norm_num_groups (" + groups + ")");
            }
        }
        if (down.size() != widths.size() || up.size() != widths.size()) {
            throw new IllegalArgumentException("VaeConfig: down_block_types " + down + " and up_block_types " + up
                    + " must each have one entry per block_out_channels level (" + widths.size() + ")");
        }
        for (String t : down) {
            if (!DOWN_BLOCK.equals(t)) {
                throw new IllegalArgumentException("VaeConfig: down block type '" + t + "' is not supported (only "
                        + DOWN_BLOCK + ")");
            }
        }
        for (String t : up) {
            if (!UP_BLOCK.equals(t)) {
                throw new IllegalArgumentException("VaeConfig: up block type '" + t + "' is not supported (only "
                        + UP_BLOCK + ")");
            }
        }
        Activations.check(act);
        if (!(scaling > 0) || Double.isInfinite(scaling) || !Double.isFinite(shift)) {
            throw new IllegalArgumentException("VaeConfig: scaling_factor must be positive and finite and"
                    + " shift_factor finite, got " + scaling + " and " + shift);
        }
    }

    /**
     * Reads a diffusers {@code config.json} (as parsed by {@link dev.usp4j.tensor.io.Json}) with diffusers'
     * defaults for absent keys. Keys starting with '_' ({@code _class_name}, {@code _diffusers_version}) and keys
     * that do not change the model ({@code force_upcast}, {@code latents_mean}, {@code latents_std}) are ignored;
     * any other unknown key is an error, since silently dropping it could build a different model.
     */
    public static VaeConfig fromDiffusers(Map<String, Object> config) {
        ConfigArgs a = new ConfigArgs("VaeConfig.fromDiffusers", config, KNOWN,
                k -> k.startsWith("_") || IGNORED.contains(k));
        List<Integer> widths = a.intListArg("block_out_channels", List.of(64));
        int n = widths.size();
        return new VaeConfig(a.intArg("in_channels", 3), a.intArg("out_channels", 3),
                a.intArg("latent_channels", 4), widths, a.intArg("layers_per_block", 1),
                a.intArg("norm_num_groups", 32), a.intArg("sample_size", 32),
                a.doubleArg("scaling_factor", 0.18215), a.doubleArg("shift_factor", 0.0),
                a.stringListArg("down_block_types", Collections.nCopies(n, DOWN_BLOCK)),
                a.stringListArg("up_block_types", Collections.nCopies(n, UP_BLOCK)),
                a.stringArg("act_fn", "silu"), a.boolArg("use_quant_conv", true),
                a.boolArg("use_post_quant_conv", true), a.boolArg("mid_block_add_attention", true));
    }

    /** This config as a diffusers {@code config.json} map (what {@link #fromDiffusers} reads back). */
    public Map<String, Object> toDiffusers() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", "AutoencoderKL");
        m.put("act_fn", actFn);
        m.put("block_out_channels", blockOutChannels);
        m.put("down_block_types", downBlockTypes);
        m.put("in_channels", inChannels);
        m.put("latent_channels", latentChannels);
        m.put("layers_per_block", layersPerBlock);
        m.put("mid_block_add_attention", midBlockAddAttention);
        m.put("norm_num_groups", normNumGroups);
        m.put("out_channels", outChannels);
        m.put("sample_size", sampleSize);
        m.put("scaling_factor", scalingFactor);
        m.put("shift_factor", shiftFactor == 0 ? null : shiftFactor);
        m.put("up_block_types", upBlockTypes);
        m.put("use_post_quant_conv", usePostQuantConv);
        m.put("use_quant_conv", useQuantConv);
        return m;
    }

    /** The same architecture with another latent scale (for a VAE trained here, 1/std of its training latents). */
    public VaeConfig withScalingFactor(double factor) {
        return new VaeConfig(inChannels, outChannels, latentChannels, blockOutChannels, layersPerBlock,
                normNumGroups, sampleSize, factor, shiftFactor, downBlockTypes, upBlockTypes, actFn, useQuantConv,
                usePostQuantConv, midBlockAddAttention);
    }

    /** Number of resolution levels. */
    public int levels() {
        return blockOutChannels.size();
    }

    /** Spatial downsampling from image to latent: 2^(levels − 1). */
    public int downsampleFactor() {
        return 1 << (levels() - 1);
    }

    /**
     * The parameter count from the architecture alone, without building the model (83,653,863 for the SD VAE, as
     * diffusers counts it).
     */
    public long parameterCount() {
        long n = conv(inChannels, blockOutChannels.get(0), 3);
        int prev = blockOutChannels.get(0);
        for (int i = 0; i < levels(); i++) {
            int c = blockOutChannels.get(i);
            for (int j = 0; j < layersPerBlock; j++) {
                n += resnet(j == 0 ? prev : c, c);
            }
            if (i < levels() - 1) {
                n += conv(c, c, 3);
            }
            prev = c;
        }
        int top = blockOutChannels.get(levels() - 1);
        n += midBlock(top) + 2L * top + conv(top, 2 * latentChannels, 3);
        n += conv(latentChannels, top, 3) + midBlock(top);
        prev = top;
        for (int i = levels() - 1; i >= 0; i--) {
            int c = blockOutChannels.get(i);
            for (int j = 0; j <= layersPerBlock; j++) {
                n += resnet(j == 0 ? prev : c, c);
            }
            if (i > 0) {
                n += conv(c, c, 3);
            }
            prev = c;
        }
        int bottom = blockOutChannels.get(0);
        n += 2L * bottom + conv(bottom, outChannels, 3);
        n += useQuantConv ? conv(2 * latentChannels, 2 * latentChannels, 1) : 0;
        n += usePostQuantConv ? conv(latentChannels, latentChannels, 1) : 0;
        return n;
    }

    private static long conv(long in, long out, int k) {
        return in * out * k * k + out;
    }

    private static long resnet(int in, int out) {
        return 2L * in + conv(in, out, 3) + 2L * out + conv(out, out, 3) + (in != out ? conv(in, out, 1) : 0);
    }

    private long midBlock(int c) {
        long attention = 2L * c + 4 * ((long) c * c + c);
        return 2 * resnet(c, c) + (midBlockAddAttention ? attention : 0);
    }

    // ---- reading config.json values --------------------------------------------------------------------------------
}
