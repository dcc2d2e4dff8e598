package dev.usp4j.usp.pretrain;

import java.nio.file.Path;

/**
 * What a trainer tells its caller while it runs (the trainers print nothing themselves): every step's metrics, and
 * each checkpoint once it is written. A command-line front end prints or logs them, a test collects them.
 */
public interface TrainListener {
    /** Called after every optimiser step. */
    void onStep(TrainMetrics metrics);

    /** Called after a checkpoint of {@code step} steps was written to {@code file}. */
    default void onCheckpoint(long step, Path file) {
    }

    /** A listener that ignores everything. */
    static TrainListener none() {
        return m -> {
        };
    }
}
