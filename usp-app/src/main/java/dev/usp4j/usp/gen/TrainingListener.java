package dev.usp4j.usp.gen;

import java.nio.file.Path;

/**
 * How a {@link GenerativeTrainer} talks to its caller (the CLI prints, a test records): metrics every
 * {@code log_every} steps and each checkpoint written. The trainer itself never prints.
 */
public interface TrainingListener {
    /** A listener that ignores everything. */
    TrainingListener NONE = m -> { };

    void onMetrics(TrainingMetrics metrics);

    /** Called after the checkpoint for {@code step} was written (atomically) to {@code file}. */
    default void onCheckpoint(long step, Path file) {
    }
}
