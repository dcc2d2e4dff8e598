package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Module;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An exponential moving average of a model's weights, as DiT's {@code update_ema}: it holds its own copy of the
 * model's state dict (parameters and persistent buffers, by name) and each {@link #update} does
 * ema ← decay·ema + (1 − decay)·param for every named parameter (frozen ones included, as DiT), in place and
 * outside any graph. Buffers are not averaged: they are copied from the model at each update. {@link #copyTo}
 * writes the average into a model for evaluation or sampling, and the state dict has the model's keys, so it is
 * what a checkpoint stores as "ema" and loads into a fresh model directly.
 */
public final class EMA {
    private final double decay;
    private final Map<String, NDArray> values = new LinkedHashMap<>();
    private final Set<String> averaged = new HashSet<>();

    /** Starts as an exact copy of {@code model}'s state (DiT: update_ema(ema, model, decay=0)); DiT uses 0.9999. */
    public EMA(Module model, double decay) {
        checkDecay(decay);
        this.decay = decay;
        for (Map.Entry<String, NDArray> e : model.stateDict().entrySet()) {
            values.put(e.getKey(), e.getValue().copy());
        }
        averaged.addAll(model.namedParameters().keySet());
    }

    private static void checkDecay(double decay) {
        if (!(decay >= 0 && decay <= 1)) {
            throw new IllegalArgumentException("EMA: decay must be in [0, 1], got " + decay);
        }
    }

    public double decay() {
        return decay;
    }

    /** One update with this EMA's decay. */
    public void update(Module model) {
        update(model, decay);
    }

    /** One update with {@code decay} (0 copies the model). */
    public void update(Module model, double decay) {
        checkDecay(decay);
        Map<String, Tensor> params = model.namedParameters();
        Map<String, NDArray> state = model.stateDict();
        checkSameKeys("update", state.keySet());
        float d = (float) decay;
        float w = (float) (1 - decay);
        for (Map.Entry<String, NDArray> e : state.entrySet()) {
            NDArray ema = values.get(e.getKey());
            NDArray x = e.getValue();
            checkShape("update", e.getKey(), ema, x);
            if (!params.containsKey(e.getKey())) {
                ema.copyFrom(x);
                continue;
            }
            float[] ea = UpdateKernels.floats(ema);
            float[] xa = UpdateKernels.floats(x);
            if (ea != null && xa != null) {
                UpdateKernels.ema(ea, ema.offset(), xa, x.offset(), ema.numel(), d, w);
                ema.storage().bumpVersion();
            } else {
                ema.mulInPlace(decay).addInPlace(x.mul(1 - decay));
            }
        }
    }

    /** Writes the averaged weights (and the buffers) into {@code model}, whose state dict must have these keys. */
    public void copyTo(Module model) {
        model.loadStateDict(values, true);
    }

    /** The average by name: copies, in the model's state dict order. */
    public Map<String, NDArray> stateDict() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : values.entrySet()) {
            out.put(e.getKey(), e.getValue().copy());
        }
        return out;
    }

    /** Restores an average saved by {@link #stateDict()}: the same keys and shapes, nothing taken otherwise. */
    public void loadStateDict(Map<String, NDArray> state) {
        checkSameKeys("loadStateDict", state.keySet());
        for (Map.Entry<String, NDArray> e : state.entrySet()) {
            checkShape("loadStateDict", e.getKey(), values.get(e.getKey()), e.getValue());
        }
        for (Map.Entry<String, NDArray> e : state.entrySet()) {
            NDArray dst = values.get(e.getKey());
            dst.copyFrom(e.getValue().to(dst.device()));
        }
    }

    /** The average of one entry (shared, not a copy). */
    public NDArray get(String name) {
        NDArray v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("EMA: no entry '" + name + "' (has " + values.keySet() + ")");
        }
        return v;
    }

    /** Names of the entries, in state dict order. */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(values.keySet()));
    }

    private void checkSameKeys(String op, Set<String> keys) {
        if (keys.equals(values.keySet())) {
            return;
        }
        List<String> missing = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!keys.contains(k)) {
                missing.add(k);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : keys) {
            if (!values.containsKey(k)) {
                unexpected.add(k);
            }
        }
        throw new IllegalArgumentException("EMA." + op + ": keys differ from the averaged model's; missing "
                + missing + ", unexpected " + unexpected);
    }

    private static void checkShape(String op, String key, NDArray ema, NDArray x) {
        if (!Arrays.equals(ema.shape(), x.shape())) {
            throw new IllegalArgumentException("EMA." + op + ": '" + key + "' has shape " + Shape.str(x.shape())
                    + ", the average has " + Shape.str(ema.shape()));
        }
    }
}
