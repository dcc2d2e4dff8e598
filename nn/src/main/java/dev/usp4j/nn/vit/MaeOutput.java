package dev.usp4j.nn.vit;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;

/**
 * What {@link MaskedAutoencoderViT#forward} returns, as MAE's (loss, pred, mask) plus the masking's indices:
 * the scalar loss (mean squared error over the removed patches), the decoder's prediction for every patch
 * [N, L, p²·C] in patchify order, the mask [N, L] (1 = removed), {@code idsRestore} [N, L] and {@code idsKeep}
 * [N, keep].
 */
public record MaeOutput(Tensor loss, Tensor pred, NDArray mask, NDArray idsRestore, NDArray idsKeep) {
}
