package dev.usp4j.nn.io;

import dev.usp4j.nn.LoadReport;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.optim.Optimizer;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Everything a training run needs to resume bit for bit, in one safetensors file: the model's state dict (tensors
 * named {@code model.<key>}), optionally an EMA's ({@code ema.<key>}) and an optimiser's ({@code optim.<key>}, from
 * {@link Optimizer#stateDict()}), and in {@code __metadata__} the step, the random number state (seed and Philox
 * offset of {@link Generator#defaultGenerator()} and of each named generator), the optimiser's class and
 * param-group hyper-parameters, and a JSON config. The file is written to a temporary name and renamed into place,
 * so a crash mid-write leaves the previous checkpoint intact.
 *
 * <p>{@link #load} checks everything before it changes anything: missing, unexpected and mis-shaped keys of the
 * model and EMA, an optimiser of another class or with other param groups, and generators whose seed differs. With
 * {@code strict} (the default) any problem is an error listing all of them; otherwise the matching parts are loaded
 * and the problems reported. Usage: {@code new TrainingCheckpoint(model).withEma(ema).withOptimizer(opt)
 * .withGenerator("data", dataGen).save(path, step, config)}, and the same object's {@code load(path)} to resume.
 */
public final class TrainingCheckpoint {
    /** The {@code format} metadata value that marks these files. */
    public static final String FORMAT = "usp4j-training-checkpoint";
    private static final String VERSION = "1";

    /** What {@link #load} restored and found. {@code ema} is null when no EMA was configured. */
    public record Restored(long step, Map<String, Object> config, LoadReport model, LoadReport ema,
                           List<String> problems) {
        public Restored {
            problems = List.copyOf(problems);
        }
    }

    private final Module model;
    private Supplier<Map<String, NDArray>> emaState;
    private Consumer<Map<String, NDArray>> emaLoad;
    private Optimizer optimizer;
    private final Map<String, Generator> generators = new LinkedHashMap<>();

    public TrainingCheckpoint(Module model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** Adds an EMA kept as a second copy of the model (DiT's {@code ema = deepcopy(model)}). */
    public TrainingCheckpoint withEma(Module ema) {
        return withEma(ema::stateDict, s -> ema.loadStateDict(s, true));
    }

    /** Adds an EMA kept as named arrays (e.g. {@code withEma(ema::stateDict, ema::loadStateDict)}). */
    public TrainingCheckpoint withEma(Supplier<Map<String, NDArray>> state, Consumer<Map<String, NDArray>> load) {
        this.emaState = Objects.requireNonNull(state);
        this.emaLoad = Objects.requireNonNull(load);
        return this;
    }

    public TrainingCheckpoint withOptimizer(Optimizer optimizer) {
        this.optimizer = Objects.requireNonNull(optimizer);
        return this;
    }

    /** Adds a generator other than the default one (data order, masking, noise), saved and restored by name. */
    public TrainingCheckpoint withGenerator(String name, Generator generator) {
        if (name == null || name.isEmpty() || name.equals("default")) {
            throw new IllegalArgumentException("TrainingCheckpoint: generator name '" + name + "' is reserved or"
                    + " empty");
        }
        generators.put(name, Objects.requireNonNull(generator));
        return this;
    }

    // ---- saving ---------------------------------------------------------------------------------------------------

    private static void requireFinite(String where, Object v) {
        switch (v) {
            case Map<?, ?> m -> m.forEach((k, x) -> requireFinite(where + "." + k, x));
            case List<?> l -> {
                for (int k = 0; k < l.size(); k++) {
                    requireFinite(where + "[" + k + "]", l.get(k));
                }
            }
            // integral numbers are always finite; doubleValue() keeps Float's NaN and infinities
            case Number n when !Double.isFinite(n.doubleValue()) -> throw new IllegalArgumentException(
                    "TrainingCheckpoint.save: " + where + " is " + n + "; the config is JSON, which holds finite"
                            + " numbers only");
            case null, default -> {
            }
        }
    }

    /** Writes the checkpoint at {@code step} with {@code config} (maps, lists, strings, finite numbers, booleans). */
    public void save(Path path, long step, Map<String, ?> config) throws IOException {
        // JSON cannot hold NaN or infinity (Json writes them as null): a resumed run would read back another config.
        Map<String, ?> cfg = config == null ? Map.of() : config;
        requireFinite("config", cfg);
        String configJson = Json.write(cfg);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        prefixed("model.", model.stateDict(), tensors);
        if (emaState != null) {
            prefixed("ema.", emaState.get(), tensors);
        }
        if (optimizer != null) {
            prefixed("optim.", optimizer.stateDict(), tensors);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        meta.put("step", Long.toString(step));
        Map<String, Object> rng = new LinkedHashMap<>();
        rng.put("default", generatorState(Generator.defaultGenerator()));
        generators.forEach((name, g) -> rng.put(name, generatorState(g)));
        meta.put("rng", Json.write(rng));
        if (optimizer != null) {
            meta.put("optimizer", Json.write(optimizerInfo(optimizer)));
        }
        meta.put("ema", Boolean.toString(emaState != null));
        meta.put("config", configJson);
        Safetensors.save(path, tensors, meta);
    }

    private static void prefixed(String prefix, Map<String, NDArray> src, Map<String, NDArray> out) {
        src.forEach((k, v) -> out.put(prefix + k, v));
    }

    private static Map<String, Object> generatorState(Generator g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", g.seed());
        m.put("offset", g.state());
        return m;
    }

    private static Map<String, Object> optimizerInfo(Optimizer opt) {
        List<Object> groups = new ArrayList<>();
        for (ParamGroup g : opt.paramGroups()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", g.name());
            m.put("params", (long) g.params().size());
            m.put("lr", g.lr());
            m.put("weight_decay", g.weightDecay());
            groups.add(m);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("class", opt.getClass().getName());
        info.put("param_groups", groups);
        return info;
    }

    // ---- loading --------------------------------------------------------------------------------------------------

    /** Restores everything configured from {@code path}, strictly. */
    public Restored load(Path path) throws IOException {
        return load(path, true);
    }

    /**
     * Restores the model, EMA, optimiser, generators and group hyper-parameters from {@code path}; returns the step
     * and config. Nothing is changed when a strict load finds a problem.
     */
    public Restored load(Path path, boolean strict) throws IOException {
        Map<String, String> meta;
        Map<String, NDArray> modelState = new LinkedHashMap<>();
        Map<String, NDArray> emaSaved = new LinkedHashMap<>();
        Map<String, NDArray> optimSaved = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        try (SafetensorsFile f = Safetensors.open(path)) {
            meta = f.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new IOException(path + ": not a usp4j training checkpoint (format '" + meta.get("format")
                        + "', expected '" + FORMAT + "')");
            }
            if (!VERSION.equals(meta.get("format_version"))) {
                throw new IOException(path + ": training checkpoint version " + meta.get("format_version")
                        + " (this reader knows " + VERSION + ")");
            }
            for (String name : f.names()) {
                if (name.startsWith("model.")) {
                    modelState.put(name.substring(6), f.get(name));
                } else if (name.startsWith("ema.")) {
                    emaSaved.put(name.substring(4), f.get(name));
                } else if (name.startsWith("optim.")) {
                    optimSaved.put(name.substring(6), f.get(name));
                } else {
                    problems.add("tensor '" + name + "' belongs to no part (model., ema., optim.)");
                }
            }
        }
        long step = parseStep(path, meta.get("step"));
        Map<String, Object> config = parseJson(path, "config", meta.get("config"));
        Map<String, Object> rng = parseJson(path, "rng", meta.get("rng"));

        LoadReport modelReport = compare(modelState, model.stateDict());
        if (!modelReport.isClean()) {
            problems.add("model: " + modelReport);
        }
        LoadReport emaReport = null;
        if (emaState != null) {
            emaReport = compare(emaSaved, emaState.get());
            if (!emaReport.isClean()) {
                problems.add("ema: " + emaReport);
            }
        } else if (!emaSaved.isEmpty()) {
            problems.add("ema: the checkpoint holds " + emaSaved.size() + " EMA tensors but no EMA was configured");
        }
        boolean optimOk = checkOptimizer(meta.get("optimizer"), optimSaved, problems, path);
        Map<String, long[]> rngStates = checkGenerators(rng, problems, path);

        if (strict && !problems.isEmpty()) {
            throw new IllegalArgumentException(path + ": training checkpoint does not match (nothing was loaded): "
                    + String.join("; ", problems));
        }
        if (optimOk) {
            try {
                optimizer.loadStateDict(optimSaved);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(path + ": " + optimizer.getClass().getSimpleName()
                        + " refused the saved optimizer state (nothing else was loaded): " + e.getMessage(), e);
            }
            restoreGroups(parseJson(path, "optimizer", meta.get("optimizer")));
        }
        model.loadStateDict(modelState, false);
        if (emaState != null && emaReport.isClean()) {
            emaLoad.accept(emaSaved);
        }
        restoreGenerators(rngStates);
        return new Restored(step, config, modelReport, emaReport, problems);
    }

    /** Module.loadStateDict's key and shape comparison, without copying anything. */
    private static LoadReport compare(Map<String, NDArray> saved, Map<String, NDArray> own) {
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : own.entrySet()) {
            NDArray s = saved.get(e.getKey());
            if (s == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(s.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": checkpoint " + Shape.str(s.shape()) + ", model "
                        + Shape.str(e.getValue().shape()));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : saved.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        return new LoadReport(missing, unexpected, mismatched);
    }

    @SuppressWarnings("unchecked")
    private boolean checkOptimizer(String infoJson, Map<String, NDArray> saved, List<String> problems, Path path)
            throws IOException {
        if (optimizer == null) {
            if (infoJson != null) {
                problems.add("optimizer: the checkpoint holds optimizer state but no optimizer was configured");
            }
            return false;
        }
        if (infoJson == null) {
            problems.add("optimizer: the checkpoint holds no optimizer state");
            return false;
        }
        Map<String, Object> info = parseJson(path, "optimizer", infoJson);
        int before = problems.size();
        if (!optimizer.getClass().getName().equals(info.get("class"))) {
            problems.add("optimizer: saved by " + info.get("class") + ", loading into "
                    + optimizer.getClass().getName());
        }
        List<Object> groups = info.get("param_groups") instanceof List<?> l ? (List<Object>) l : List.of();
        List<ParamGroup> own = optimizer.paramGroups();
        if (groups.size() != own.size()) {
            problems.add("optimizer: " + groups.size() + " saved param groups, " + own.size() + " configured");
        } else {
            for (int i = 0; i < own.size(); i++) {
                Map<String, Object> g = (Map<String, Object>) groups.get(i);
                Object n = g.get("params");
                if (!(n instanceof Long count) || count != own.get(i).params().size()) {
                    problems.add("optimizer: param group " + i + " ('" + own.get(i).name() + "') had " + n
                            + " parameters, has " + own.get(i).params().size());
                }
            }
        }
        int nParams = optimizer.allParams().size();
        for (String k : saved.keySet()) {
            String[] parts = k.split("\\.", 3);
            if (parts.length == 3 && parts[0].equals("state")) {
                try {
                    int idx = Integer.parseInt(parts[1]);
                    if (idx < 0 || idx >= nParams) {
                        problems.add("optimizer: state for parameter " + idx + " (" + k + "), the optimizer has "
                                + nParams);
                    }
                } catch (NumberFormatException e) {
                    problems.add("optimizer: key '" + k + "' has no parameter index");
                }
            }
        }
        return problems.size() == before;
    }

    @SuppressWarnings("unchecked")
    private void restoreGroups(Map<String, Object> info) {
        List<Object> groups = (List<Object>) info.get("param_groups");
        for (int i = 0; i < groups.size(); i++) {
            Map<String, Object> g = (Map<String, Object>) groups.get(i);
            ParamGroup own = optimizer.paramGroups().get(i);
            own.setLr(((Number) g.get("lr")).doubleValue());
            own.setWeightDecay(((Number) g.get("weight_decay")).doubleValue());
        }
    }

    /** (seed, offset) per generator to restore; problems for missing ones and seeds that cannot be restored. */
    @SuppressWarnings("unchecked")
    private Map<String, long[]> checkGenerators(Map<String, Object> rng, List<String> problems, Path path)
            throws IOException {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : rng.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> m) || !(m.get("seed") instanceof Long seed)
                    || !(m.get("offset") instanceof Long offset) || offset < 0) {
                throw new IOException(path + ": corrupt rng state for '" + e.getKey() + "'");
            }
            out.put(e.getKey(), new long[] {seed, offset});
        }
        if (!out.containsKey("default")) {
            throw new IOException(path + ": the rng metadata lacks the default generator");
        }
        for (Map.Entry<String, Generator> e : generators.entrySet()) {
            long[] s = out.get(e.getKey());
            if (s == null) {
                problems.add("rng: no state saved for generator '" + e.getKey() + "'");
            } else if (s[0] != e.getValue().seed()) {
                problems.add("rng: generator '" + e.getKey() + "' has seed " + e.getValue().seed()
                        + ", the checkpoint's has seed " + s[0] + " (create it with the saved seed to resume)");
            }
        }
        for (String name : out.keySet()) {
            if (!name.equals("default") && !generators.containsKey(name)) {
                problems.add("rng: the checkpoint holds generator '" + name + "', which was not configured");
            }
        }
        return out;
    }

    private void restoreGenerators(Map<String, long[]> states) {
        long[] d = states.get("default");
        if (Generator.defaultGenerator().seed() != d[0]) {
            Generator.manualSeed(d[0]);
        }
        Generator.defaultGenerator().setState(d[1]);
        for (Map.Entry<String, Generator> e : generators.entrySet()) {
            long[] s = states.get(e.getKey());
            if (s != null && s[0] == e.getValue().seed()) {
                e.getValue().setState(s[1]);
            }
        }
    }

    private static long parseStep(Path path, String s) throws IOException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException(path + ": step '" + s + "' is not an integer", e);
        }
    }

    private static Map<String, Object> parseJson(Path path, String key, String json) throws IOException {
        if (json == null) {
            throw new IOException(path + ": metadata '" + key + "' is missing");
        }
        try {
            return Json.parseObject(json);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": metadata '" + key + "' is not a JSON object: " + e.getMessage(), e);
        }
    }
}
