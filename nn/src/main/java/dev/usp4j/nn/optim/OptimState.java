package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-parameter state of an optimiser: a fixed set of named buffers shaped like the parameter (exp_avg,
 * momentum_buffer, mu) made on the parameter's first update, as torch.optim's lazily filled {@code state[p]},
 * plus a per-parameter step count where the rule needs one (Adam's bias correction). It writes and reads the
 * {@code state.<i>.<name>} dicts {@link Optimizer} describes, checking a loaded dict completely before taking any
 * of it.
 */
final class OptimState {
    private final String owner;
    private final List<Tensor> params;
    private final String[] names;
    private final boolean counted;
    private final NDArray[][] buffers;
    private final long[] steps;

    OptimState(String owner, List<Tensor> params, boolean counted, String... names) {
        this.owner = owner;
        this.params = params;
        this.names = names;
        this.counted = counted;
        this.buffers = new NDArray[params.size()][];
        this.steps = new long[params.size()];
    }

    /** True once parameter {@code i} has been updated (or its state loaded). */
    boolean has(int i) {
        return buffers[i] != null;
    }

    /** The buffers of parameter {@code i}, made as zeros like the parameter on first use. */
    NDArray[] buffers(int i) {
        if (buffers[i] == null) {
            NDArray p = params.get(i).data();
            NDArray[] b = new NDArray[names.length];
            for (int k = 0; k < b.length; k++) {
                b[k] = NDArray.zeros(p.dtype(), p.shape()).to(p.device());
            }
            buffers[i] = b;
        }
        return buffers[i];
    }

    /** Counts one more step of parameter {@code i} and returns the new count. */
    long nextStep(int i) {
        return ++steps[i];
    }

    long step(int i) {
        return steps[i];
    }

    Map<String, NDArray> toMap() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] == null) {
                continue;
            }
            for (int k = 0; k < names.length; k++) {
                out.put("state." + i + "." + names[k], buffers[i][k].copy());
            }
            if (counted) {
                out.put("state." + i + ".step", NDArray.full(DType.I64, steps[i]));
            }
        }
        return out;
    }

    void load(Map<String, NDArray> state) {
        NDArray[][] loaded = new NDArray[buffers.length][];
        long[] loadedSteps = new long[buffers.length];
        boolean[] hasStep = new boolean[buffers.length];
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : state.entrySet()) {
            String key = e.getKey();
            String[] parts = key.split("\\.", 3);
            int i = parts.length == 3 && parts[0].equals("state") ? index(parts[1]) : -1;
            if (i < 0 || i >= buffers.length) {
                problems.add("unexpected key '" + key + "'");
                continue;
            }
            NDArray v = e.getValue();
            if (counted && parts[2].equals("step")) {
                if (v.numel() != 1) {
                    problems.add(key + " must hold one number, got shape " + Shape.str(v.shape()));
                } else {
                    loadedSteps[i] = (long) v.item();
                    hasStep[i] = true;
                }
                continue;
            }
            int k = Arrays.asList(names).indexOf(parts[2]);
            if (k < 0) {
                problems.add("unexpected key '" + key + "' (" + owner + " keeps " + Arrays.toString(names)
                        + (counted ? " and step" : "") + ")");
                continue;
            }
            NDArray p = params.get(i).data();
            if (!Arrays.equals(v.shape(), p.shape())) {
                problems.add(key + " has shape " + Shape.str(v.shape()) + ", parameter " + i + " has "
                        + Shape.str(p.shape()));
                continue;
            }
            if (loaded[i] == null) {
                loaded[i] = new NDArray[names.length];
            }
            loaded[i][k] = v.to(p.dtype()).to(p.device()).copy();
        }
        for (int i = 0; i < loaded.length; i++) {
            if (loaded[i] == null && !hasStep[i]) {
                continue;
            }
            for (int k = 0; k < names.length; k++) {
                if (loaded[i] == null || loaded[i][k] == null) {
                    problems.add("missing state." + i + "." + names[k]);
                }
            }
            if (counted && !hasStep[i]) {
                problems.add("missing state." + i + ".step");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(owner + ".loadStateDict: " + String.join("; ", problems));
        }
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = loaded[i];
            steps[i] = loadedSteps[i];
        }
    }

    private static int index(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
