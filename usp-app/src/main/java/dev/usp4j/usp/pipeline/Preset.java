package dev.usp4j.usp.pipeline;

import dev.usp4j.diffusion.model.DiTConfigs;
import dev.usp4j.diffusion.sampling.Samplers;
import dev.usp4j.nn.vae.VaeConfigs;
import dev.usp4j.nn.vit.MaeConfigs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sizes of one {@code ./usp pipeline} run: the dataset, the small VAE's training, USP pretraining, the generative
 * models' training and evaluation schedule, and the probe. {@code tiny} is for tests (synthetic data, seconds);
 * {@code quick} (15 minutes on a 2-core machine) and {@code standard} (2 hours) are for Fashion-MNIST; bench/RESULTS.md
 * has their measured stage times.
 * {@link #with} overrides one setting by its {@link #toMap()} key ({@code ./usp pipeline --set gen_steps=800}).
 */
public record Preset(String name, String dataset, String vae, long vaeSteps, int vaeBatch, String mae,
                     long pretrainSteps, int pretrainBatch, String ditSize, long genSteps, int genBatch,
                     List<Long> evalSteps, int fidSamples, String ditSampler, String sitSampler, double emaDecay,
                     long probeSteps, int probeBatch, int classifierSteps, long latentImages, boolean latentFlip,
                     double genLr, double cfgScale) {

    public Preset {
        evalSteps = List.copyOf(evalSteps);
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("name must be letters, digits, '.', '_' or '-' (it names the run"
                    + " folder), got '" + name + "'");
        }
        if (vaeSteps <= 0 || vaeBatch <= 0 || pretrainSteps <= 0 || pretrainBatch <= 0 || genSteps <= 0
                || genBatch <= 0 || probeSteps <= 0 || probeBatch <= 0 || classifierSteps <= 0) {
            throw new IllegalArgumentException("step counts and batch sizes must be positive");
        }
        if (latentImages < 0) {
            throw new IllegalArgumentException("latent_images must be 0 (the whole training split) or positive, got "
                    + latentImages);
        }
        if (!(genLr > 0) || !(cfgScale >= 1)) {
            throw new IllegalArgumentException("gen_lr must be > 0 and cfg_scale >= 1, got " + genLr + ", "
                    + cfgScale);
        }
        if (fidSamples < 2) {
            throw new IllegalArgumentException("fid_samples must be at least 2, got " + fidSamples);
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("ema_decay must be in [0, 1), got " + emaDecay);
        }
        for (int i = 0; i < evalSteps.size(); i++) {
            if (evalSteps.get(i) <= 0 || i > 0 && evalSteps.get(i) <= evalSteps.get(i - 1)) {
                throw new IllegalArgumentException("eval_steps must be positive and ascending, got " + evalSteps);
            }
        }
        if (evalSteps.isEmpty() || evalSteps.getLast() != genSteps) {
            throw new IllegalArgumentException("eval_steps must end at gen_steps (" + genSteps + "), got "
                    + evalSteps);
        }
    }

    public static Preset named(String name) {
        return switch (name) {
            case "tiny" -> new Preset("tiny", "synthetic:32", "VAE-f4-small", 2, 8, "MAE-ViT-T/2", 2, 8, "Ti/2", 2,
                    8, List.of(1L, 2L), 8, "ddim:4", "sde:euler:4", 0.5, 2, 8, 3, 0, true, 1e-4, 1.0);
            // Sized for 15 minutes on 2 cores: the N models (128 wide, 4 deep), 20,000 training images encoded once
            // without flips, a learning rate of 1e-3 (DiT's 1e-4 moves a model this small too slowly in 500 steps)
            // and guided samples (cfg 2.5) for the FID and the grids.
            case "quick" -> new Preset("quick", "fashion-mnist", "VAE-f4-small", 240, 32, "MAE-ViT-N/2", 500, 128,
                    "N/2", 500, 128, List.of(250L, 500L), 500, "ddim:25", "ode:euler:25", 0.99, 200, 256, 600,
                    20000, false, 1e-3, 2.5);
            case "standard" -> new Preset("standard", "fashion-mnist", "VAE-f4-small", 3000, 64, "MAE-ViT-S/2",
                    4000, 256, "S/2", 6000, 256, List.of(2000L, 4000L, 6000L), 2000, "ddpm:250", "sde:euler:250",
                    0.999, 2000, 256, 1500, 0, true, 1e-4, 1.5);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; expected tiny, quick or"
                    + " standard");
        };
    }

    /**
     * This preset with the setting {@code key} (a {@link #toMap()} key) set to {@code value} (numbers as written,
     * eval_steps comma-separated, e.g. "200,400,800"). A new gen_steps moves eval_steps along proportionally (the
     * last evaluation stays at the end of training); set eval_steps after it to choose them. An unknown key or a bad
     * value is an {@link IllegalArgumentException} naming the valid keys.
     */
    public Preset with(String key, String value) {
        Map<String, Object> m = toMap();
        if (!m.containsKey(key)) {
            throw new IllegalArgumentException("unknown preset setting '" + key + "'; valid keys: " + keys());
        }
        try {
            Object old = m.get(key);
            Object v = switch (old) {
                case String s -> checkName(key, value.strip());
                case Long l -> Long.parseLong(value.strip());
                case Double d -> Double.parseDouble(value.strip());
                case Boolean b -> parseBoolean(value.strip());
                case List<?> l -> parseSteps(value);
                default -> throw new IllegalStateException("preset setting " + key + " of type " + old.getClass());
            };
            m.put(key, v);
            if (key.equals("gen_steps")) {
                m.put("eval_steps", rescale(evalSteps, genSteps, (Long) v));
            }
            return fromMap(m);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("preset setting " + key + "=" + value + ": not a number; valid keys: "
                    + keys());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("preset setting " + key + "=" + value + ": " + e.getMessage()
                    + "; valid keys: " + keys());
        }
    }

    /** This preset with every {@code key=value} of {@code settings} applied in order (gen_steps first). */
    public Preset with(List<String> settings) {
        List<String> ordered = new ArrayList<>(settings);
        ordered.sort((a, b) -> Boolean.compare(!a.startsWith("gen_steps="), !b.startsWith("gen_steps=")));
        Preset p = this;
        for (String s : ordered) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set expects KEY=VALUE, got '" + s + "'; valid keys: " + keys());
            }
            p = p.with(s.substring(0, eq).strip(), s.substring(eq + 1));
        }
        return p;
    }

    /** The settings {@link #with} accepts, in {@link #toMap()} order. */
    public static List<String> keys() {
        return List.copyOf(named("tiny").toMap().keySet());
    }

    private static String checkName(String key, String value) {
        boolean ok = switch (key) {
            case "vae" -> VaeConfigs.names().contains(value);
            case "mae" -> MaeConfigs.names().contains(value);
            case "dit_size" -> DiTConfigs.isKnown("DiT-" + value) && DiTConfigs.isKnown("SiT-" + value);
            case "dit_sampler", "sit_sampler" -> Samplers.parse(value) != null;
            default -> !value.isEmpty();
        };
        if (!ok) {
            throw new IllegalArgumentException("unknown " + key + " '" + value + "'");
        }
        return value;
    }

    private static boolean parseBoolean(String value) {
        return switch (value) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("expected true or false, got '" + value + "'");
        };
    }

    private static List<Long> parseSteps(String value) {
        List<Long> out = new ArrayList<>();
        for (String s : value.split(",")) {
            out.add(Long.parseLong(s.strip()));
        }
        return out;
    }

    private static List<Long> rescale(List<Long> evals, long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long e : evals) {
            long s = Math.max(1, Math.round((double) e * to / from));
            if (out.isEmpty() || s > out.getLast()) {
                out.add(s);
            }
        }
        if (out.getLast() != to) {
            out.removeIf(s -> s >= to);
            out.add(to);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Preset fromMap(Map<String, Object> m) {
        return new Preset((String) m.get("name"), (String) m.get("dataset"), (String) m.get("vae"),
                (Long) m.get("vae_steps"), intOf(m, "vae_batch"), (String) m.get("mae"),
                (Long) m.get("pretrain_steps"), intOf(m, "pretrain_batch"), (String) m.get("dit_size"),
                (Long) m.get("gen_steps"), intOf(m, "gen_batch"), (List<Long>) m.get("eval_steps"),
                intOf(m, "fid_samples"), (String) m.get("dit_sampler"), (String) m.get("sit_sampler"),
                (Double) m.get("ema_decay"), (Long) m.get("probe_steps"), intOf(m, "probe_batch"),
                intOf(m, "classifier_steps"), (Long) m.get("latent_images"), (Boolean) m.get("latent_flip"),
                (Double) m.get("gen_lr"), (Double) m.get("cfg_scale"));
    }

    private static int intOf(Map<String, Object> m, String key) {
        long v = (Long) m.get(key);
        if (v != (int) v) {
            throw new IllegalArgumentException(key + " " + v + " is too large");
        }
        return (int) v;
    }

    /** Everything as JSON values, for the stage hashes and the report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("dataset", dataset);
        m.put("vae", vae);
        m.put("vae_steps", vaeSteps);
        m.put("vae_batch", (long) vaeBatch);
        m.put("mae", mae);
        m.put("pretrain_steps", pretrainSteps);
        m.put("pretrain_batch", (long) pretrainBatch);
        m.put("dit_size", ditSize);
        m.put("gen_steps", genSteps);
        m.put("gen_batch", (long) genBatch);
        m.put("eval_steps", evalSteps);
        m.put("fid_samples", (long) fidSamples);
        m.put("dit_sampler", ditSampler);
        m.put("sit_sampler", sitSampler);
        m.put("ema_decay", emaDecay);
        m.put("probe_steps", probeSteps);
        m.put("probe_batch", (long) probeBatch);
        m.put("classifier_steps", (long) classifierSteps);
        m.put("latent_images", latentImages);
        m.put("latent_flip", latentFlip);
        m.put("gen_lr", genLr);
        m.put("cfg_scale", cfgScale);
        return m;
    }
}
