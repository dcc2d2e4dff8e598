package dev.usp4j.tensor.random;

/**
 * The distributions random arrays are drawn from, each defined on Philox blocks so that every backend produces the
 * same numbers: element {@code i} of a draw takes word {@code i % 4} of block {@code offset + i / 4}.
 */
public enum Distribution {
    /** Uniform on [a, b): {@code a + (b−a)·u}, u from the top 24 bits. */
    UNIFORM,
    /**
     * Normal with mean a and standard deviation b by Box–Muller: words (0, 1) and (2, 3) of a block each give two
     * normals, the cosine one at the even position.
     */
    NORMAL,
    /** Integers uniform on [a, b) by multiply-shift of one word ({@code b − a ≤ 2^32}). */
    RANDINT,
    /** BOOL true with probability a (u &lt; a). */
    BERNOULLI
}
