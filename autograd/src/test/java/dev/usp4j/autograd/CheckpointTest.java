package dev.usp4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Checkpointed blocks give the same gradients as plain ones and keep no intermediate activations. */
class CheckpointTest {

    private static List<Tensor> weights(long seed) {
        Generator g = new Generator(seed);
        List<Tensor> w = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            w.add(Tensor.parameter(NDArray.randn(g, 8, 8).mul(0.3)));
        }
        return w;
    }

    private static UnaryOperator<Tensor> block(List<Tensor> w, int i) {
        return h -> h.matmul(w.get(i)).tanh().mul(h.sigmoid());
    }

    private static float[][] gradients(boolean checkpoint) {
        List<Tensor> w = weights(1);
        Tensor x = Tensor.parameter(NDArray.randn(new Generator(2), 4, 8));
        Tensor h = x;
        for (int i = 0; i < 3; i++) {
            h = checkpoint ? Checkpoint.run(block(w, i), h) : block(w, i).apply(h);
        }
        h.backward(NDArray.ones(4, 8));
        return new float[][] {x.grad().toFloatArray(), w.get(0).grad().toFloatArray(), w.get(2).grad().toFloatArray()};
    }

    @Test
    void sameGradientsWithAndWithoutCheckpointing() {
        float[][] plain = gradients(false);
        float[][] ckpt = gradients(true);
        for (int i = 0; i < plain.length; i++) {
            assertArrayEquals(plain[i], ckpt[i], "gradient " + i);
        }
    }

    @Test
    void parametersGetGradientsEvenWhenTheInputIsConstant() {
        List<Tensor> w = weights(3);
        Tensor x = Tensor.of(NDArray.randn(new Generator(4), 2, 8));
        Checkpoint.run(block(w, 0), x).backward(NDArray.ones(2, 8));
        assertTrue(w.get(0).grad() != null);
    }

    @Test
    void intermediateActivationsAreNotKept() {
        List<Tensor> w = weights(5);
        Tensor x = Tensor.parameter(NDArray.randn(new Generator(6), 4, 8));
        List<WeakReference<NDArray>> inner = new ArrayList<>();
        Tensor y = Checkpoint.run(h -> {
            Tensor a = h.matmul(w.get(0));
            inner.add(new WeakReference<>(a.data()));
            return a.tanh();
        }, x);
        for (int i = 0; i < 20 && inner.get(0).get() != null; i++) {
            System.gc();
        }
        assertNull(inner.get(0).get(), "the block's intermediate value must not be retained by the graph");
        y.backward(NDArray.ones(4, 8));
        assertTrue(x.grad() != null && w.get(0).grad() != null);
    }

    @Test
    void randomDrawsRepeatInTheRecomputation() {
        Generator.manualSeed(11);
        Tensor x = Tensor.parameter(NDArray.ones(64));
        Tensor y = Checkpoint.run(h -> h.mul(Tensor.of(NDArray.rand(64))), x);
        NDArray drawn = y.data().copy();
        NDArray.rand(8);
        y.backward(NDArray.ones(64));
        assertArrayEquals(drawn.toFloatArray(), x.grad().toFloatArray(), "the recomputed mask is the forward's");
    }
}
