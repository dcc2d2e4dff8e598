package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The base of SGD, AdamW and LARS: parameter groups, zeroGrad, step, and the optimiser's state as named arrays so
 * that a training checkpoint can hold it and a resumed run continues bit for bit.
 *
 * <p>State dict keys follow torch.optim's layout flattened into names: {@code state.<i>.<buffer>} for the i-th
 * parameter in group order (e.g. {@code state.3.exp_avg}, {@code state.3.step} as a 0-d I64 array). Steps run
 * under no-grad and update the parameters' arrays in place.
 */
public abstract class Optimizer {
    private final List<ParamGroup> groups;

    protected Optimizer(List<ParamGroup> groups) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter groups");
        }
        this.groups = List.copyOf(groups);
    }

    public final List<ParamGroup> paramGroups() {
        return groups;
    }

    /** Every parameter in group order: the index used in state dict keys. */
    public final List<Tensor> allParams() {
        List<Tensor> all = new ArrayList<>();
        for (ParamGroup g : groups) {
            all.addAll(g.params());
        }
        return Collections.unmodifiableList(all);
    }

    /** Clears every parameter's gradient. */
    public final void zeroGrad() {
        for (ParamGroup g : groups) {
            for (Tensor p : g.params()) {
                p.zeroGrad();
            }
        }
    }

    /** One update of every parameter that has a gradient. */
    public abstract void step();

    /** The optimiser's per-parameter state (copies), keyed {@code state.<i>.<name>}. */
    public abstract Map<String, NDArray> stateDict();

    /** Restores state saved by {@link #stateDict()} (same parameters, same order). */
    public abstract void loadStateDict(Map<String, NDArray> state);
}
