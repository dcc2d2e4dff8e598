package dev.usp4j.data;

import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this JVM can draw text into images. A headless runtime on a machine without fonts or fontconfig (the
 * GPU machines' carried Java runtime, minimal containers) throws from the first font lookup; image grids and
 * report charts then leave their captions and labels out, with one warning, instead of failing the run that
 * produced the images.
 */
public final class FontSupport {
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static volatile Boolean available;

    private FontSupport() {
    }

    /**
     * True when a sans-serif font can be measured and drawn (checked once per JVM); {@code -Dusp4j.fonts=off}
     * answers false, to run the text-free paths on a machine that has fonts.
     */
    public static boolean available() {
        Boolean a = available;
        if (a == null) {
            a = !"off".equals(System.getProperty("usp4j.fonts")) && probe();
            available = a;
        }
        return a;
    }

    /** {@link #available()}, printing once per JVM that {@code what} is drawn without text when it is not. */
    public static boolean availableFor(String what) {
        boolean a = available();
        if (!a && WARNED.compareAndSet(false, true)) {
            System.err.println("warning: no fonts in this Java runtime; " + what
                    + " and other images are written without text");
        }
        return a;
    }

    @SuppressWarnings("PMD.AvoidCatchingThrowable")
    private static boolean probe() {
        try {
            Graphics2D g = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB).createGraphics();
            try {
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                g.getFontMetrics().stringWidth("0");
                g.drawString("0", 0, 8);
            } finally {
                g.dispose();
            }
            return true;
        } catch (RuntimeException | LinkageError | InternalError e) {
            // Font configuration errors surface as RuntimeException ("Fontconfig head is null"), InternalError or
            // a missing native library, depending on the runtime.
            return false;
        }
    }
}
