package dev.usp4j.usp.pretrain;

/**
 * One optimiser step as a trainer reports it to its {@link TrainListener}: the number of steps done (1 after the
 * first), the fractional epoch reached, the step's loss, the learning rate it used (before any layer-wise scale) and
 * the throughput of that step in samples per second.
 */
public record TrainMetrics(long step, double epoch, double loss, double lr, double imagesPerSecond) {
}
