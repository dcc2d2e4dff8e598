package dev.usp4j.data;

import java.util.List;
import java.util.Objects;

/**
 * The first {@code n} samples of a dataset, as {@code torch.utils.data.Subset(ds, range(n))}: for runs that train on
 * part of a split (the quick pipeline encodes 20,000 of Fashion-MNIST's 60,000 training images). Its fingerprint
 * extends the parent's with the count, so a cache built from a subset is never mistaken for one of the whole split.
 */
public final class Subset implements Dataset {
    private final Dataset parent;
    private final int size;

    private Subset(Dataset parent, int size) {
        this.parent = parent;
        this.size = size;
    }

    /**
     * The first {@code n} samples of {@code parent}; {@code parent} itself when {@code n} is 0 or at least its
     * size (the whole split, with its own name and fingerprint).
     */
    public static Dataset first(Dataset parent, int n) {
        Objects.requireNonNull(parent, "parent");
        if (n < 0) {
            throw new IllegalArgumentException("Subset.first: n must be >= 0 (0 = all), got " + n + " for "
                    + parent.name());
        }
        return n == 0 || n >= parent.size() ? parent : new Subset(parent, n);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Sample get(int index) {
        Objects.checkIndex(index, size);
        return parent.get(index);
    }

    @Override
    public List<String> classes() {
        return parent.classes();
    }

    @Override
    public String name() {
        return parent.name() + "[:" + size + "]";
    }

    @Override
    public String fingerprint() {
        return parent.fingerprint() + ":first" + size;
    }
}
