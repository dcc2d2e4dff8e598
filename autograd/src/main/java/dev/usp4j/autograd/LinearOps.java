package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.Arrays;

/**
 * Matrix products with their gradients: for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC, with torch.matmul's 1-D
 * promotion undone and broadcast batch dims summed away. A batch of matrices times one matrix (every linear layer
 * on [batch, tokens, features]) folds the batch into the rows, so the weight gradient is one GEMM rather than a
 * GEMM per batch element plus a reduction.
 */
final class LinearOps {
    private LinearOps() {
    }

    static Tensor matmul(Tensor a, Tensor b) {
        NDArray x = a.data();
        NDArray y = b.data();
        NDArray out = x.matmul(y);
        return Graph.record("matmul", out, new Tensor[] {a, b}, c -> {
            NDArray x2 = x.rank() == 1 ? x.unsqueeze(0) : x;
            NDArray y2 = y.rank() == 1 ? y.unsqueeze(1) : y;
            // The gradient with the dims that 1-D promotion removed put back.
            NDArray g2 = c.g();
            if (x.rank() == 1 && y.rank() == 1) {
                g2 = g2.reshape(1, 1);
            } else if (y.rank() == 1) {
                g2 = g2.unsqueeze(-1);
            } else if (x.rank() == 1) {
                g2 = g2.unsqueeze(-2);
            }
            NDArray gx = null;
            NDArray gy = null;
            if (c.needs(0)) {
                gx = Graph.sumTo(g2.matmul(y2.mT()), x2.shape()).reshape(x.shape());
            }
            if (c.needs(1)) {
                if (y2.rank() == 2 && x2.rank() >= 2) {
                    NDArray xf = rows(x2);
                    NDArray gf = rows(g2);
                    // In y's own layout: for y = Wᵀ (every linear layer) the product is formed as gᵀ·x, [out, in]
                    // like W, and handed back transposed, so W's gradient arrives contiguous instead of being
                    // copied out of a transposed view (35 ms of a DiT-S/2 step). Same products summed in the same
                    // order either way.
                    gy = transposedLayout(y2) ? gf.mT().matmul(xf).mT() : xf.mT().matmul(gf);
                } else {
                    gy = Graph.sumTo(x2.mT().matmul(g2), y2.shape());
                }
                gy = gy.reshape(y.shape());
            }
            return new NDArray[] {gx, gy};
        }, x, y);
    }

    /**
     * F.linear with its gradients: dx = g·W, dW = gᵀ·x (formed [out, in], like W) and db = g summed over rows,
     * where g and x are the output gradient and input with their leading dims folded into rows.
     */
    static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        NDArray x = input.data();
        NDArray w = weight.data();
        NDArray out = dev.usp4j.tensor.Functional.linear(x, w, bias == null ? null : bias.data());
        return Graph.record("linear", out, new Tensor[] {input, weight, bias}, c -> {
            NDArray g = rows(c.g());
            NDArray x2 = rows(x);
            return new NDArray[] {
                c.needs(0) ? g.matmul(w).reshape(x.shape()) : null,
                c.needs(1) ? g.mT().matmul(x2) : null,
                c.needs(2) ? g.sum(0) : null};
        }, x, w);
    }

    /** [..., n] as [rows, n], a vector as one row (explicit sizes, so that empty arrays fold too). */
    private static NDArray rows(NDArray a) {
        return a.reshape(Shape.numel(Arrays.copyOf(a.shape(), a.rank() - 1)), a.size(-1));
    }

    /** A matrix stored column by column: a transposed view of a contiguous one. */
    private static boolean transposedLayout(NDArray m) {
        return !m.isContiguous() && m.mT().isContiguous();
    }
}
