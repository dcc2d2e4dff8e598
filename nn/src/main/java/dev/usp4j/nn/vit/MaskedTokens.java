package dev.usp4j.nn.vit;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;

/**
 * Tokens after MAE's random masking, with the bookkeeping that undoes it: {@code idsKeep} [N, keep] (I64) are the
 * kept tokens' original positions in the order they appear, {@code idsRestore} [N, L] (I64) the inverse shuffle
 * (argsort of the shuffle), and {@code mask} [N, L] (F32) is 0 for kept and 1 for removed tokens, in the original
 * token order. {@code tokens} is [N, keep, D] straight after masking, and [N, 1 + keep, D] (cls first) after the
 * encoder ({@link MaskedAutoencoderViT#forwardEncoder}).
 */
public record MaskedTokens(Tensor tokens, NDArray mask, NDArray idsKeep, NDArray idsRestore) {
}
