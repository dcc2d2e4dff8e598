package dev.usp4j.tensor;

import dev.usp4j.tensor.cpu.CpuStorage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * One training step's scope for CPU op outputs: every F32 output the ops on this thread allocate while it is open
 * goes back to the backend's pool when it closes (except what the caller keeps), so that the next step's
 * activations reuse this step's arrays instead of fresh memory. The JVM clears every fresh array too large for a
 * thread's allocation buffer, which is every activation of a training step; PyTorch's caching allocator reuses
 * freed blocks instead, and this scope is how a training loop gets the same (bench/RESULTS.md, tenth session:
 * peak memory 0.6–1.3 GiB lower on the training-step benchmark, steps 2–8% faster on a busy host).
 *
 * <pre>{@code
 * try (StepArena step = StepArena.open()) {
 *     Tensor loss = model.loss(batch);
 *     double value = loss.item();
 *     optimizer.zeroGrad();   // drops the last step's gradients (set to none)
 *     loss.backward();
 *     optimizer.step();
 * }
 * }</pre>
 *
 * <p>The contract, PyTorch's in practice: nothing computed inside the scope is used after it closes, except the
 * arrays passed to {@link #keep} (gradients read after the step, say: the backward's gradients are op outputs
 * too). Values to log are read inside ({@code item()}); state that outlives a step (parameters, optimiser
 * moments, running statistics, EMA weights) must be allocated outside it or updated in place, as every optimiser,
 * BatchNorm and EMA here is. An
 * array handed back while something still reads it would be overwritten by a later op: the test suites run with
 * {@code usp4j.poisonOutputs=true}, under which released arrays are filled with NaN at once, so a loop that breaks
 * the contract fails its tests instead of training on garbage. Outputs the autograd engine already recycled are
 * not released twice. Scopes are per thread and do not nest; outputs on other devices are not tracked.
 */
public final class StepArena implements AutoCloseable {
    private static final ThreadLocal<StepArena> CURRENT = new ThreadLocal<>();

    private final List<Storage> outputs = new ArrayList<>();
    private final Set<Storage> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Storage> recycled = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private StepArena() {
    }

    /** Opens the scope on this thread; closing it releases what was allocated since. */
    public static StepArena open() {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("StepArena.open: a step arena is already open on thread "
                    + Thread.currentThread().getName() + " (arenas do not nest)");
        }
        StepArena a = new StepArena();
        CURRENT.set(a);
        return a;
    }

    /** Records an op output allocated on this thread, when a scope is open there. */
    static void allocated(Storage storage) {
        StepArena a = CURRENT.get();
        if (a != null && storage instanceof CpuStorage && storage.dtype() == DType.F32) {
            a.outputs.add(storage);
        }
    }

    /** Notes a storage its owner handed back itself (the engine's spent gradients), so it is not released again. */
    static void recycled(Storage storage) {
        StepArena a = CURRENT.get();
        if (a != null) {
            a.recycled.add(storage);
        }
    }

    /** Keeps these arrays' storages (and so every view of them) past the scope; null entries are skipped. */
    public StepArena keep(Iterable<NDArray> arrays) {
        for (NDArray x : arrays) {
            if (x != null) {
                kept.add(x.storage());
            }
        }
        return this;
    }

    /** As {@link #keep(Iterable)}. */
    public StepArena keep(NDArray... arrays) {
        return keep(java.util.Arrays.asList(arrays));
    }

    /** How many outputs the scope has recorded so far. */
    public int recorded() {
        return outputs.size();
    }

    /** Hands every recorded output that was neither kept nor recycled back to its backend's pool. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
        for (Storage s : outputs) {
            if (!kept.contains(s) && recycled.add(s)) {
                Backends.cpu().recycle(s);
            }
        }
    }
}
