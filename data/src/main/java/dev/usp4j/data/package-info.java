/**
 * Data for the trainers: datasets ({@link dev.usp4j.data.Dataset}: Fashion-MNIST, MNIST, CIFAR, image folders,
 * synthetic), 8-bit images and their transforms ({@link dev.usp4j.data.Image}, {@link dev.usp4j.data.Transform},
 * {@link dev.usp4j.data.ToTensor}), a multi-threaded loader with deterministic order, latent caches and image grids.
 */
package dev.usp4j.data;
