package dev.usp4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Which kernel path the CPU backend takes, and the vector shape it uses.
 *
 * <p>Every hot kernel keeps a plain scalar reference beside its Vector API version (llm.c's habit). Setting the
 * system property {@code usp4j.scalar=true} makes every kernel take the reference path, so that the test suite can
 * check both against PyTorch. The species is a {@code static final} constant on purpose: C2 only turns Vector API
 * calls into SIMD instructions when the species is a compile-time constant (passed as a parameter, kernels ran ~60×
 * slower).
 */
public final class KernelPath {
    /** True when kernels must take their scalar reference path. */
    public static final boolean SCALAR = Boolean.getBoolean("usp4j.scalar");

    /** The widest float vector of this CPU (16 lanes with AVX-512). */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Lanes of {@link #F}. */
    public static final int LANES = F.length();

    private KernelPath() {
    }
}
