package dev.usp4j.autograd;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.Storage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a backward pass: orders the nodes reachable from the root so that each runs after every node that feeds it
 * a gradient, sums the gradients arriving at each node, calls the rules, adds the results into the leaves' grad,
 * and releases the graph unless asked to keep it.
 *
 * <p>The pass runs with recording off (rules compute with NDArrays and create no graph). Gradients of one node are
 * dropped as soon as the node has run, so peak memory is one "frontier" of gradients, not the whole graph.
 *
 * <p>A leaf whose grad is empty takes the arriving array itself, without a copy, when nothing else can see it (as
 * PyTorch's AccumulateGrad steals a gradient nobody else references): the engine counts how many pending slots hold
 * each storage, and never hands over the caller's root gradients or a gradient kept by retainGrad. Copying every
 * parameter's gradient on every step cost a whole extra pass over the model's size (130 MB for DiT-S/2).
 *
 * <p>The same counts tell when a gradient the engine made is spent (consumed by its node, held by no slot, seen by
 * nobody outside): its storage goes back to the backend ({@link NDArray#recycleStorage}) and the next op output of
 * its size reuses it, as PyTorch's caching allocator reuses freed blocks, instead of fresh memory each step.
 */
final class Engine {
    private Engine() {
    }

    static void backward(Tensor root, NDArray gradRoot, boolean retainGraph) {
        backward(new Tensor[] {root}, new NDArray[] {gradRoot}, retainGraph);
    }

    /**
     * Backward from several outputs at once (their gradients summed where the graphs meet): a virtual node whose
     * inputs are the roots starts the pass.
     */
    static void backward(Tensor[] roots, NDArray[] gradRoots, boolean retainGraph) {
        Node[] rootNodes = new Node[roots.length];
        int[] rootOutputs = new int[roots.length];
        for (int i = 0; i < roots.length; i++) {
            rootNodes[i] = roots[i].gradFn() != null ? roots[i].gradFn() : roots[i].accumulator();
            rootOutputs[i] = roots[i].outputIndex();
            if (rootNodes[i].isReleased()) {
                rootNodes[i].apply(new NDArray[0]); // throws the "graph was freed" message
            }
        }
        NDArray[] given = gradRoots.clone();
        Node start = new Node("backward", new int[][] {{}}, rootNodes, rootOutputs, c -> given, new NDArray[0]);
        List<Node> order = topologicalOrder(start);
        Map<Node, NDArray[]> pending = new IdentityHashMap<>();
        pending.put(start, new NDArray[] {NDArray.scalar(1)});
        Map<Storage, Integer> held = new IdentityHashMap<>(); // storage -> pending slots holding it
        Map<Storage, Boolean> foreign = new IdentityHashMap<>(); // storages the caller or retainGrad can see
        for (NDArray g : given) {
            if (g != null) {
                foreign.put(g.storage(), Boolean.TRUE);
            }
        }
        // Arrays saved from the forward pass belong to it, even should a rule hand one back as a gradient.
        for (Node node : order) {
            node.markSaved(foreign);
        }
        try (GradMode.Scope scope = GradMode.noGrad()) {
            for (Node node : order) {
                NDArray[] grads = pending.remove(node);
                if (grads == null) {
                    continue;
                }
                for (NDArray g : grads) {
                    if (g != null) {
                        held.merge(g.storage(), -1, Integer::sum);
                    }
                }
                if (node.isAccumulator()) {
                    NDArray g = grads[0];
                    boolean steal = exclusive(g, held, foreign);
                    node.leaf.accumulate(g, steal);
                    if (steal) {
                        foreign.put(g.storage(), Boolean.TRUE); // the leaf's grad now
                    } else {
                        recycleIfSpent(g, held, foreign);
                    }
                    continue;
                }
                for (int i = 0; i < grads.length; i++) {
                    if (grads[i] == null) {
                        grads[i] = NDArray.zeros(DType.F32, deviceOf(grads), node.outputShapes[i]);
                    }
                    if (node.retained != null && node.retained[i] != null) {
                        node.retained[i].setRetainedGrad(grads[i]);
                        foreign.put(grads[i].storage(), Boolean.TRUE);
                    }
                }
                NDArray[] inputGrads = node.apply(grads);
                List<NDArray> summed = new ArrayList<>();
                for (int i = 0; i < inputGrads.length; i++) {
                    Node next = node.next[i];
                    NDArray g = inputGrads[i];
                    if (next == null || g == null) {
                        continue;
                    }
                    int out = node.nextOutput[i];
                    int[] expected = next.outputShapes[out];
                    if (!java.util.Arrays.equals(g.shape(), expected)) {
                        throw new IllegalStateException("backward of '" + node.op + "' gave input " + i
                                + " a gradient of shape " + Shape.str(g.shape()) + ", expected "
                                + Shape.str(expected));
                    }
                    NDArray[] slot = pending.computeIfAbsent(next, k -> new NDArray[k.outputShapes.length]);
                    // Out-of-place sum: a rule may hand the same array to several inputs (add gives g to both).
                    if (slot[out] != null) {
                        held.merge(slot[out].storage(), -1, Integer::sum);
                        summed.add(slot[out]);
                        summed.add(g);
                        g = slot[out].add(g);
                    }
                    slot[out] = g;
                    held.merge(g.storage(), 1, Integer::sum);
                }
                // Only now, with every input's gradient in its slot: a rule may hand one array to several inputs.
                for (NDArray g : grads) {
                    recycleIfSpent(g, held, foreign);
                }
                for (NDArray g : summed) {
                    recycleIfSpent(g, held, foreign);
                }
            }
        } finally {
            if (!retainGraph) {
                for (Node node : order) {
                    node.release();
                }
            }
        }
    }

    /**
     * True when no pending slot, caller or retained gradient holds g's storage and g covers all of it, so a leaf may
     * keep g itself as its grad.
     */
    private static boolean exclusive(NDArray g, Map<Storage, Integer> held, Map<Storage, Boolean> foreign) {
        Storage st = g.storage();
        return held.getOrDefault(st, 0) == 0 && !foreign.containsKey(st) && g.isContiguous() && g.offset() == 0
                && g.numel() == st.size();
    }

    /**
     * Gives g's storage back to the backend for reuse when the engine made it and is done with it: no pending slot
     * holds it, and neither the caller, retainGrad nor a leaf can see it. Rules return fresh arrays or views of the
     * gradient they were given; the arrays nodes saved from the forward pass are marked as foreign up front, so even
     * a rule that handed one back would not lose it. The storage is then marked too, so that it is never handed
     * back twice.
     */
    private static void recycleIfSpent(NDArray g, Map<Storage, Integer> held, Map<Storage, Boolean> foreign) {
        if (g == null) {
            return;
        }
        Storage st = g.storage();
        if (held.getOrDefault(st, 0) == 0 && !foreign.containsKey(st)) {
            foreign.put(st, Boolean.TRUE);
            g.recycleStorage();
        }
    }

    /** Nodes reachable from {@code start}, each before all nodes it sends gradients to (reverse post-order). */
    private static List<Node> topologicalOrder(Node start) {
        Map<Node, Boolean> visited = new IdentityHashMap<>();
        List<Node> post = new ArrayList<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {start, 0});
        visited.put(start, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node n = (Node) frame[0];
            int i = (Integer) frame[1];
            if (i < n.next.length) {
                frame[1] = i + 1;
                Node m = n.next[i];
                if (m != null && visited.putIfAbsent(m, Boolean.TRUE) == null) {
                    stack.push(new Object[] {m, 0});
                }
            } else {
                stack.pop();
                post.add(n);
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }

    /** The device of the gradients a node received (where its missing ones are made). */
    private static Device deviceOf(NDArray[] grads) {
        for (NDArray g : grads) {
            if (g != null) {
                return g.device();
            }
        }
        return Device.CPU;
    }
}
