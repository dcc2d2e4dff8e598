package dev.usp4j.nn.testing;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Module;
import dev.usp4j.tensor.NDArray;
import java.util.Map;

/**
 * A module tree built from dotted parameter names ("blocks.0.attn.qkv.weight" makes children blocks → 0 → attn →
 * qkv holding a parameter "weight"), so tests get the names and order of a real model without writing its layers.
 * Give the names in PyTorch's order (a module's own parameters before its children's).
 */
public final class NamedModel extends Module {
    /** Builds the tree; the values are used as they are (not copied). */
    public static NamedModel of(Map<String, NDArray> params) {
        NamedModel root = new NamedModel();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            NamedModel m = root;
            for (int i = 0; i < parts.length - 1; i++) {
                Module child = m.children().get(parts[i]);
                m = child != null ? (NamedModel) child : m.registerModule(parts[i], new NamedModel());
            }
            m.registerParameter(parts[parts.length - 1], e.getValue());
        }
        return root;
    }

    /** Adds a buffer at the top level (for EMA and state dict tests). */
    public NDArray addBuffer(String name, NDArray value, boolean persistent) {
        return registerBuffer(name, value, persistent);
    }

    /** The current value of a top-level buffer. */
    public NDArray bufferValue(String name) {
        return buffer(name);
    }

    /** The parameter called {@code name}. */
    public Tensor param(String name) {
        Tensor t = namedParameters().get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return t;
    }
}
