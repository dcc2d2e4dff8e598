package dev.usp4j.nn.vae;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The named VAE configs of the model registry.
 * <ul>
 *   <li>"VAE-f8": the SD VAE of {@code stabilityai/sd-vae-ft-ema} (usp-spec §1.2): RGB, widths
 *       [128, 256, 512, 512], 2 ResNet blocks per level, 32 GroupNorm groups, 4 latent channels, factor 8,
 *       sample size 256, scaling factor 0.18215; 83,653,863 parameters.</li>
 *   <li>"VAE-f4-small": for 32×32 single-channel images (Fashion-MNIST padded to 32): widths [32, 64, 64] (three
 *       levels, factor 4: 8×8×4 latents, i.e. 16 tokens at patch 2), 1 ResNet block per level (2 in the decoder),
 *       8 GroupNorm groups (4 channels per group at 32, 8 at 64: per-group statistics over several channels, as in
 *       the SD VAE, rather than the per-channel normalisation 32 groups would give at width 32), 4 latent
 *       channels; 953,413 parameters.</li>
 *   <li>"VAE-f8-small": the same with a fourth level, widths [32, 64, 64, 64], factor 8 (4×4×4 latents);
 *       1,249,605 parameters.</li>
 * </ul>
 * The small configs are trained from scratch, so their scaling factor is 1.0 until calibrated: after training,
 * set it to 1/std of the training latents with {@link VaeConfig#withScalingFactor} (the SD VAE's 0.18215 was
 * found the same way).
 */
public final class VaeConfigs {
    private static final Map<String, VaeConfig> NAMED = new LinkedHashMap<>();

    static {
        NAMED.put("VAE-f8", VaeConfig.of(3, 3, 4, List.of(128, 256, 512, 512), 2, 32, 256, 0.18215));
        NAMED.put("VAE-f4-small", VaeConfig.of(1, 1, 4, List.of(32, 64, 64), 1, 8, 32, 1.0));
        NAMED.put("VAE-f8-small", VaeConfig.of(1, 1, 4, List.of(32, 64, 64, 64), 1, 8, 32, 1.0));
    }

    private VaeConfigs() {
    }

    /** The config registered under {@code name}; an unknown name is an error listing the known ones. */
    public static VaeConfig named(String name) {
        VaeConfig c = NAMED.get(name);
        if (c == null) {
            throw new IllegalArgumentException("VaeConfigs: unknown VAE '" + name + "' (known: " + NAMED.keySet()
                    + ")");
        }
        return c;
    }

    /** Every registered name, in registration order. */
    public static Set<String> names() {
        return java.util.Collections.unmodifiableSet(NAMED.keySet());
    }
}
