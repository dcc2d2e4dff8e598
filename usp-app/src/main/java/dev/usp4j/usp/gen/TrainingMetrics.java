package dev.usp4j.usp.gen;

/**
 * What a {@link GenerativeTrainer} reports every {@code log_every} steps: the step just finished (1-based count of
 * optimiser steps), the training loss averaged over the steps since the last report (as DiT's train.py logs it),
 * the learning rate, the throughput in latents per second over the same window, and the global gradient norm of
 * the last step (NaN when clipping is off, since it is only computed then).
 */
public record TrainingMetrics(long step, double loss, double lr, double imagesPerSecond, double gradNorm) {
}
