package dev.usp4j.usp;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.io.PtFile;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vae.DiagonalGaussian;
import dev.usp4j.nn.vit.MaeOutput;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.nn.vit.VisionTransformer;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The deployment path behind {@code ./usp forward}: build a model (by registry name, from a config JSON, or from the
 * {@code model}/{@code config} metadata of the weights file), load its weights strictly, run one forward pass in eval
 * mode on named inputs and write the named outputs to a safetensors file. Inputs and outputs carry the original
 * forward's names: DiT/SiT {@code x, t, y → out}; MAE {@code x[, noise] → loss, pred, mask}; VAE
 * {@code x[, eps] → mean, logvar, recon[, sample]}; ViT {@code x → logits}. Every error is one sentence naming the
 * file, tensor, shape or key at fault.
 *
 * <p>The pass runs where the model's weights are: {@link #run(String, Path, Path, Path, Path, Device)} loads them
 * on the host and moves the model to the device asked for, inputs are moved to it, and outputs come back to the host
 * to be written.
 */
public final class Forward {
    private Forward() {
    }

    /** The model the arguments describe, with its weights loaded. */
    public static Module load(String model, Path config, Path weights) throws IOException {
        Map<String, NDArray> state = readWeights(weights);
        Module m;
        if (model != null && config != null) {
            throw new IllegalArgumentException("give --model or --config, not both");
        } else if (model != null) {
            m = ModelRegistry.create(model);
        } else if (config != null) {
            m = fromConfig(Json.parseObject(Files.readString(config, StandardCharsets.UTF_8)), config.toString());
        } else {
            m = fromMetadata(weights);
        }
        try {
            if (m instanceof AutoencoderKL vae) {
                vae.loadDiffusersStateDict(state, true);
            } else {
                m.loadStateDict(state, true);
            }
        } catch (IllegalArgumentException e) {
            String why = e.getMessage();
            if (why.length() > 400) {
                why = why.substring(0, 400) + " … (" + (why.length() - 400) + " more characters)";
            }
            throw new IllegalArgumentException(weights + " does not fit " + m.getClass().getSimpleName() + " ("
                    + state.size() + " tensors, e.g. " + state.keySet().stream().limit(2).toList() + "): " + why
                    + "; give weights saved from this model, or leave --model/--config out to use the weights'"
                    + " own metadata", e);
        }
        m.eval();
        return m;
    }

    /**
     * Runs {@code model} on {@code inputs} (on any device: they are moved to the model's) and returns its named
     * outputs on the host.
     */
    public static Map<String, NDArray> run(Module model, Map<String, NDArray> inputs) {
        Device device = Models.deviceOf(model);
        Map<String, NDArray> onDevice = new LinkedHashMap<>();
        inputs.forEach((k, v) -> onDevice.put(k, v.to(device)));
        Map<String, NDArray> out = run(model, onDevice, device);
        out.replaceAll((k, v) -> v.to(Device.CPU));
        return out;
    }

