package dev.usp4j.data;

/** One element of a {@link Dataset}: an image and its class index (−1 when the dataset has no labels). */
public record Sample(Image image, int label) {
}
