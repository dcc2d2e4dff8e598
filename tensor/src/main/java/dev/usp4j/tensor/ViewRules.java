package dev.usp4j.tensor;

import java.util.Arrays;

/**
 * The layout arithmetic behind zero-copy views: when a reshape can reuse the storage (PyTorch's computeStride),
 * shape inference for -1, and Python-style slice bounds.
 */
final class ViewRules {
    private ViewRules() {
    }

    /** Replaces one -1 extent by what makes the element count match, or throws naming the op. */
    static int[] inferShape(String op, int[] from, int[] requested) {
        int numel = Shape.numel(from);
        int infer = -1;
        long known = 1;
        for (int i = 0; i < requested.length; i++) {
            int d = requested[i];
            if (d == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(op + ": only one dimension can be -1, got "
                            + Arrays.toString(requested));
                }
                infer = i;
            } else if (d < 0) {
                throw new IllegalArgumentException(op + ": invalid extent " + d + " in " + Arrays.toString(requested));
            } else {
                known *= d;
            }
        }
        int[] out = requested.clone();
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(requested)
                        + " is invalid for an array of shape " + Arrays.toString(from) + " (" + numel + " elements)");
            }
            out[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": shape " + Arrays.toString(requested)
                    + " is invalid for an array of shape " + Arrays.toString(from) + " (" + numel + " elements)");
        }
        return out;
    }

    /**
     * Strides that let an array of {@code oldShape/oldStrides} be seen as {@code newShape} without copying, or null
     * when no such strides exist. Dims are grouped into chunks that are contiguous in memory; each chunk of the old
     * shape must map onto a run of new dims with the same element count.
     */
    static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int[] newStrides = new int[newShape.length];
        if (Shape.numel(oldShape) == 0) {
            return Arrays.equals(oldShape, newShape) ? oldStrides.clone() : Shape.contiguousStrides(newShape);
        }
        if (oldShape.length == 0) {
            oldShape = new int[] {1};
            oldStrides = new int[] {1};
        }
        int viewD = newShape.length - 1;
        long chunkBaseStride = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
            tensorNumel *= oldShape[tensorD];
            boolean chunkEnds = tensorD == 0
                    || (oldShape[tensorD - 1] != 1 && oldStrides[tensorD - 1] != tensorNumel * chunkBaseStride);
            if (chunkEnds) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = (int) (viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (tensorD > 0) {
                    chunkBaseStride = oldStrides[tensorD - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    /** Clamps a Python-style slice bound (negative counts from the end) into [0, n]. */
    static int sliceBound(int v, int n) {
        if (v < 0) {
            v += n;
        }
        return Math.max(0, Math.min(v, n));
    }
}
