package dev.usp4j.data;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Reading image files into {@link Image}s the way PIL's {@code Image.open(f).convert(mode)} does, and writing
 * {@link Image}s as PNG. Decoding is javax.imageio's (PNG, JPEG, BMP, GIF, TIFF, WBMP); the conversion to 8-bit grey
 * or RGB is done here from the raw samples rather than through {@link BufferedImage#getRGB}, because getRGB applies
 * colour-space conversions (a gamma curve on grey images) that PIL does not. PIL's rules, reproduced: alpha is
 * dropped, not composited; palettes are looked up; RGB to grey is (19595·R + 38470·G + 7471·B + 2^15) >> 16;
 * 16-bit colour and grey-with-alpha keep the high byte, but plain 16-bit grey, which PIL opens as 32-bit integers,
 * is clipped to 0…255 (not scaled); 1, 2 and 4-bit grey scale to 0…255.
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /**
     * Decodes {@code file} and converts it to {@code mode}.
     *
     * @throws DatasetException naming the file when it cannot be read or no decoder understands it
     */
    public static Image read(Path file, ColorMode mode) {
        BufferedImage bi;
        try {
            // ImageIO.read(File) reads through a FileImageInputStream: no temporary cache file, safe from any thread.
            bi = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DatasetException(file + ": cannot decode the image: " + e, e);
        }
        if (bi == null) {
            throw new DatasetException(file + ": cannot decode the image: no javax.imageio decoder recognises it "
                    + "(readable formats: " + String.join(", ", ImageIO.getReaderFormatNames()) + ")");
        }
        try {
            return convert(bi, mode);
        } catch (RuntimeException e) {
            throw new DatasetException(file + ": cannot convert the decoded image (" + bi + "): " + e, e);
        }
    }

    /** Converts a decoded image to 8-bit grey or RGB with PIL's rules (see the class comment). */
    public static Image convert(BufferedImage bi, ColorMode mode) {
        int w = bi.getWidth();
        int h = bi.getHeight();
        ColorModel cm = bi.getColorModel();
        Raster raster = bi.getRaster();
        byte[] rgb = new byte[w * h * 3];
        boolean grey;
        int[] row = new int[w * raster.getNumBands()];
        if (cm instanceof IndexColorModel icm) {
            grey = greyPalette(icm);
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int idx = row[x];
                    int o = (y * w + x) * 3;
                    rgb[o] = (byte) icm.getRed(idx);
                    rgb[o + 1] = (byte) icm.getGreen(idx);
                    rgb[o + 2] = (byte) icm.getBlue(idx);
                }
            }
        } else if (cm instanceof ComponentColorModel && cm.getNumColorComponents() == 1) {
            grey = true;
            int bits = cm.getComponentSize(0);
            int bands = raster.getNumBands();
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int v = greyTo8(row[x * bands], bits, cm.hasAlpha());
                    int o = (y * w + x) * 3;
                    rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) v;
                }
            }
        } else if (cm instanceof ComponentColorModel && cm.getNumColorComponents() == 3
                && cm.getColorSpace().getType() == ColorSpace.TYPE_RGB) {
            grey = false;
            int bands = raster.getNumBands();
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    for (int c = 0; c < 3; c++) {
                        rgb[o + c] = (byte) colourTo8(row[x * bands + c], cm.getComponentSize(c));
                    }
                }
            }
        } else {
            // Packed (BMP, GIF) or unusual colour models: getRGB's conversion to sRGB is the best available.
            grey = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = bi.getRGB(x, y);
                    int o = (y * w + x) * 3;
                    rgb[o] = (byte) (argb >> 16);
                    rgb[o + 1] = (byte) (argb >> 8);
                    rgb[o + 2] = (byte) argb;
                }
            }
        }
        boolean toGrey = mode == ColorMode.L || (mode == ColorMode.AUTO && grey);
        return toGrey ? new Image(w, h, 1, luma(rgb)) : new Image(w, h, 3, rgb);
    }

    private static int greyTo8(int v, int bits, boolean alpha) {
        if (bits == 8) {
            return v;
        }
        if (bits == 16) {
            // PIL opens 16-bit grey as mode "I" and clips it; 16-bit grey+alpha becomes RGBA from the high bytes.
            return alpha ? v >>> 8 : Math.min(v, 255);
        }
        return bits < 8 ? v * 255 / ((1 << bits) - 1) : v >>> (bits - 8);
    }

    private static int colourTo8(int v, int bits) {
        return bits == 8 ? v : bits > 8 ? v >>> (bits - 8) : v * 255 / ((1 << bits) - 1);
    }

    private static boolean greyPalette(IndexColorModel icm) {
        for (int i = 0; i < icm.getMapSize(); i++) {
            if (icm.getRed(i) != icm.getGreen(i) || icm.getGreen(i) != icm.getBlue(i)) {
                return false;
            }
        }
        return true;
    }

    /** PIL's RGB → L: ITU-R 601-2 luma in 16-bit fixed point, rounded. */
    private static byte[] luma(byte[] rgb) {
        byte[] out = new byte[rgb.length / 3];
        for (int i = 0; i < out.length; i++) {
            int r = rgb[3 * i] & 0xFF;
            int g = rgb[3 * i + 1] & 0xFF;
            int b = rgb[3 * i + 2] & 0xFF;
            out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return out;
    }

    /** The image as a {@link BufferedImage} (TYPE_BYTE_GRAY or TYPE_3BYTE_BGR), pixels copied. */
    public static BufferedImage toBufferedImage(Image image) {
        int w = image.width();
        int h = image.height();
        int c = image.channels();
        int type = c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR;
        BufferedImage bi = new BufferedImage(w, h, type);
        WritableRaster raster = bi.getRaster();
        int[] row = new int[w * c];
        byte[] px = image.pixels();
        // setPixels writes raw samples in band order (R, G, B), so no colour conversion touches the values.
        for (int y = 0; y < h; y++) {
            for (int i = 0; i < w * c; i++) {
                row[i] = px[y * w * c + i] & 0xFF;
            }
            raster.setPixels(0, y, w, 1, row);
        }
        return bi;
    }

    /**
     * Writes {@code image} as a PNG (8-bit grey or RGB) to a temporary file beside {@code file}, then renames it into
     * place, so that a reader never sees half a file and a crash never leaves one. Creates missing parent folders.
     */
    public static void writePng(Image image, Path file) {
        writePng(toBufferedImage(image), file);
    }

    /** As {@link #writePng(Image, Path)}, for an already built {@link BufferedImage}. */
    public static void writePng(BufferedImage image, Path file) {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new DatasetException(file + ": no PNG writer in javax.imageio");
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot write the PNG: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: the original error matters more than a leftover temporary file.
                }
            }
        }
    }
}
