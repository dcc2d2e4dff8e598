package dev.usp4j.nn;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The base of every layer and model, as {@code torch.nn.Module}: a tree of named sub-modules, parameters (leaf
 * {@link Tensor}s that require gradients) and buffers (arrays that are state but not trained, such as running
 * statistics), with training/eval mode, recursive parameter listing, state dicts, freezing and device moves.
 *
 * <p>Names follow PyTorch: a parameter registered as {@code weight} in a child registered as {@code qkv} of a child
 * {@code attn} of the child {@code 3} of {@code blocks} is {@code blocks.3.attn.qkv.weight}, so the state dict of a
 * model written like the original PyTorch code has the original's keys. Registration order is the state dict's
 * order: a module's parameters, then its persistent buffers, then its children in turn.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, NDArray> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistent = new HashSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ---- registration -----------------------------------------------------------------------------------------

    private void checkName(String kind, String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + kind + " name '" + name
                    + "' must be non-empty and contain no '.'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' is already registered");
        }
    }

    /** Registers a trainable parameter holding {@code value}; a null value registers nothing and returns null. */
    protected final Tensor registerParameter(String name, NDArray value) {
        if (value == null) {
            return null;
        }
        checkName("parameter", name);
        Tensor p = Tensor.parameter(value);
        parameters.put(name, p);
        return p;
    }

    /** Registers a buffer; non-persistent buffers are left out of the state dict. */
    protected final NDArray registerBuffer(String name, NDArray value, boolean persistent) {
        checkName("buffer", name);
        buffers.put(name, value);
        if (!persistent) {
            nonPersistent.add(name);
        }
        return value;
    }

    /** The current value of buffer {@code name}. */
    protected final NDArray buffer(String name) {
        NDArray b = buffers.get(name);
        if (b == null && !buffers.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no buffer '" + name + "'");
        }
        return b;
    }

    /** Replaces buffer {@code name}. */
    protected final void setBuffer(String name, NDArray value) {
        if (!buffers.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no buffer '" + name + "'");
        }
        buffers.put(name, value);
    }

    /** Registers a sub-module; returns it for field assignment. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName("module", name);
        children.put(name, module);
        return module;
    }

    // ---- traversal ---------------------------------------------------------------------------------------------

    /** Direct children by name. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** This module ("") and every descendant, by dotted path, depth first in registration order. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        out.put(prefix, this);
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectModules(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
        }
    }

    /** Every parameter by dotted name (a parameter shared by two modules appears once, under its first name). */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, Tensor> p : m.getValue().parameters.entrySet()) {
                if (seen.put(p.getValue(), Boolean.TRUE) == null) {
                    out.put(join(m.getKey(), p.getKey()), p.getValue());
                }
            }
        }
        return out;
    }

    /** Every parameter, in {@link #namedParameters()} order. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Every buffer by dotted name (persistent or not). */
    public final Map<String, NDArray> namedBuffers() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, NDArray> b : m.getValue().buffers.entrySet()) {
                out.put(join(m.getKey(), b.getKey()), b.getValue());
            }
        }
        return out;
    }

    /** Number of parameter elements (trainable or frozen). */
    public final long parameterCount() {
        long n = 0;
        for (Tensor p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    // ---- modes -------------------------------------------------------------------------------------------------

    /** Sets training mode on this module and every descendant (Dropout and BatchNorm behave differently). */
    public Module train(boolean mode) {
        for (Module m : namedModules().values()) {
            m.training = mode;
        }
        return this;
    }

    /** Evaluation mode: {@code train(false)}. */
    public final Module eval() {
        return train(false);
    }

    /** Training mode, as PyTorch's {@code train()} with no argument. */
    public final Module train() {
        return train(true);
    }

    public final boolean isTraining() {
        return training;
    }

    /** Freezes (false) or unfreezes (true) every parameter. */
    public final Module requiresGrad(boolean value) {
        for (Tensor p : parameters()) {
            p.requiresGrad(value);
        }
        return this;
    }

    /** Clears every parameter's gradient. */
    public final void zeroGrad() {
        for (Tensor p : parameters()) {
            p.zeroGrad();
        }
    }

    /** Moves every parameter and buffer to {@code device}. */
    public final Module to(Device device) {
        for (Module m : namedModules().values()) {
            for (Tensor p : m.parameters.values()) {
                p.setData(p.data().to(device));
            }
            m.buffers.replaceAll((k, v) -> v == null ? null : v.to(device));
        }
        return this;
    }

    /** Converts every floating parameter and buffer to {@code dtype} (integer buffers are left as they are). */
    public final Module to(DType dtype) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".to: parameters need a floating dtype,"
                    + " got " + dtype);
        }
        for (Module m : namedModules().values()) {
            for (Tensor p : m.parameters.values()) {
                p.setData(p.data().to(dtype));
            }
            m.buffers.replaceAll((k, v) -> v == null || !v.dtype().isFloating() ? v : v.to(dtype));
        }
        return this;
    }

    // ---- state dicts ---------------------------------------------------------------------------------------------

    /** Parameters and persistent buffers by dotted name, sharing the module's arrays (copy before mutating). */
    public final Map<String, NDArray> stateDict() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            Module mod = m.getValue();
            for (Map.Entry<String, Tensor> p : mod.parameters.entrySet()) {
                out.putIfAbsent(join(m.getKey(), p.getKey()), p.getValue().data());
            }
            for (Map.Entry<String, NDArray> b : mod.buffers.entrySet()) {
                if (b.getValue() != null && !mod.nonPersistent.contains(b.getKey())) {
                    out.put(join(m.getKey(), b.getKey()), b.getValue());
                }
            }
        }
        return out;
    }

    /**
     * Copies matching entries of {@code state} into the parameters and persistent buffers (converting dtypes), and
     * reports keys the module expected but the dict lacks, keys the dict has but the module does not, and keys whose
     * shapes differ (those are not copied). With {@code strict}, any of the three is an error listing all of them
     * and nothing is copied.
     */
    public final LoadReport loadStateDict(Map<String, NDArray> state, boolean strict) {
        Map<String, NDArray> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : own.entrySet()) {
            NDArray src = state.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": checkpoint " + Shape.str(src.shape()) + ", model "
                        + Shape.str(e.getValue().shape()));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        LoadReport report = new LoadReport(missing, unexpected, mismatched);
        if (strict && !report.isClean()) {
            // The keys with their shapes, so the message alone tells a renamed tensor from a resized one.
            List<String> missingShapes = new ArrayList<>();
            for (String k : missing) {
                missingShapes.add(k + " (model " + Shape.str(own.get(k).shape()) + ")");
            }
            List<String> unexpectedShapes = new ArrayList<>();
            for (String k : unexpected) {
                unexpectedShapes.add(k + " (checkpoint " + Shape.str(state.get(k).shape()) + ")");
            }
            throw new IllegalArgumentException("loadStateDict(strict) into " + getClass().getSimpleName() + ": "
                    + new LoadReport(missingShapes, unexpectedShapes, mismatched));
        }
        try (GradMode.Scope scope = GradMode.noGrad()) {
            for (Map.Entry<String, NDArray> e : own.entrySet()) {
                NDArray src = state.get(e.getKey());
                if (src != null && Arrays.equals(src.shape(), e.getValue().shape())) {
                    e.getValue().copyFrom(src.to(e.getValue().device()));
                }
            }
        }
        return report;
    }

    // ---- printing ----------------------------------------------------------------------------------------------

    /** The arguments shown in {@link #toString()}, as PyTorch's extra_repr ("in_features=3, ..."). */
    protected String extraRepr() {
        return "";
    }

    /**
     * PyTorch's module tree printout: {@code Name(extra)} for a leaf with a one-line {@link #extraRepr()}, else
     * the extra lines and then each child as {@code (name): ...}, one per line indented by two spaces.
     */
    @Override
    public String toString() {
        List<String> lines = new ArrayList<>();
        String extra = extraRepr();
        if (!extra.isEmpty()) {
            lines.addAll(Arrays.asList(extra.split("\n")));
        }
        int extraLines = lines.size();
        for (Map.Entry<String, Module> e : children.entrySet()) {
            lines.add("(" + e.getKey() + "): " + e.getValue().toString().replace("\n", "\n  "));
        }
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(');
        if (extraLines == 1 && children.isEmpty()) {
            sb.append(lines.get(0));
        } else if (!lines.isEmpty()) {
            sb.append("\n  ").append(String.join("\n  ", lines)).append('\n');
        }
        return sb.append(')').toString();
    }
}
