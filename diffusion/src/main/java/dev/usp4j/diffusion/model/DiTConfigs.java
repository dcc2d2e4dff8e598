package dev.usp4j.diffusion.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The named DiT/SiT configurations: {@code <family>-<size>/<patch>[<variant>]} with family DiT or SiT (the same
 * backbone, usp-spec §4.1), the original sizes S (384 wide, 12 deep, 6 heads), B (768, 12, 12), L (1024, 24, 16)
 * and XL (1152, 28, 16), patch 2, 4 or 8, at DiT's defaults (32×32×4 latents, mlp_ratio 4, class dropout 0.1, 1000
 * classes, learned sigma). Variant {@code -VAE-simple} is USP's model with affine norm1/norm2 (usp-spec §2.1),
 * {@code -VAE-simple-dnln} its non-affine ablation (the vanilla block). Two small sizes are usp4j's own, for a
 * 2-core machine: Ti (192 wide, 12 deep, 3 heads: DeiT-Tiny's shape) and N (128, 4, 4).
 */
public final class DiTConfigs {
    private static final Pattern NAME = Pattern.compile("(DiT|SiT)-(S|B|L|XL|Ti|N)/(2|4|8)(-VAE-simple(-dnln)?)?");

    /** Width, depth and heads per size, in the order the names list them. */
    private static final Map<String, int[]> SIZES = new LinkedHashMap<>();

    static {
        SIZES.put("S", new int[] {384, 12, 6});
        SIZES.put("B", new int[] {768, 12, 12});
        SIZES.put("L", new int[] {1024, 24, 16});
        SIZES.put("XL", new int[] {1152, 28, 16});
        SIZES.put("Ti", new int[] {192, 12, 3});
        SIZES.put("N", new int[] {128, 4, 4});
    }

    private DiTConfigs() {
    }

    /** True when {@code name} is a DiT/SiT name this class knows. */
    public static boolean isKnown(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** "DiT" or "SiT" for a known name. */
    public static String family(String name) {
        return match(name).group(1);
    }

    /** The configuration called {@code name}, e.g. "DiT-XL/2", "SiT-B/4", "DiT-B/2-VAE-simple". */
    public static DiTConfig named(String name) {
        Matcher m = match(name);
        int[] size = SIZES.get(m.group(2));
        boolean affine = m.group(4) != null && m.group(5) == null;
        DiTConfig d = DiTConfig.defaults();
        return new DiTConfig(d.inputSize(), Integer.parseInt(m.group(3)), d.inChannels(), size[0], size[1], size[2],
                d.mlpRatio(), d.classDropoutProb(), d.numClasses(), d.learnSigma(), affine);
    }

    /** Every name of the original tables (DiT and SiT, S to XL, patch 2/4/8), then the USP variants and small sizes. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (String fam : List.of("DiT", "SiT")) {
            for (String size : SIZES.keySet()) {
                for (int p : new int[] {2, 4, 8}) {
                    out.add(fam + "-" + size + "/" + p);
                }
            }
        }
        for (String fam : List.of("DiT", "SiT")) {
            for (String size : List.of("B", "L", "XL")) {
                out.add(fam + "-" + size + "/2-VAE-simple");
            }
        }
        out.add("DiT-B/2-VAE-simple-dnln");
        return Collections.unmodifiableList(out);
    }

    private static Matcher match(String name) {
        Matcher m = NAME.matcher(name == null ? "" : name);
        if (!m.matches()) {
            throw new IllegalArgumentException("unknown DiT/SiT model '" + name + "': expected (DiT|SiT)-(S|B|L|XL|Ti|N)"
                    + "/(2|4|8) with an optional -VAE-simple or -VAE-simple-dnln, e.g. DiT-XL/2");
        }
        return m;
    }
}
