package dev.usp4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.transforms.Images;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latent cache: built once, reused when everything matches, rebuilt (with the reason logged) when the encoder,
 * scale, dataset, transform or flip setting differs or the file is damaged; reads give the encoder's moments back
 * exactly, flips included, and posterior samples with the right statistics.
 */
class LatentCacheTest {
    @TempDir
    Path dir;

    /** A deterministic "VAE": mean = 2×2 average pooling of the image, log-variance = a constant per channel. */
    static final class PoolEncoder implements LatentEncoder {
        final String id;
        int calls;

        PoolEncoder(String id) {
            this.id = id;
        }

        @Override
        public NDArray encodeMoments(NDArray images) {
            calls++;
            int b = images.size(0);
            int h = images.size(2) / 2;
            int w = images.size(3) / 2;
            float[] x = images.contiguous().toFloatArray();
            float[] out = new float[b * 2 * h * w];
            for (int n = 0; n < b; n++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        int base = n * images.size(2) * images.size(3);
                        float s = x[base + 2 * i * images.size(3) + 2 * j] + x[base + 2 * i * images.size(3) + 2 * j + 1]
                                + x[base + (2 * i + 1) * images.size(3) + 2 * j]
                                + x[base + (2 * i + 1) * images.size(3) + 2 * j + 1];
                        out[((n * 2) * h + i) * w + j] = s / 4;
                        out[((n * 2 + 1) * h + i) * w + j] = -2f;
                    }
                }
            }
            return NDArray.of(out, b, 2, h, w);
        }

        @Override
        public String identity() {
            return id;
        }
    }

    private LatentCache build(Path file, Dataset ds, PoolEncoder enc, double scale, String transform, boolean flip,
                              List<String> log) throws IOException {
        return LatentCache.openOrBuild(file, ds, Transform.identity(), transform, ToTensor.symmetric(), enc, scale,
                flip, 7, log::add);
    }

    @Test
    void roundTripAndReuse() throws IOException {
        Path file = dir.resolve("cache/latents.safetensors");
        ListDataset ds = new ListDataset(20, 4, 6, "fp1");
        PoolEncoder enc = new PoolEncoder("pool-v1");
        List<String> log = new ArrayList<>();
        try (LatentCache c = build(file, ds, enc, 0.5, "none", true, log)) {
            assertEquals(20, c.size());
            assertArrayEquals(new int[] {1, 3, 2}, c.latentShape());
            assertEquals(6, enc.calls, "3 batches of 7, plain and flipped");
            int[] idx = {0, 19, 7};
            NDArray direct = enc.encodeMoments(NDArray.cat(List.of(ToTensor.symmetric().apply(ds.get(0).image())
                    .unsqueeze(0), ToTensor.symmetric().apply(ds.get(19).image()).unsqueeze(0),
                    ToTensor.symmetric().apply(Images.flipHorizontal(ds.get(7).image())).unsqueeze(0)), 0));
            NDArray mean = c.mean(idx, new boolean[] {false, false, true});
            assertArrayEquals(direct.narrow(1, 0, 1).contiguous().toFloatArray(), mean.toFloatArray());
            assertArrayEquals(mean.mul(0.5).toFloatArray(), c.mode(idx, new boolean[] {false, false, true})
                    .toFloatArray());
            assertArrayEquals(new long[] {0, 1, 1}, c.labels(idx).toLongArray());
        }
        assertTrue(Files.list(file.getParent()).allMatch(p -> p.equals(file)), "no temporary file left behind");
        int calls = enc.calls;
        try (LatentCache c = build(file, ds, enc, 0.5, "none", true, log)) {
            assertEquals(calls, enc.calls, "reused, not re-encoded");
            assertTrue(log.getLast().contains("reusing"), log.getLast());
            assertEquals("pool-v1", c.spec().encoder());
        }
    }

    @Test
    void posteriorSamplesHaveTheCachedMoments() throws IOException {
        ListDataset ds = new ListDataset(3, 4, 4, "fp");
        try (LatentCache c = build(dir.resolve("s.safetensors"), ds, new PoolEncoder("p"), 0.25, "none", false,
                new ArrayList<>())) {
            int[] idx = new int[4000];
            java.util.Arrays.fill(idx, 1);
            NDArray z = c.sample(idx, null, new Generator(3));
            NDArray mu = c.mean(new int[] {1}, null).mul(0.25);
            float[] zs = z.toFloatArray();
            float[] m = mu.toFloatArray();
            // per latent element: 4000 draws of 0.25·(μ + e^{-1}·ε); the mean's standard error is 0.25·0.368/√4000
            for (int e = 0; e < m.length; e++) {
                double sum = 0;
                double sq = 0;
                for (int s = 0; s < 4000; s++) {
                    double v = zs[s * m.length + e];
                    sum += v;
                    sq += v * v;
                }
                double mean = sum / 4000;
                double var = sq / 4000 - mean * mean;
                assertEquals(m[e], mean, 5 * 0.25 * Math.exp(-1) / Math.sqrt(4000));
                assertEquals(0.0625 * Math.exp(-2), var, 0.1 * 0.0625 * Math.exp(-2));
            }
            assertThrows(IllegalArgumentException.class, () -> c.mean(new int[] {0}, new boolean[] {true}),
                    "no flips stored");
            assertThrows(IndexOutOfBoundsException.class, () -> c.mean(new int[] {3}, null));
        }
    }

    @Test
    void rebuildsOnEveryMismatch() throws IOException {
        Path file = dir.resolve("m.safetensors");
        ListDataset ds = new ListDataset(5, 2, 2, "fp1");
        List<String> log = new ArrayList<>();
        build(file, ds, new PoolEncoder("a"), 1.0, "none", false, log).close();
        String[][] changes = {{"encoder", "b", "1.0", "none", "false", "fp1"}, {"scale", "b", "0.5", "none", "false",
                "fp1"}, {"transform", "b", "0.5", "pad2", "false", "fp1"}, {"flip", "b", "0.5", "pad2", "true", "fp1"},
                {"dataset", "b", "0.5", "pad2", "true", "fp2"}};
        for (String[] ch : changes) {
            PoolEncoder enc = new PoolEncoder(ch[1]);
            build(file, new ListDataset(5, 2, 2, ch[5]), enc, Double.parseDouble(ch[2]), ch[3],
                    Boolean.parseBoolean(ch[4]), log).close();
            assertTrue(enc.calls > 0, ch[0] + ": rebuilt");
            assertTrue(log.stream().anyMatch(l -> l.contains("rebuilding") && l.contains(ch[0])), ch[0] + ": " + log);
            log.clear();
        }
        // a damaged file is rebuilt too, never half-read
        Files.write(file, new byte[] {1, 2, 3});
        PoolEncoder enc = new PoolEncoder("b");
        try (LatentCache c = build(file, new ListDataset(5, 2, 2, "fp2"), enc, 0.5, "pad2", true, log)) {
            assertTrue(enc.calls > 0 && log.getFirst().contains("unreadable"), log.toString());
            assertEquals(5, c.size());
        }
        // a dataset of another size with the same fingerprint (say, a truncated copy) is not reused either
        enc = new PoolEncoder("b");
        build(file, new ListDataset(6, 2, 2, "fp2"), enc, 0.5, "pad2", true, log).close();
        assertTrue(enc.calls > 0, "size change rebuilt");
    }
}