    private static Map<String, NDArray> run(Module model, Map<String, NDArray> inputs, Device device) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (GradMode.Scope s = GradMode.noGrad()) {
            switch (model) {
                case DiT dit -> {
                    expect(inputs, Set.of("x", "t", "y"), Set.of());
                    NDArray t = inputs.get("t");
                    out.put("out", dit.forward(Tensor.of(inputs.get("x")), t, inputs.get("y").to(DType.I64)).data());
                }
                case MaskedAutoencoderViT mae -> {
                    expect(inputs, Set.of("x"), Set.of("noise"));
                    NDArray x = inputs.get("x");
                    NDArray noise = inputs.containsKey("noise") ? inputs.get("noise")
                            : NDArray.rand(new dev.usp4j.tensor.random.Generator(0), device, x.size(0),
                            mae.config().numPatches());
                    MaeOutput o = mae.forward(Tensor.of(x), mae.config().maskRatio(), noise);
                    out.put("loss", o.loss().data());
                    out.put("pred", o.pred().data());
                    out.put("mask", o.mask());
                }
                case AutoencoderKL vae -> {
                    expect(inputs, Set.of("x"), Set.of("eps"));
                    DiagonalGaussian q = vae.encode(Tensor.of(inputs.get("x")));
                    out.put("mean", q.mean().data());
                    out.put("logvar", q.logvar().data());
                    out.put("recon", vae.decode(q.mean()).data());
                    if (inputs.containsKey("eps")) {
                        out.put("sample", q.mean().add(q.std().mul(Tensor.of(inputs.get("eps")))).data());
                    }
                }
                case VisionTransformer vit -> {
                    expect(inputs, Set.of("x"), Set.of());
                    out.put("logits", vit.forward(Tensor.of(inputs.get("x"))).data());
                }
                default -> throw new IllegalArgumentException(model.getClass().getSimpleName()
                        + " has no forward mapping (DiT, SiT, MaskedAutoencoderViT, AutoencoderKL, VisionTransformer)");
            }
        }
        return out;
    }

    /** Reads, runs and writes on the host: the whole command. Returns the output names. */
    public static List<String> run(String model, Path config, Path weights, Path inputs, Path outFile)
            throws IOException {
        return run(model, config, weights, inputs, outFile, Device.CPU);
    }

    /** As {@link #run(String, Path, Path, Path, Path)}, the forward pass on {@code device}. */
    public static List<String> run(String model, Path config, Path weights, Path inputs, Path outFile,
                                   Device device) throws IOException {
        Module m = load(model, config, weights);
        m.to(device);
        if (!Files.isRegularFile(inputs)) {
            throw new IOException("no inputs file " + inputs);
        }
        Map<String, NDArray> out = run(m, Safetensors.load(inputs));
        Safetensors.save(outFile, out, Map.of("model", m.getClass().getSimpleName(), "weights",
                weights.getFileName().toString()));
        return List.copyOf(out.keySet());
    }

    private static Map<String, NDArray> readWeights(Path weights) throws IOException {
        if (!Files.isRegularFile(weights)) {
            throw new IOException("no weights file " + weights);
        }
        String name = weights.getFileName().toString();
        if (name.endsWith(".safetensors")) {
            return Safetensors.load(weights);
        }
        PtFile pt = PtFile.read(weights);
        for (String key : List.of("ema", "model")) {
            try {
                return pt.stateDict(key);
            } catch (IllegalArgumentException absent) {
                // not this layout
            }
        }
        return pt.stateDict();
    }

    private static Module fromConfig(Map<String, Object> json, String where) {
        Object cls = json.get("_class_name");
        if (cls == null) {
            throw new IllegalArgumentException(where + " has no _class_name (DiT, SiT, MaskedAutoencoderViT,"
                    + " VisionTransformer or AutoencoderKL)");
        }
        String family = switch (String.valueOf(cls)) {
            case "DiT" -> "DiT";
            case "SiT" -> "SiT";
            case "MaskedAutoencoderViT" -> "MAE";
            case "VisionTransformer" -> "ViT";
            case "AutoencoderKL" -> "VAE";
            default -> throw new IllegalArgumentException(where + ": unknown _class_name '" + cls + "'");
        };
        Map<String, Object> args = new LinkedHashMap<>(json);
        if (!family.equals("VAE")) {
            args.keySet().removeIf(k -> k.startsWith("_"));
        }
        return ModelRegistry.create(family, args);
    }

    private static Module fromMetadata(Path weights) throws IOException {
        if (!weights.getFileName().toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException("give --model or --config: " + weights
                    + " is not a safetensors file, so it carries no model metadata");
        }
        Map<String, String> meta;
        try (SafetensorsFile f = Safetensors.open(weights)) {
            meta = f.metadata();
        }
        String model = meta.get("model");
        String config = meta.get("config");
        if (config != null) {
            return fromConfig(Json.parseObject(config), weights + " metadata 'config'");
        }
        if (model != null) {
            return ModelRegistry.create(model);
        }
        throw new IllegalArgumentException("give --model or --config: " + weights + " has neither 'model' nor"
                + " 'config' in its metadata (keys: " + meta.keySet() + ")");
    }

    private static void expect(Map<String, NDArray> inputs, Set<String> required, Set<String> optional) {
        for (String r : required) {
            if (!inputs.containsKey(r)) {
                throw new IllegalArgumentException("inputs lack '" + r + "' (expected " + required
                        + (optional.isEmpty() ? "" : ", optionally " + optional) + ", got " + inputs.keySet() + ")");
            }
        }
        for (String k : inputs.keySet()) {
            if (!required.contains(k) && !optional.contains(k)) {
                throw new IllegalArgumentException("unexpected input '" + k + "' (expected " + required
                        + (optional.isEmpty() ? "" : ", optionally " + optional) + ")");
            }
        }
    }
}
