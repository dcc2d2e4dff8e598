package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;

/**
 * The backward rule of one recorded op: given the gradients of its outputs (through {@link BackwardContext}),
 * the gradients of its inputs, in input order, with null for an input that needs none.
 *
 * <p>Rules are written as closures right beside the forward computation (micrograd's style), capturing what they
 * need; every array a rule reads from the forward pass must also be passed to {@link Graph#record} as saved, so
 * that an in-place change to it is caught before the rule runs.
 */
@FunctionalInterface
public interface Backward {
    NDArray[] apply(BackwardContext ctx);
}
