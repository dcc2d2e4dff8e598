package dev.usp4j.usp.gen;

import dev.usp4j.data.LatentCache;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.nn.LoadReport;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reading {@link GenerativeTrainer} checkpoints without a trainer: the header (model kind and config, training
 * settings, the identity of the latent cache) that rebuilds the network before its weights are loaded, and the EMA
 * weights for sampling, into a new network or one the caller built (which must be what the checkpoint holds).
 * Every wrong file is an error that says what the file is and what was expected.
 */
public final class GenerativeCheckpoints {
    /** The value of the config's "trainer" key that marks a generative-training checkpoint. */
    public static final String TRAINER = "usp4j-generative";

    private GenerativeCheckpoints() {
    }

    /** What a checkpoint says about its run. */
    public record Header(GenerativeKind kind, DiTConfig model, GenerativeConfig train, Map<String, Object> cache,
                         long step) {
    }

    /** The checkpoint config a trainer writes. */
    static Map<String, Object> config(GenerativeKind kind, DiTConfig model, GenerativeConfig train,
                                      LatentCache cache) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainer", TRAINER);
        m.put("kind", kind.label());
        m.put("model", model.toJson());
        m.put("train", train.toJson());
        m.put("cache", cacheIdentity(cache));
        return m;
    }

    private static Map<String, Object> cacheIdentity(LatentCache cache) {
        LatentCache.Spec s = cache.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("encoder", s.encoder());
        m.put("scale_factor", s.scaleFactor());
        m.put("dataset", s.dataset());
        m.put("dataset_fingerprint", s.datasetFingerprint());
        m.put("transform", s.transform());
        m.put("flip", s.flip());
        m.put("size", (long) cache.size());
        return m;
    }

    /** The first way {@code cache} differs from the identity saved in a checkpoint (null when the same). */
    static String cacheDifference(Map<String, Object> saved, LatentCache cache) {
        Map<String, Object> now = cacheIdentity(cache);
        for (Map.Entry<String, Object> e : now.entrySet()) {
            Object was = saved.get(e.getKey());
            boolean same = was instanceof Number a && e.getValue() instanceof Number b
                    ? a.doubleValue() == b.doubleValue() : e.getValue().equals(was);
            if (!same) {
                return e.getKey() + " was " + was + ", is " + e.getValue();
            }
        }
        return null;
    }

    /** The kind, configs, cache identity and step of a trainer checkpoint, read from its metadata alone. */
    @SuppressWarnings("unchecked")
    public static Header readHeader(Path checkpoint) throws IOException {
        Map<String, String> meta;
        try (SafetensorsFile f = Safetensors.open(checkpoint)) {
            meta = f.metadata();
        }
        if (!TrainingCheckpoint.FORMAT.equals(meta.get("format"))) {
            throw new IllegalArgumentException(checkpoint + ": not a training checkpoint (format '"
                    + meta.get("format") + "'); expected one written by GenerativeTrainer");
        }
        Map<String, Object> cfg;
        try {
            cfg = Json.parseObject(meta.getOrDefault("config", "{}"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(checkpoint + ": unreadable config metadata: " + e.getMessage(), e);
        }
        if (!TRAINER.equals(cfg.get("trainer"))) {
            throw new IllegalArgumentException(checkpoint + ": a training checkpoint of another trainer (config"
                    + " keys " + cfg.keySet() + "), not of GenerativeTrainer (DiT/SiT)");
        }
        try {
            return new Header(GenerativeKind.parse((String) cfg.get("kind")),
                    DiTConfig.fromJson((Map<String, ?>) cfg.get("model")),
                    GenerativeConfig.fromJson((Map<String, ?>) cfg.get("train")),
                    (Map<String, Object>) cfg.get("cache"), Long.parseLong(meta.get("step")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(checkpoint + ": corrupt GenerativeTrainer config: " + e.getMessage(),
                    e);
        }
    }

    /** A new network of the checkpoint's kind and config holding its EMA weights, in eval mode. */
    public static DiT loadEma(Path checkpoint) throws IOException {
        return loadEma(checkpoint, null);
    }

    /**
     * The checkpoint's EMA weights in {@code target} (null: a new network built from the header), in eval mode.
     * A target of another kind (DiT vs SiT) or config is refused with both named.
     */
    public static DiT loadEma(Path checkpoint, DiT target) throws IOException {
        Header h = readHeader(checkpoint);
        if (target == null) {
            target = h.kind().build(h.model(), new Generator(0));
        } else if (GenerativeKind.of(target) != h.kind() || !target.config().equals(h.model())) {
            throw new IllegalArgumentException(checkpoint + ": holds a " + h.kind().label() + " " + h.model().toJson()
                    + ", asked to load it into a " + GenerativeKind.of(target).label() + " "
                    + target.config().toJson());
        }
        Map<String, NDArray> ema = new LinkedHashMap<>();
        try (SafetensorsFile f = Safetensors.open(checkpoint)) {
            for (String name : f.names()) {
                if (name.startsWith("ema.")) {
                    ema.put(name.substring(4), f.get(name));
                }
            }
        }
        if (ema.isEmpty()) {
            throw new IllegalArgumentException(checkpoint + ": holds no EMA weights");
        }
        LoadReport r = target.loadStateDict(ema, true);
        if (!r.isClean()) {
            throw new IllegalArgumentException(checkpoint + ": EMA weights do not fit the model: " + r);
        }
        target.eval();
        return target;
    }

    /** SplitMix64 over (seed, stream, index): decorrelated seeds for the trainer's generators and epoch shuffles. */
    static long mix(long seed, long stream, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
