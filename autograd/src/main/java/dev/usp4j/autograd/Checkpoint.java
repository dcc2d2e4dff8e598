package dev.usp4j.autograd;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Gradient checkpointing (torch.utils.checkpoint): runs a block without keeping its intermediate activations and
 * recomputes them during backward, trading one extra forward per block for memory, so that deep models fit.
 *
 * <p>The forward runs with recording off; one node stands for the whole block and saves only its inputs. Its
 * backward re-runs the block with recording on, on fresh leaves holding the saved inputs, and backpropagates the
 * incoming gradient through that recomputed graph: parameters used inside the block receive their gradients there
 * directly, the inputs' gradients go on through the outer graph. The default generator is rewound to where it was
 * during the forward, so blocks drawing from it (dropout) recompute the same numbers; a block using its own
 * {@link Generator} must make its draws repeatable itself. The block must otherwise be a pure function of its
 * inputs and parameters.
 */
public final class Checkpoint {
    private Checkpoint() {
    }

    /** Checkpoints a block of one input. */
    public static Tensor run(UnaryOperator<Tensor> block, Tensor input) {
        return run(t -> block.apply(t[0]), new Tensor[] {input});
    }

    /** Checkpoints a block of several inputs. */
    public static Tensor run(Function<Tensor[], Tensor> block, Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return block.apply(inputs);
        }
        Generator rng = Generator.defaultGenerator();
        long rngState = rng.state();
        NDArray out;
        try (GradMode.Scope scope = GradMode.noGrad()) {
            out = block.apply(inputs).data();
        }
        NDArray[] saved = new NDArray[inputs.length];
        Node[] next = new Node[inputs.length];
        int[] nextOutput = new int[inputs.length];
        boolean[] requires = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            saved[i] = t.data();
            requires[i] = t.requiresGrad();
            if (t.requiresGrad()) {
                next[i] = t.gradFn() != null ? t.gradFn() : t.accumulator();
                nextOutput[i] = t.gradFn() != null ? t.outputIndex() : 0;
            }
        }
        Backward rule = c -> {
            Tensor[] fresh = new Tensor[saved.length];
            for (int i = 0; i < saved.length; i++) {
                fresh[i] = Tensor.of(saved[i], requires[i]);
            }
            Tensor y;
            long resumeAt = rng.state();
            rng.setState(rngState);
            try (GradMode.Scope scope = GradMode.enableGrad()) {
                y = block.apply(fresh);
            } finally {
                rng.setState(resumeAt);
            }
            if (y.requiresGrad()) {
                y.backward(c.g());
            }
            NDArray[] grads = new NDArray[saved.length];
            for (int i = 0; i < saved.length; i++) {
                if (c.needs(i)) {
                    grads[i] = fresh[i].grad() != null ? fresh[i].grad() : NDArray.zeros(DType.F32, saved[i].device(), saved[i].shape());
                }
            }
            return grads;
        };
        // Recorded even when no input requires grad: parameters inside the block still need their gradients.
        Node node = new Node("checkpoint", new int[][] {out.shape()}, next, nextOutput, rule, saved);
        return new Tensor(out, node, 0);
    }
}
