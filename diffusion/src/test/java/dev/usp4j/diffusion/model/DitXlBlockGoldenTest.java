package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.testing.FormulaWeights;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One full-size DiT-XL/2 block (hidden 1152, 16 heads of 72, MLP 4608; vanilla and with USP's affine norms) with
 * formula weights that gen_dit.py computes the same way, on 2×5 tokens: output (1e-4) and the gradients of x and
 * of the conditioning c (1e-3) against float64 PyTorch.
 */
class DitXlBlockGoldenTest {

    @TestFactory
    Stream<DynamicTest> xlBlock() {
        return GoldenFile.load("dit_xl_block").stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    private static void run(GoldenCase c) {
        DiTBlock block = new DiTBlock(c.intArg("hidden_size"), c.intArg("num_heads"), c.doubleArg("mlp_ratio"),
                c.boolArg("affine_norm"));
        FormulaWeights.fill(block);
        Tensor x = Tensor.of(c.in("x").copy(), true);
        Tensor cond = Tensor.of(c.in("c").copy(), true);
        Tensor out = block.forward(x, cond);
        out.backward(c.in("gout"));
        Compare.assertClose(out.data(), c.out("out"), 1e-4, c.name() + "/out");
        Compare.assertClose(x.grad(), c.out("grad/x"), 1e-3, c.name() + "/grad/x");
        Compare.assertClose(cond.grad(), c.out("grad/c"), 1e-3, c.name() + "/grad/c");
    }
}
