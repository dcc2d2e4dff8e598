package dev.usp4j.diffusion;

import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.model.DiTConfigs;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.io.PtFile;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vae.VaeConfig;
import dev.usp4j.nn.vae.VaeConfigs;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.nn.vit.MaeConfigs;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.nn.vit.VisionTransformer;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Builds any usp4j model by name (DESIGN.md §4): {@code create("DiT-XL/2")}, {@code create("SiT-B/2-VAE-simple")},
 * {@code create("MAE-ViT-B/2")}, {@code create("ViT-B/2")}, {@code create("VAE-f8")}, {@code create("DiT", json)}
 * with the original constructor's keyword arguments (a diffusers {@code config.json} for the VAE), and
 * {@code parameterCount("DiT-XL/2")} = 675,129,632 by arithmetic, without allocating the model. A model folder as
 * published ({@code config.json} and the weights) loads with {@link #fromPretrained} and is written with
 * {@link #save}. Families are looked up by the name's prefix; {@link #register} adds or replaces one.
 */
public final class ModelRegistry {
    /** The weight files {@link #fromPretrained} looks for, in order (ours, diffusers', then pickled ones). */
    public static final List<String> WEIGHT_FILES = List.of("model.safetensors", "diffusion_pytorch_model.safetensors",
            "model.pt", "pytorch_model.bin", "diffusion_pytorch_model.bin");

    private static final Map<String, ModelFamily> FAMILIES = new LinkedHashMap<>();

    static {
        register(new TransformerFamily("DiT"));
        register(new TransformerFamily("SiT"));
        register(new NnFamily("MAE", "MaskedAutoencoderViT", MaeConfigs.names(),
                n -> n.startsWith("MAE-ViT-") || n.startsWith("vit_"), n -> MaeConfigs.named(n).toMap(),
                MaskedAutoencoderViT::create, j -> MaeConfigs.fromMap(j).parameterCount()));
        register(new NnFamily("ViT", "VisionTransformer",
                MaeConfigs.names().stream().map(n -> n.substring("MAE-".length())).toList(),
                n -> n.startsWith("ViT-"), n -> MaeConfigs.vit(n).toMap(), VisionTransformer::create,
                j -> VitConfig.fromMap(j).parameterCount()));
        register(new NnFamily("VAE", "AutoencoderKL", List.copyOf(VaeConfigs.names()), n -> n.startsWith("VAE-"),
                n -> VaeConfigs.named(n).toDiffusers(), AutoencoderKL::create,
                j -> VaeConfig.fromDiffusers(j).parameterCount()));
    }

    private ModelRegistry() {
    }

    /** Adds {@code family}, replacing a registered one of the same name. */
    public static synchronized void register(ModelFamily family) {
        FAMILIES.put(family.name(), family);
    }

    /** The registered family called {@code name} ("DiT", "SiT", "MAE", "VAE"). */
    public static synchronized ModelFamily family(String name) {
        ModelFamily f = FAMILIES.get(name);
        if (f == null) {
            throw new IllegalArgumentException("ModelRegistry: unknown family '" + name + "' (known: "
                    + FAMILIES.keySet() + ")");
        }
        return f;
    }

    /** The family that knows model {@code name}. */
    public static synchronized ModelFamily familyOf(String name) {
        for (ModelFamily f : FAMILIES.values()) {
            if (f.knows(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("ModelRegistry: unknown model '" + name + "'; families " + FAMILIES.keySet()
                + ", e.g. DiT-XL/2, SiT-B/2, DiT-B/2-VAE-simple, MAE-ViT-B/2, VAE-f8 (see ModelRegistry.names())");
    }

    /** Every known model name, family by family. */
    public static synchronized List<String> names() {
        List<String> out = new ArrayList<>();
        for (ModelFamily f : FAMILIES.values()) {
            out.addAll(f.names());
        }
        return out;
    }

    /** The named model's configuration (constructor keyword arguments). */
    public static Map<String, Object> config(String name) {
        return familyOf(name).config(name);
    }

    /** A freshly initialised model called {@code name}, e.g. "DiT-XL/2". */
    public static Module create(String name) {
        ModelFamily f = familyOf(name);
        return f.create(f.config(name));
    }

    /** A freshly initialised model of {@code family} from constructor keyword arguments. */
    public static Module create(String family, Map<String, ?> json) {
        return family(family).create(json);
    }

    /** The named model's parameter count (frozen ones included), by arithmetic: nothing is allocated. */
    public static long parameterCount(String name) {
        ModelFamily f = familyOf(name);
        return f.parameterCount(f.config(name));
    }

    /** The parameter count of {@code family} built from {@code json}, by arithmetic. */
    public static long parameterCount(String family, Map<String, ?> json) {
        return family(family).parameterCount(json);
    }

    /**
     * A model folder as published or as {@link #save} writes it: {@code config.json} holds the constructor's keyword
     * arguments and {@code _class_name} (DiT, SiT, MaskedAutoencoderViT, VisionTransformer or AutoencoderKL, as
     * diffusers names it), the weights are the first of {@link #WEIGHT_FILES} present (a pickled checkpoint's
     * {@code "ema"} or {@code "model"} entry when it has one, as DiT's and MAE's loaders take). Loaded strictly: a
     * missing, extra or mis-shaped tensor is an error naming it and both shapes. A diffusers AutoencoderKL folder
     * goes through {@link AutoencoderKL#fromPretrained}, which also maps the legacy attention names.
     */
    public static Module fromPretrained(Path dir) throws IOException {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IOException("ModelRegistry.fromPretrained: " + dir + " has no config.json");
        }
        Map<String, Object> json = Json.parseObject(Files.readString(configFile, StandardCharsets.UTF_8));
        Object cls = json.get("_class_name");
        ModelFamily family = null;
        for (ModelFamily f : families()) {
            if (f.className().equals(cls)) {
                family = f;
            }
        }
        if (family == null) {
            List<String> classes = families().stream().map(ModelFamily::className).toList();
            throw new IllegalArgumentException("ModelRegistry.fromPretrained: " + configFile + " has _class_name "
                    + (cls == null ? "missing" : "'" + cls + "'") + "; expected one of " + classes);
        }
        if (family.name().equals("VAE")) {
            return AutoencoderKL.fromPretrained(dir);
        }
        Map<String, Object> args = new LinkedHashMap<>(json);
        args.keySet().removeIf(k -> k.startsWith("_"));
        Module model = family.create(args);
        Path weights = null;
        for (String name : WEIGHT_FILES) {
            if (weights == null && Files.isRegularFile(dir.resolve(name))) {
                weights = dir.resolve(name);
            }
        }
        if (weights == null) {
            throw new IOException("ModelRegistry.fromPretrained: " + dir + " has none of " + WEIGHT_FILES);
        }
        Map<String, NDArray> state = weights.toString().endsWith(".safetensors") ? Safetensors.load(weights)
                : pickledStateDict(weights);
        try {
            model.loadStateDict(state, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights + ": " + e.getMessage(), e);
        }
        return model;
    }

    /** A pickled checkpoint's weights: its "ema" entry (DiT's find_model), else "model" (MAE's), else the whole. */
    private static Map<String, NDArray> pickledStateDict(Path file) throws IOException {
        PtFile pt = PtFile.read(file);
        for (String key : List.of("ema", "model")) {
            try {
                return pt.stateDict(key);
            } catch (IllegalArgumentException absent) {
                // not this layout; try the next
            }
        }
        return pt.stateDict();
    }

    /**
     * Writes {@code model} as a folder {@link #fromPretrained} (and, for the VAE, diffusers) reads back:
     * {@code config.json} with {@code _class_name} and the constructor arguments, and the weights as
     * {@code model.safetensors} ({@code diffusion_pytorch_model.safetensors} for the VAE). Each file is written to a
     * temporary name and renamed into place, so a crash never leaves a half-written model.
     */
    public static void save(Module model, Path dir) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        String weights = "model.safetensors";
        switch (model) {
            case DiT d -> {
                json.put("_class_name", d instanceof SiT ? "SiT" : "DiT");
                json.putAll(d.config().toJson());
            }
            case MaskedAutoencoderViT m -> {
                json.put("_class_name", "MaskedAutoencoderViT");
                json.putAll(m.config().toMap());
            }
            case VisionTransformer v -> {
                json.put("_class_name", "VisionTransformer");
                json.putAll(v.config().toMap());
            }
            case AutoencoderKL a -> {
                json.putAll(a.config().toDiffusers());
                weights = "diffusion_pytorch_model.safetensors";
            }
            default -> throw new IllegalArgumentException("ModelRegistry.save: " + model.getClass().getSimpleName()
                    + " is not a registry model (DiT, SiT, MaskedAutoencoderViT, VisionTransformer, AutoencoderKL)");
        }
        Files.createDirectories(dir);
        // The metadata lets a lone weights file say what it is (./usp forward reads it).
        Safetensors.save(dir.resolve(weights), model.stateDict(), Map.of("model",
                String.valueOf(json.get("_class_name")), "config", Json.write(json)));
        Path tmp = dir.resolve("config.json.tmp");
        Files.writeString(tmp, Json.write(json) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static synchronized List<ModelFamily> families() {
        return new ArrayList<>(FAMILIES.values());
    }

    /** DiT or SiT: the same configurations and arithmetic, different forward. */
    private record TransformerFamily(String name) implements ModelFamily {
        @Override
        public String className() {
            return name;
        }

        @Override
        public List<String> names() {
            return DiTConfigs.names().stream().filter(n -> n.startsWith(name + "-")).toList();
        }

        @Override
        public boolean knows(String modelName) {
            return DiTConfigs.isKnown(modelName) && DiTConfigs.family(modelName).equals(name);
        }

        @Override
        public Map<String, Object> config(String modelName) {
            if (!knows(modelName)) {
                throw new IllegalArgumentException("ModelRegistry: '" + modelName + "' is not a " + name + " model");
            }
            return DiTConfigs.named(modelName).toJson();
        }

        @Override
        public Module create(Map<String, ?> json) {
            return name.equals("SiT") ? SiT.create(json) : DiT.create(json);
        }

        @Override
        public long parameterCount(Map<String, ?> json) {
            return DiTConfig.fromJson(json).parameterCount();
        }
    }

    /**
     * A family whose model and config classes live in nn: the names, which names it claims (so that a size it does
     * not have is its error, not "unknown model"), the config of a name, construction and the count arithmetic.
     */
    private record NnFamily(String name, String className, List<String> names, java.util.function.Predicate<String> claims,
                            Function<String, Map<String, Object>> configOf,
                            Function<Map<String, Object>, Module> factory,
                            ToLongFunction<Map<String, Object>> counter) implements ModelFamily {
        @Override
        public boolean knows(String modelName) {
            return claims.test(modelName);
        }

        @Override
        public Map<String, Object> config(String modelName) {
            return new LinkedHashMap<>(configOf.apply(modelName));
        }

        @Override
        @SuppressWarnings("unchecked")
        public Module create(Map<String, ?> json) {
            return factory.apply((Map<String, Object>) json);
        }

        @Override
        @SuppressWarnings("unchecked")
        public long parameterCount(Map<String, ?> json) {
            return counter.applyAsLong((Map<String, Object>) json);
        }
    }
}
