package dev.usp4j.tensor;

/** Elementwise comparisons; each gives a BOOL array. NaN compares unequal to everything, as in IEEE 754. */
public enum CompareOp {
    EQ, NE, LT, LE, GT, GE
}
