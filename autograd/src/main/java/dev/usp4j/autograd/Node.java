package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.Storage;
import java.util.Map;

/**
 * One recorded op in the graph: where its inputs' gradients go (edges to the nodes that made them, or to a leaf's
 * accumulator), its backward rule, and the arrays the rule saved with their versions at record time.
 *
 * <p>After a backward pass that does not retain the graph, {@link #release()} drops the rule, the saved arrays and
 * the edges: nothing reachable from an output tensor then keeps activations alive, and a second backward through
 * the node fails with a clear message instead of reading freed state.
 */
final class Node {
    final String op;
    /** Shapes of the outputs, for zero gradients of outputs nothing flowed into. */
    final int[][] outputShapes;
    /** Per input: the node its gradient goes to, or null when the input needs no gradient. */
    Node[] next;
    /** Per input: which output of {@code next[i]} the input was. */
    int[] nextOutput;
    private Backward rule;
    private NDArray[] saved;
    private int[] savedVersions;
    /** Set for a leaf's accumulator node. */
    final Tensor leaf;
    /** Gradient hooks for outputs that asked to retain their gradient (retainGrad), by output index. */
    Tensor[] retained;

    Node(String op, int[][] outputShapes, Node[] next, int[] nextOutput, Backward rule, NDArray[] saved) {
        this.op = op;
        this.outputShapes = outputShapes;
        this.next = next;
        this.nextOutput = nextOutput;
        this.rule = rule;
        this.saved = saved;
        this.savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) {
            savedVersions[i] = saved[i].storage().version();
        }
        this.leaf = null;
    }

    /** The accumulator of a leaf: it has no rule; the engine adds its incoming gradient to the leaf's grad. */
    Node(Tensor leaf) {
        this.op = "AccumulateGrad";
        this.outputShapes = new int[][] {leaf.shape()};
        this.next = new Node[0];
        this.nextOutput = new int[0];
        this.leaf = leaf;
        this.saved = new NDArray[0];
        this.savedVersions = new int[0];
    }

    boolean isAccumulator() {
        return leaf != null;
    }

    boolean isReleased() {
        return leaf == null && rule == null;
    }

    /** Marks the storages of this node's saved arrays in {@code into} (the engine never recycles them). */
    void markSaved(Map<Storage, Boolean> into) {
        for (NDArray a : saved) {
            into.put(a.storage(), Boolean.TRUE);
        }
    }

    /** Runs the rule after checking that no saved array was modified in place since the forward pass. */
    NDArray[] apply(NDArray[] gradOutputs) {
        if (rule == null) {
            throw new IllegalStateException("backward through '" + op + "' a second time: its graph was freed by the"
                    + " first backward(); call backward(true) (retainGraph) on the first pass if you need to go"
                    + " through the graph twice");
        }
        for (int i = 0; i < saved.length; i++) {
            int now = saved[i].storage().version();
            if (now != savedVersions[i]) {
                throw new IllegalStateException("one of the arrays needed to compute the gradient of '" + op
                        + "' (saved input " + i + ", shape " + Shape.str(saved[i].shape()) + ") was modified in"
                        + " place after the op was recorded: version " + savedVersions[i] + " then, " + now
                        + " now. Use an out-of-place op, or make the change before the forward pass");
            }
        }
        boolean[] needs = new boolean[next.length];
        for (int i = 0; i < next.length; i++) {
            needs[i] = next[i] != null;
        }
        NDArray[] grads = rule.apply(new BackwardContext(gradOutputs, needs));
        if (grads.length != next.length) {
            throw new IllegalStateException("backward of '" + op + "' returned " + grads.length + " gradients for "
                    + next.length + " inputs");
        }
        return grads;
    }

    /** Frees the rule, the saved arrays and the edges. */
    void release() {
        rule = null;
        saved = new NDArray[0];
        savedVersions = new int[0];
        if (leaf == null) {
            next = new Node[0];
            nextOutput = new int[0];
        }
        retained = null;
    }
}
