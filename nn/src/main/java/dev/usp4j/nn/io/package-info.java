/**
 * Checkpoint files: PyTorch {@code .pt} files read through an allow-listed unpickler that never runs code
 * ({@link dev.usp4j.nn.io.PtFile}), and training checkpoints (model, EMA, optimiser, step, RNG state, config) in one
 * safetensors file ({@link dev.usp4j.nn.io.TrainingCheckpoint}).
 */
package dev.usp4j.nn.io;
