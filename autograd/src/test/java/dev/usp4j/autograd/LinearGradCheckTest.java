package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of matmul's gradients (1-D promotion, broadcast batches, transposed views) and of
 * F.linear's.
 */
class LinearGradCheckTest {
    private final Generator gen = new Generator(3);

    @Test
    void matmulCases() {
        GradCheck.check("mm", t -> t[0].matmul(t[1]), NDArray.randn(gen, 3, 4), NDArray.randn(gen, 4, 5));
        GradCheck.check("vec_mat", t -> t[0].matmul(t[1]), NDArray.randn(gen, 4), NDArray.randn(gen, 4, 3));
        GradCheck.check("mat_vec", t -> t[0].matmul(t[1]), NDArray.randn(gen, 3, 4), NDArray.randn(gen, 4));
        GradCheck.check("dot", t -> t[0].matmul(t[1]), NDArray.randn(gen, 5), NDArray.randn(gen, 5));
        GradCheck.check("batched_broadcast", t -> t[0].matmul(t[1]), NDArray.randn(gen, 2, 1, 3, 4),
                NDArray.randn(gen, 3, 4, 2));
        GradCheck.check("folded_linear", t -> t[0].matmul(t[1].t()), NDArray.randn(gen, 2, 3, 4),
                NDArray.randn(gen, 5, 4));
        GradCheck.check("transposed", t -> t[0].mT().matmul(t[1].mT()), NDArray.randn(gen, 2, 4, 3),
                NDArray.randn(gen, 2, 5, 4));
    }

    @Test
    void linearCases() {
        GradCheck.check("linear_bias", t -> Functional.linear(t[0], t[1], t[2]), NDArray.randn(gen, 2, 3, 4),
                NDArray.randn(gen, 5, 4), NDArray.randn(gen, 5));
        GradCheck.check("linear_no_bias", t -> Functional.linear(t[0], t[1], null), NDArray.randn(gen, 3, 4),
                NDArray.randn(gen, 5, 4));
        GradCheck.check("linear_vector", t -> Functional.linear(t[0], t[1], t[2]), NDArray.randn(gen, 4),
                NDArray.randn(gen, 2, 4), NDArray.randn(gen, 2));
    }
}
