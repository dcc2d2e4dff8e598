package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import jdk.incubator.vector.FloatVector;

/** Small vector loops over float arrays that several kernels share (accumulating one run into another). */
final class ArrayLoops {
    private ArrayLoops() {
    }

    /** dst[d..d+len) += src[s..s+len). */
    static void addInto(float[] dst, int d, float[] src, int s, int len) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            int bound = F.loopBound(len);
            for (; i < bound; i += LANES) {
                FloatVector.fromArray(F, dst, d + i).add(FloatVector.fromArray(F, src, s + i)).intoArray(dst, d + i);
            }
        }
        for (; i < len; i++) {
            dst[d + i] += src[s + i];
        }
    }
}
