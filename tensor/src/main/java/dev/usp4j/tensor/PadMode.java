package dev.usp4j.tensor;

/** How {@code pad} fills the border, as the {@code mode} argument of {@code F.pad}. */
public enum PadMode {
    /** A given value; negative pads crop. */
    CONSTANT,
    /** Mirror without repeating the edge (a b c → c b | a b c | b a). */
    REFLECT,
    /** Repeat the edge. */
    REPLICATE,
    /** Wrap around. */
    CIRCULAR
}
