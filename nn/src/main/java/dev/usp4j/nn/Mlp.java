package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;
import java.util.function.Supplier;

/**
 * The transformer MLP as timm 0.9.12's {@code Mlp}: {@code fc1} Linear(in, hidden) → {@code act} (exact GELU by
 * default; DiT passes the tanh GELU) → {@code drop1} → {@code norm} (identity) → {@code fc2} Linear(hidden, out) →
 * {@code drop2}, with timm's module names so {@code blocks.3.mlp.fc1.weight} loads as is.
 */
public final class Mlp extends UnaryModule {
    public final Linear fc1;
    public final UnaryModule act;
    public final Dropout drop1;
    public final Identity norm;
    public final Linear fc2;
    public final Dropout drop2;

    /** in → hidden → in, exact GELU, no dropout. */
    public Mlp(int in, int hidden) {
        this(in, hidden, in);
    }

    /** in → hidden → out, exact GELU, no dropout. */
    public Mlp(int in, int hidden, int out) {
        this(in, hidden, out, GELU::new, 0);
    }

    /** Any activation (a fresh module from {@code act}) and dropout probability {@code drop} after both layers. */
    public Mlp(int in, int hidden, int out, Supplier<? extends UnaryModule> act, double drop) {
        this.fc1 = registerModule("fc1", new Linear(in, hidden));
        this.act = registerModule("act", act.get());
        this.drop1 = registerModule("drop1", new Dropout(drop));
        this.norm = registerModule("norm", new Identity());
        this.fc2 = registerModule("fc2", new Linear(hidden, out));
        this.drop2 = registerModule("drop2", new Dropout(drop));
    }

    @Override
    public Tensor forward(Tensor x) {
        return drop2.forward(fc2.forward(norm.forward(drop1.forward(act.forward(fc1.forward(x))))));
    }
}
