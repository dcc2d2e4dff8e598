package dev.usp4j.data.datasets;

import dev.usp4j.data.Dataset;
import dev.usp4j.data.Image;
import dev.usp4j.data.Sample;
import dev.usp4j.tensor.random.Philox;

import java.util.ArrayList;
import java.util.List;

/**
 * A made-up labelled dataset for tests and smoke runs, needing no files: class {@code k} is a shape (square, disc,
 * horizontal bars, ring, repeating every four classes) in a colour of its own (hues spread round the colour wheel;
 * grey levels for 1 channel) at a random place and size, on a dark noisy background. Labels cycle
 * 0, 1, …, classes−1 so every class is equally common. Sample {@code i} is a pure function of (seed, i) through
 * Philox, so any thread computes the same image and nothing is stored; a model can learn it in a few steps.
 */
public final class SyntheticDataset implements Dataset {
    private static final String[] SHAPES = {"square", "disc", "bars", "ring"};

    private final int size;
    private final int width;
    private final int height;
    private final int channels;
    private final long seed;
    private final List<String> classes;

    /**
     * @param size     number of samples (≥ 0)
     * @param width    image width (≥ 4)
     * @param height   image height (≥ 4)
     * @param channels 1 or 3
     * @param classes  number of classes (1…256)
     * @param seed     Philox key: the same seed gives the same images
     */
    public SyntheticDataset(int size, int width, int height, int channels, int classes, long seed) {
        if (size < 0 || width < 4 || height < 4 || (channels != 1 && channels != 3) || classes < 1 || classes > 256) {
            throw new IllegalArgumentException("SyntheticDataset: expected size >= 0, width and height >= 4, 1 or 3 "
                    + "channels, 1..256 classes, got size " + size + ", " + width + "×" + height + "×" + channels
                    + ", " + classes + " classes");
        }
        this.size = size;
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.seed = seed;
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add(k + ":" + SHAPES[k % SHAPES.length]);
        }
        this.classes = List.copyOf(names);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Sample get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(name() + ": index " + index + " outside 0.." + (size - 1));
        }
        int label = index % classes.size();
        int[] words = new int[4];
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        // Counter (block, index): each sample owns its own stream, independent of the order samples are asked for.
        Philox.block(k0, k1, 0, index, 0, 0, words, 0);
        int side = Math.min(width, height);
        float scale = 0.35f + 0.3f * Philox.uniform(words[0]);
        int r = Math.max(2, Math.round(scale * side / 2));
        int cx = r + (int) (Philox.uniform(words[1]) * Math.max(1, width - 2 * r));
        int cy = r + (int) (Philox.uniform(words[2]) * Math.max(1, height - 2 * r));
        int[] colour = colour(label);
        byte[] px = new byte[width * height * channels];
        int shape = label % SHAPES.length;
        int block = 1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                if ((p & 3) == 0) {
                    Philox.block(k0, k1, block++, index, 0, 0, words, 0);
                }
                boolean inside = inside(shape, x - cx, y - cy, r);
                int noise = (words[p & 3] >>> 27); // 0..31
                for (int c = 0; c < channels; c++) {
                    int v = inside ? colour[c] - noise : 8 + noise;
                    px[p * channels + c] = (byte) Math.clamp(v, 0, 255);
                }
            }
        }
        return new Sample(new Image(width, height, channels, px), label);
    }

    private static boolean inside(int shape, int dx, int dy, int r) {
        return switch (shape) {
            case 0 -> Math.abs(dx) <= r && Math.abs(dy) <= r;
            case 1 -> dx * dx + dy * dy <= r * r;
            case 2 -> Math.abs(dx) <= r && Math.abs(dy) <= r && Math.floorMod(dy + r, 4) < 2;
            default -> {
                int d2 = dx * dx + dy * dy;
                int inner = r * 6 / 10;
                yield d2 <= r * r && d2 >= inner * inner;
            }
        };
    }

    /** Class colour: a hue per class at full saturation (RGB), or a grey level per class (1 channel). */
    private int[] colour(int label) {
        int n = classes.size();
        if (channels == 1) {
            return new int[] {n == 1 ? 255 : 110 + 145 * label / (n - 1)};
        }
        float hue = (float) label / n * 6f;
        int sector = (int) hue;
        int rise = Math.round(255 * (hue - sector));
        int fall = 255 - rise;
        return switch (sector) {
            case 0 -> new int[] {255, rise, 40};
            case 1 -> new int[] {fall, 255, 40};
            case 2 -> new int[] {40, 255, rise};
            case 3 -> new int[] {40, fall, 255};
            case 4 -> new int[] {rise, 40, 255};
            default -> new int[] {255, 40, fall};
        };
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public String name() {
        return "synthetic/" + width + "x" + height + "x" + channels + "-" + classes.size() + "c-seed" + seed;
    }

    /** The parameters: the images are a pure function of them (and of this class's version). */
    @Override
    public String fingerprint() {
        return "synthetic-v1:size=" + size + ",w=" + width + ",h=" + height + ",c=" + channels + ",classes="
                + classes.size() + ",seed=" + seed;
    }

    @Override
    public String toString() {
        return name() + " (" + size + " images)";
    }
}
