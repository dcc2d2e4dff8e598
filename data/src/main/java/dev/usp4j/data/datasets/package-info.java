/**
 * The dataset readers: MNIST-style IDX files ({@link dev.usp4j.data.datasets.FashionMnist},
 * {@link dev.usp4j.data.datasets.Mnist}), CIFAR binary batches ({@link dev.usp4j.data.datasets.Cifar}), folders of
 * image files ({@link dev.usp4j.data.datasets.ImageFolder}) and a synthetic set for tests
 * ({@link dev.usp4j.data.datasets.SyntheticDataset}). Binary datasets are read whole into memory; image folders decode
 * on demand. Every format error names the file and, for binary files, the byte offset.
 */
package dev.usp4j.data.datasets;
