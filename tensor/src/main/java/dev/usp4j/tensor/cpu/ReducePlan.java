package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * How a reduction walks an input of arbitrary strides, chosen so that the innermost loop always runs over unit
 * stride.
 *
 * <p>Dims of extent 1 are dropped. If a reduced dim has unit stride the plan is a <em>row</em> plan: that dim,
 * merged with the reduced dims that continue it contiguously, forms a run of {@link #run} elements, and each
 * output reduces {@code xRed.length} such runs (one per combination of the other reduced dims). Otherwise, if a
 * kept dim has unit stride, it is a <em>column</em> plan: that dim (merged with kept dims that continue it in both
 * input and output) forms a run of {@link #run} outputs, and each unit accumulates whole input rows, one per
 * combination of the reduced dims, so that vectors go along the kept dim. A layout that gives neither (no dim of
 * unit stride) is copied to a contiguous array first. Offsets of the outer combinations are enumerated once in
 * row-major order of the original dims, which also fixes the order in which each output sees its elements.
 */
final class ReducePlan {
    /** Row plan (reduced unit-stride run) or column plan (kept unit-stride run). */
    final boolean rowMode;
    /** The array actually read: the input, or a contiguous copy of it. */
    final NDArray x;
    /** Row plan: reduced elements per run; column plan: outputs per run. */
    final int run;
    /** Column plan: the output stride between neighbouring elements of the run (1 in a row plan). */
    final int outStride;
    /** Per unit (row plan: each output; column plan: each run of outputs): the input and output offsets. */
    final int[] xOuter;
    final int[] oOuter;
    /** Input offsets of the reduced combinations (row plan: excluding the run's dims), in row-major order. */
    final int[] xRed;
    /** Reduced elements per output. */
    final long count;

    private ReducePlan(boolean rowMode, NDArray x, int run, int outStride, int[] xOuter, int[] oOuter, int[] xRed,
                       long count) {
        this.rowMode = rowMode;
        this.x = x;
        this.run = run;
        this.outStride = outStride;
        this.xOuter = xOuter;
        this.oOuter = oOuter;
        this.xRed = xRed;
        this.count = count;
    }

    /** Units of work: outputs (row plan) or runs of outputs (column plan). */
    int units() {
        return xOuter.length;
    }

    /**
     * Plans the reduction of {@code x} over the flagged dims into {@code out} (x's rank, reduced dims of extent 1).
     * Callers handle empty outputs and empty reductions before planning.
     */
    static ReducePlan of(NDArray x, boolean[] reduced, NDArray out) {
        ReducePlan p = tryPlan(x, reduced, out);
        if (p == null) {
            p = tryPlan(x.contiguous(), reduced, out);
        }
        if (p == null) {
            throw new IllegalStateException("reduce: no plan for shape " + java.util.Arrays.toString(x.shape()));
        }
        return p;
    }

    private static ReducePlan tryPlan(NDArray x, boolean[] reduced, NDArray out) {
        int[] shape = x.shape();
        int[] xs = x.strides();
        int[] os = out.strides();
        List<Integer> kept = new ArrayList<>();
        List<Integer> red = new ArrayList<>();
        long count = 1;
        for (int d = 0; d < shape.length; d++) {
            if (reduced[d]) {
                count *= shape[d];
            }
            if (shape[d] != 1) {
                (reduced[d] ? red : kept).add(d);
            }
        }
        int unitRed = find(red, xs, 1, null, 0);
        if (unitRed >= 0 || red.isEmpty()) {
            int run = 1;
            if (unitRed >= 0) {
                run = shape[unitRed];
                red.remove(Integer.valueOf(unitRed));
                // Absorb reduced dims that continue the run contiguously (their order inside one output's
                // reduction is free).
                for (int d = find(red, xs, run, null, 0); d >= 0; d = find(red, xs, run, null, 0)) {
                    run *= shape[d];
                    red.remove(Integer.valueOf(d));
                }
            }
            int[][] outer = enumerate(shape, kept, xs, os, x.offset(), out.offset());
            int[] xRed = enumerate(shape, red, xs, null, 0, 0)[0];
            return new ReducePlan(true, x, run, 1, outer[0], outer[1], xRed, count);
        }
        int unitKept = find(kept, xs, 1, null, 0);
        if (unitKept < 0) {
            return null;
        }
        int run = shape[unitKept];
        int outStride = os[unitKept];
        kept.remove(Integer.valueOf(unitKept));
        for (int d = find(kept, xs, run, os, outStride * run); d >= 0;
             d = find(kept, xs, run, os, outStride * run)) {
            run *= shape[d];
            kept.remove(Integer.valueOf(d));
        }
        int[][] outer = enumerate(shape, kept, xs, os, x.offset(), out.offset());
        int[] xRed = enumerate(shape, red, xs, null, 0, 0)[0];
        return new ReducePlan(false, x, run, outStride, outer[0], outer[1], xRed, count);
    }

    /** The first dim in {@code dims} with input stride {@code xStride} (and output stride {@code oStride}). */
    private static int find(List<Integer> dims, int[] xs, int xStride, int[] os, int oStride) {
        for (int d : dims) {
            if (xs[d] == xStride && (os == null || os[d] == oStride)) {
                return d;
            }
        }
        return -1;
    }

    /** Offsets of every combination of {@code dims} (row-major), in x (and out when {@code os} is given). */
    private static int[][] enumerate(int[] shape, List<Integer> dims, int[] xs, int[] os, int xBase, int oBase) {
        int n = 1;
        for (int d : dims) {
            n *= shape[d];
        }
        int k = dims.size();
        int[] xo = new int[n];
        int[] oo = os == null ? null : new int[n];
        int[] idx = new int[k];
        int xCur = xBase;
        int oCur = oBase;
        for (int i = 0; i < n; i++) {
            xo[i] = xCur;
            if (oo != null) {
                oo[i] = oCur;
            }
            for (int j = k - 1; j >= 0; j--) {
                int d = dims.get(j);
                idx[j]++;
                xCur += xs[d];
                oCur += os == null ? 0 : os[d];
                if (idx[j] < shape[d]) {
                    break;
                }
                xCur -= xs[d] * shape[d];
                oCur -= os == null ? 0 : os[d] * shape[d];
                idx[j] = 0;
            }
        }
        return new int[][] {xo, oo};
    }
}
