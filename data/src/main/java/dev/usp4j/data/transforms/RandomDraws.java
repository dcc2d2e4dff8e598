package dev.usp4j.data.transforms;

import dev.usp4j.tensor.random.Generator;
import dev.usp4j.tensor.random.Philox;

/**
 * Uniform numbers for the random transforms, taken from a {@link Generator}'s Philox stream exactly as
 * {@code NDArray.rand(gen, n)} would take them (element i = word i % 4 of block first + i / 4), without building an
 * array for one or two numbers.
 */
final class RandomDraws {
    private RandomDraws() {
    }

    /** {@code n} uniforms on [0, 1), reserving ceil(n / 4) blocks of {@code gen}. */
    static float[] uniforms(Generator gen, int n) {
        long first = gen.reserve(n);
        float[] out = new float[n];
        int[] words = new int[4];
        for (int i = 0; i < n; i++) {
            if ((i & 3) == 0) {
                Philox.block(gen.seed(), first + (i >>> 2), words, 0);
            }
            out[i] = Philox.uniform(words[i & 3]);
        }
        return out;
    }

    /** An integer uniform on [0, bound) from a uniform u in [0, 1); the min guards the top edge. */
    static int below(float u, int bound) {
        return Math.min((int) Math.floor((double) u * bound), bound - 1);
    }
}
