package dev.usp4j.data;

import java.util.Locale;

/**
 * The pixel format images are decoded to, as the argument of PIL's {@code convert}: {@link #RGB} (3 channels),
 * {@link #L} (1 grey channel), or {@link #AUTO}, which keeps grey files grey and makes everything else RGB (so a
 * folder of grey scans is not tripled in memory).
 */
public enum ColorMode {
    /** Three channels, as {@code convert("RGB")}. */
    RGB,
    /** One grey channel, as {@code convert("L")}. */
    L,
    /** One channel for grey files (with or without alpha, any bit depth, grey palettes), three otherwise. */
    AUTO;

    /** Parses "RGB", "L" or "auto" (any case), for command-line options. */
    public static ColorMode parse(String text) {
        return switch (text.toUpperCase(Locale.ROOT)) {
            case "RGB" -> RGB;
            case "L", "GREY", "GRAY" -> L;
            case "AUTO" -> AUTO;
            default -> throw new IllegalArgumentException("colour mode: expected RGB, L or auto, got '" + text + "'");
        };
    }
}
