package dev.usp4j.data;

import dev.usp4j.data.transforms.Images;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A dataset encoded once by a VAE: every image's posterior mean and log-variance (and, optionally, those of its
 * horizontally flipped copy), with the labels, in one safetensors file whose metadata records what it was built from:
 * the encoder's identity, the scale factor, the dataset's name and fingerprint, the image transform and whether flips
 * are stored. {@link #openOrBuild} reuses a cache only when all of that matches what is asked for, and otherwise
 * rebuilds it (saying why); the file is written to a temporary name and renamed into place, so a crash never leaves a
 * half-written cache. Reads stream rows from the memory-mapped file and draw z = scale·(μ + σ·ε) per read, as the
 * trainers sample the posterior on the fly (DiT and SiT train on posterior samples; USP's pretraining on the mean).
 */
public final class LatentCache implements AutoCloseable {
    /** The format tag in the metadata; a file without it is not a latent cache. */
    public static final String FORMAT = "usp4j-latent-cache/1";

    /** What a cache is built from; two specs must be equal for a cache to be reused. */
    public record Spec(String encoder, double scaleFactor, String dataset, String datasetFingerprint,
                       String transform, boolean flip) {
        public Spec {
            Objects.requireNonNull(encoder, "encoder");
            Objects.requireNonNull(dataset, "dataset");
            Objects.requireNonNull(datasetFingerprint, "datasetFingerprint");
            Objects.requireNonNull(transform, "transform");
        }

        Map<String, String> toMetadata(int count) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("format", FORMAT);
            m.put("encoder", encoder);
            m.put("scale_factor", Double.toString(scaleFactor));
            m.put("dataset", dataset);
            m.put("dataset_fingerprint", datasetFingerprint);
            m.put("transform", transform);
            m.put("flip", Boolean.toString(flip));
            m.put("count", Integer.toString(count));
            return m;
        }

        static Spec fromMetadata(Path file, Map<String, String> m) {
            if (!FORMAT.equals(m.get("format"))) {
                throw new IllegalArgumentException(file + ": not a latent cache (format '" + m.get("format")
                        + "', expected '" + FORMAT + "')");
            }
            try {
                return new Spec(m.get("encoder"), Double.parseDouble(m.get("scale_factor")), m.get("dataset"),
                        m.get("dataset_fingerprint"), m.get("transform"), Boolean.parseBoolean(m.get("flip")));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": latent-cache metadata incomplete: " + m, e);
            }
        }

        /** The first field that differs from {@code other}, for the rebuild message (null when equal). */
        String difference(Spec other) {
            if (!encoder.equals(other.encoder)) {
                return "encoder '" + encoder + "' ≠ '" + other.encoder + "'";
            }
            if (Double.compare(scaleFactor, other.scaleFactor) != 0) {
                return "scale factor " + scaleFactor + " ≠ " + other.scaleFactor;
            }
            if (!dataset.equals(other.dataset) || !datasetFingerprint.equals(other.datasetFingerprint)) {
                return "dataset " + dataset + " (" + datasetFingerprint + ") ≠ " + other.dataset + " ("
                        + other.datasetFingerprint + ")";
            }
            if (!transform.equals(other.transform)) {
                return "transform '" + transform + "' ≠ '" + other.transform + "'";
            }
            return flip == other.flip ? null : "flip " + flip + " ≠ " + other.flip;
        }
    }

    private final Path file;
    private final SafetensorsFile st;
    private final Spec spec;
    private final int count;
    private final int[] latentShape;
    private final long[] labels;

    private LatentCache(Path file) throws IOException {
        this.file = file;
        this.st = Safetensors.open(file);
        try {
            this.spec = Spec.fromMetadata(file, st.metadata());
            NDArray lab = st.get("labels");
            this.labels = lab.toLongArray();
            this.count = labels.length;
            long[] ms = st.entry("mean").shape();
            this.latentShape = new int[ms.length - 1];
            for (int i = 1; i < ms.length; i++) {
                latentShape[i - 1] = (int) ms[i];
            }
            List<String> names = new ArrayList<>(List.of("mean", "logvar"));
            if (spec.flip()) {
                names.addAll(List.of("mean_flip", "logvar_flip"));
            }
            for (String n : names) {
                long[] s = st.entry(n).shape();
                if (s.length != ms.length || s[0] != count || !java.util.Arrays.equals(s, ms)) {
                    throw new IllegalArgumentException(file + ": tensor '" + n + "' has shape "
                            + java.util.Arrays.toString(s) + ", expected " + java.util.Arrays.toString(ms)
                            + " for " + count + " labels");
                }
            }
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
    }

    /** Opens an existing cache (no comparison with any spec). */
    public static LatentCache open(Path file) throws IOException {
        return new LatentCache(file);
    }

    /**
     * The cache at {@code file} for {@code dataset} encoded by {@code encoder} after the deterministic image
     * {@code transform} (described by {@code transformDescription}, which is part of the spec): reused when its spec
     * equals the one asked for, else (missing, unreadable or different) built anew in batches of {@code batchSize}.
     * {@code log} hears why a cache is rebuilt and how the build goes.
     */
    public static LatentCache openOrBuild(Path file, Dataset dataset, Transform transform, String transformDescription,
                                          ToTensor toTensor, LatentEncoder encoder, double scaleFactor, boolean flip,
                                          int batchSize, Consumer<String> log) throws IOException {
        Spec want = new Spec(encoder.identity(), scaleFactor, dataset.name(), dataset.fingerprint(),
                transformDescription, flip);
        if (Files.exists(file)) {
            String why;
            try {
                LatentCache c = new LatentCache(file);
                why = c.spec.difference(want);
                if (why == null && c.count == dataset.size()) {
                    log.accept("latent cache " + file + ": reusing " + c.count + " latents " + c.describeShape());
                    return c;
                }
                why = why != null ? why : c.count + " latents for " + dataset.size() + " samples";
                c.close();
            } catch (IOException | RuntimeException e) {
                why = "unreadable (" + e.getMessage() + ")";
            }
            log.accept("latent cache " + file + ": rebuilding, " + why);
        }
        build(file, dataset, transform, toTensor, encoder, want, batchSize, log);
        return new LatentCache(file);
    }

    private static void build(Path file, Dataset dataset, Transform transform, ToTensor toTensor,
                              LatentEncoder encoder, Spec spec, int batchSize, Consumer<String> log)
            throws IOException {
        int n = dataset.size();
        long[] labels = new long[n];
        float[][] parts = new float[spec.flip() ? 4 : 2][];
        int[] zShape = null;
        int per = 0;
        long t0 = System.nanoTime();
        for (int start = 0; start < n; start += batchSize) {
            int b = Math.min(batchSize, n - start);
            List<NDArray> images = new ArrayList<>();
            List<NDArray> flipped = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                Sample s = dataset.get(start + i);
                labels[start + i] = s.label();
                // One fixed generator: a cache holds one view of each image; random flips come from the stored flips.
                Image img = transform.apply(s.image(), new Generator(0));
                images.add(toTensor.apply(img).unsqueeze(0));
                if (spec.flip()) {
                    flipped.add(toTensor.apply(Images.flipHorizontal(img)).unsqueeze(0));
                }
            }
            NDArray[] moments = {encoder.encodeMoments(NDArray.cat(images, 0)),
                    spec.flip() ? encoder.encodeMoments(NDArray.cat(flipped, 0)) : null};
            for (int m = 0; m < (spec.flip() ? 2 : 1); m++) {
                NDArray mom = moments[m];
                if (mom.rank() < 2 || mom.size(0) != b || mom.size(1) % 2 != 0) {
                    throw new IllegalArgumentException("LatentCache: the encoder returned moments of shape "
                            + java.util.Arrays.toString(mom.shape()) + " for " + b + " images; expected [" + b
                            + ", 2·Cz, h, w] (mean, then log-variance)");
                }
                int cz = mom.size(1) / 2;
                NDArray mean = mom.narrow(1, 0, cz).contiguous();
                NDArray logvar = mom.narrow(1, cz, cz).contiguous();
                if (zShape == null) {
                    zShape = java.util.Arrays.copyOfRange(mean.shape(), 1, mean.rank());
                    per = mean.numel() / b;
                    for (int p = 0; p < parts.length; p++) {
                        parts[p] = new float[Math.multiplyExact(n, per)];
                    }
                }
                System.arraycopy(mean.toFloatArray(), 0, parts[2 * m], start * per, b * per);
                System.arraycopy(logvar.toFloatArray(), 0, parts[2 * m + 1], start * per, b * per);
            }
            log.accept(String.format(java.util.Locale.ROOT, "latent cache: encoded %d/%d images (%.0f s)",
                    start + b, n, (System.nanoTime() - t0) / 1e9));
        }
        int[] full = new int[zShape.length + 1];
        full[0] = n;
        System.arraycopy(zShape, 0, full, 1, zShape.length);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        String[] names = {"mean", "logvar", "mean_flip", "logvar_flip"};
        for (int p = 0; p < parts.length; p++) {
            tensors.put(names[p], NDArray.of(parts[p], full));
        }
        tensors.put("labels", NDArray.of(labels, n));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Safetensors.save(file, tensors, spec.toMetadata(n));
    }

    public Spec spec() {
        return spec;
    }

    public Path file() {
        return file;
    }

    /** The number of cached samples. */
    public int size() {
        return count;
    }

    /** One latent's shape [Cz, h, w]. */
    public int[] latentShape() {
        return latentShape.clone();
    }

    /** The label of sample {@code i}. */
    public long label(int i) {
        return labels[i];
    }

    /** Labels of the given samples as int64 [B]. */
    public NDArray labels(int[] indices) {
        long[] out = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = labels[check(indices[i])];
        }
        return NDArray.of(out, indices.length);
    }

    /** Unscaled posterior means of the given samples [B, Cz, h, w] (flipped copies where {@code flipped[i]}). */
    public NDArray mean(int[] indices, boolean[] flipped) {
        return gather(indices, flipped, "mean");
    }

    /** Unscaled posterior log-variances, as {@link #mean}. */
    public NDArray logvar(int[] indices, boolean[] flipped) {
        return gather(indices, flipped, "logvar");
    }

    /** Scaled posterior modes: scale·μ (USP's pretraining input). */
    public NDArray mode(int[] indices, boolean[] flipped) {
        return mean(indices, flipped).mul(spec.scaleFactor());
    }

    /** Scaled posterior samples scale·(μ + exp(½·logvar)·ε), ε from {@code gen} (DiT's and SiT's training input). */
    public NDArray sample(int[] indices, boolean[] flipped, Generator gen) {
        NDArray mu = mean(indices, flipped);
        NDArray std = logvar(indices, flipped).mul(0.5).exp();
        return mu.add(std.mul(NDArray.randn(gen, mu.shape()))).mul(spec.scaleFactor());
    }

    private NDArray gather(int[] indices, boolean[] flipped, String what) {
        if (flipped != null && flipped.length != indices.length) {
            throw new IllegalArgumentException("LatentCache: " + flipped.length + " flip flags for " + indices.length
                    + " indices");
        }
        List<NDArray> rows = new ArrayList<>(indices.length);
        for (int i = 0; i < indices.length; i++) {
            boolean f = flipped != null && flipped[i];
            if (f && !spec.flip()) {
                throw new IllegalArgumentException(file + ": flipped latents asked for, but the cache was built"
                        + " without flips");
            }
            rows.add(st.rows(f ? what + "_flip" : what, check(indices[i]), 1));
        }
        return NDArray.cat(rows, 0);
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException(file + ": latent " + i + " out of range [0, " + count + ")");
        }
        return i;
    }

    private String describeShape() {
        return java.util.Arrays.toString(latentShape) + (spec.flip() ? " (+ flips)" : "");
    }

    @Override
    public void close() {
        st.close();
    }
}
