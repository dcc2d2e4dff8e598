package dev.usp4j.nn.optim;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of SGD, AdamW and LARS: parameter groups, zeroGrad, step, and the optimiser's state as named arrays so
 * that a training checkpoint can hold it and a resumed run continues bit for bit.
 *
 * <p>State dict keys follow torch.optim's layout flattened into names: {@code state.<i>.<buffer>} for the i-th
 * parameter in group order (e.g. {@code state.3.exp_avg}, {@code state.3.step} as a 0-d I64 array). Steps run
 * under no-grad and update the parameters' arrays in place. A parameter may belong to one group only, as in
 * torch.optim.
 */
public abstract class Optimizer {
    private final List<ParamGroup> groups;
    /** Tests set it to run the array-op path that devices without the fused CPU loops take. */
    boolean forceArrayOps;

    protected Optimizer(List<ParamGroup> groups) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter groups");
        }
        this.groups = List.copyOf(groups);
        Map<Tensor, String> seen = new IdentityHashMap<>();
        for (ParamGroup g : this.groups) {
            for (Tensor p : g.params()) {
                String before = seen.put(p, g.name());
                if (before != null) {
                    throw new IllegalArgumentException(getClass().getSimpleName() + ": a parameter of shape "
                            + java.util.Arrays.toString(p.shape()) + " is in group '" + before + "' and in group '"
                            + g.name() + "'; each parameter may be in one group only");
                }
                if (!p.dtype().isFloating()) {
                    throw new IllegalArgumentException(getClass().getSimpleName() + ": parameters must be floating,"
                            + " got " + p.dtype() + " of shape " + java.util.Arrays.toString(p.shape()));
                }
            }
        }
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

    /** The update of one parameter: its index in group order, its value and gradient, and its group. */
    @FunctionalInterface
    protected interface ParamUpdate {
        void apply(int index, NDArray param, NDArray grad, ParamGroup group);
    }

    /**
     * Runs {@code update} under no-grad for every parameter that has a gradient, in group order (parameters without
     * one are skipped, as torch.optim does).
     */
    protected final void updateEach(ParamUpdate update) {
        try (GradMode.Scope scope = GradMode.noGrad()) {
            int i = 0;
            for (ParamGroup group : groups) {
                for (Tensor p : group.params()) {
                    NDArray g = p.grad();
                    if (g != null) {
                        update.apply(i, p.data(), g, group);
                    }
                    i++;
                }
            }
        }
    }

    /** The optimiser's per-parameter state (copies), keyed {@code state.<i>.<name>}. */
    public abstract Map<String, NDArray> stateDict();

    /** Restores state saved by {@link #stateDict()} (same parameters, same order). */
    public abstract void loadStateDict(Map<String, NDArray> state);
}
