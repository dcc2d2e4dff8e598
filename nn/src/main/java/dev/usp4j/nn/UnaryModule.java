package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;

/**
 * A module whose forward maps one tensor to one tensor — what {@link Sequential} chains. Layers with other
 * signatures (an embedding taking indices, attention with a mask) extend {@link Module} directly.
 */
public abstract class UnaryModule extends Module {
    public abstract Tensor forward(Tensor x);
}
