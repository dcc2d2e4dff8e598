package dev.usp4j.autograd;

/**
 * Whether ops record the graph on the current thread, and the scopes that switch it.
 *
 * <pre>{@code
 * try (var scope = GradMode.noGrad()) {   // inference, EMA updates, optimiser steps
 *     ...
 * }
 * }</pre>
 * Scopes nest and restore the previous mode when closed, like {@code torch.no_grad()} and
 * {@code torch.enable_grad()}. The mode is per thread; worker threads of the CPU backend never record.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {
    }

    /** A try-with-resources scope restoring the previous mode on close. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Scope(boolean enabled) {
            boolean[] state = ENABLED.get();
            previous = state[0];
            state[0] = enabled;
        }

        @Override
        public void close() {
            if (!closed) {
                ENABLED.get()[0] = previous;
                closed = true;
            }
        }
    }

    /** True when ops record the graph on this thread. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Turns recording off until the scope closes. */
    public static Scope noGrad() {
        return new Scope(false);
    }

    /** Turns recording on until the scope closes (inside a no-grad region, e.g. for gradient checkpointing). */
    public static Scope enableGrad() {
        return new Scope(true);
    }
}
