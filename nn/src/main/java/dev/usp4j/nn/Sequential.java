package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Applies its modules in order (nn.Sequential); they are named "0", "1", ... as in PyTorch's state dicts. */
public final class Sequential extends UnaryModule {
    private final List<UnaryModule> layers = new ArrayList<>();

    public Sequential(UnaryModule... modules) {
        for (UnaryModule m : modules) {
            add(m);
        }
    }

    /** Appends a module under the next index. */
    public Sequential add(UnaryModule m) {
        registerModule(Integer.toString(layers.size()), m);
        layers.add(m);
        return this;
    }

    public UnaryModule get(int i) {
        return layers.get(i);
    }

    public int size() {
        return layers.size();
    }

    public List<UnaryModule> layers() {
        return Collections.unmodifiableList(layers);
    }

    @Override
    public Tensor forward(Tensor x) {
        for (UnaryModule m : layers) {
            x = m.forward(x);
        }
        return x;
    }
}
