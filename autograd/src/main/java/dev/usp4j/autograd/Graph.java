package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.Arrays;

/**
 * How an op enters the graph. Op code computes its output with NDArray operations, then calls {@link #record}
 * with the inputs, the backward rule and the arrays the rule reads. When recording is off, or no input requires a
 * gradient, the output is a plain tensor and the rule is dropped at once.
 */
public final class Graph {
    private Graph() {
    }

    /** True when an op on these inputs must be recorded. */
    public static boolean recording(Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** Records a single-output op; {@code saved} are the forward arrays the rule reads. */
    public static Tensor record(String op, NDArray out, Tensor[] inputs, Backward rule, NDArray... saved) {
        if (!recording(inputs)) {
            return new Tensor(out);
        }
        Node node = node(op, new int[][] {out.shape()}, inputs, rule, saved);
        return new Tensor(out, node, 0);
    }

    /** Records an op of one input. */
    public static Tensor record(String op, NDArray out, Tensor input, Backward rule, NDArray... saved) {
        return record(op, out, new Tensor[] {input}, rule, saved);
    }

    /** Records an op with several outputs (split, chunk, unbind); the rule sees one gradient per output. */
    public static Tensor[] recordMulti(String op, NDArray[] outs, Tensor[] inputs, Backward rule, NDArray... saved) {
        Tensor[] result = new Tensor[outs.length];
        if (!recording(inputs)) {
            for (int i = 0; i < outs.length; i++) {
                result[i] = new Tensor(outs[i]);
            }
            return result;
        }
        int[][] shapes = new int[outs.length][];
        for (int i = 0; i < outs.length; i++) {
            shapes[i] = outs[i].shape();
        }
        Node node = node(op, shapes, inputs, rule, saved);
        for (int i = 0; i < outs.length; i++) {
            result[i] = new Tensor(outs[i], node, i);
        }
        return result;
    }

    private static Node node(String op, int[][] shapes, Tensor[] inputs, Backward rule, NDArray[] saved) {
        Node[] next = new Node[inputs.length];
        int[] nextOutput = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t == null || !t.requiresGrad()) {
                continue;
            }
            if (t.gradFn() != null) {
                next[i] = t.gradFn();
                nextOutput[i] = t.outputIndex();
            } else {
                next[i] = t.accumulator();
            }
        }
        return new Node(op, shapes, next, nextOutput, rule, saved);
    }

    /**
     * The gradient {@code g} of a broadcast result reduced back to {@code shape}: summed over the leading dims the
     * broadcast added and over the dims where {@code shape} has extent 1.
     */
    public static NDArray sumTo(NDArray g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) {
            return g;
        }
        int lead = gs.length - shape.length;
        if (lead < 0) {
            throw new IllegalStateException("sumTo: gradient of shape " + Shape.str(gs) + " cannot be reduced to "
                    + Shape.str(shape));
        }
        int count = lead;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1 && gs[lead + i] != 1) {
                count++;
            }
        }
        int[] dims = new int[count];
        int k = 0;
        for (int i = 0; i < lead; i++) {
            dims[k++] = i;
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1 && gs[lead + i] != 1) {
                dims[k++] = lead + i;
            }
        }
        NDArray r = count == 0 ? g : g.sum(dims, true);
        return r.reshape(shape);
    }
}
