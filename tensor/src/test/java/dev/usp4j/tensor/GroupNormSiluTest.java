package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/**
 * The fused SiLU(GroupNorm) against the two ops it replaces (each of which is checked against PyTorch in the
 * golden tests): the forward and all three gradients must be the very same floats, on shapes with one channel per
 * group, several, a plane that is not a multiple of the vector width, with and without affine parameters. The
 * {@link Backend} defaults (what a backend without a fused kernel runs) are checked the same way through a proxy
 * that hides the CPU backend's fused methods. Bad input names the op and the shapes.
 */
class GroupNormSiluTest {
    private record Case(int[] shape, int groups, boolean weight, boolean bias) {
    }

    private static final Case[] CASES = {
        new Case(new int[] {2, 6, 5, 7}, 3, true, true),
        new Case(new int[] {3, 8, 16}, 8, true, false),
        new Case(new int[] {2, 4, 3, 3}, 1, false, true),
        new Case(new int[] {1, 32, 8, 8}, 8, false, false),
    };

    /** {out, gx, gw, gb} of the fused ops (through {@code backend}'s methods when not null), or composed. */
    private static NDArray[] run(String how, Backend backend, NDArray x, NDArray w, NDArray b, NDArray g,
                                 int groups) {
        double eps = 1e-6;
        switch (how) {
            case "fused" -> {
                NormResult r = Functional.groupNormSiluWithStats(x, groups, w, b, eps);
                NDArray[] grads = Functional.groupNormSiluBackward(g, x, groups, r.mean(), r.rstd(), w, b, eps, true,
                        w != null, b != null);
                return new NDArray[] {r.out(), grads[0], grads[1], grads[2]};
            }
            case "backend" -> {
                int[] s = x.shape();
                int n = s[0];
                NDArray out = NDArray.zeros(s);
                NDArray mean = NDArray.zeros(n, groups);
                NDArray rstd = NDArray.zeros(n, groups);
                backend.groupNormSilu(x, groups, w, b, (float) eps, out, mean, rstd);
                NDArray gx = NDArray.zeros(s);
                NDArray gw = w == null ? null : NDArray.zeros(s[1]);
                NDArray gb = b == null ? null : NDArray.zeros(s[1]);
                backend.groupNormSiluBackward(x, g, mean, rstd, w, b, groups, (float) eps, gx, gw, gb);
                return new NDArray[] {out, gx, gw, gb};
            }
            default -> {
                NormResult r = Functional.groupNormWithStats(x, groups, w, b, eps);
                NDArray gs = Functional.siluBackward(g, r.out());
                NDArray[] grads = Functional.groupNormBackward(gs, x, groups, r.mean(), r.rstd(), w, true, w != null,
                        b != null);
                return new NDArray[] {r.out().silu(), grads[0], grads[1], grads[2]};
            }
        }
    }

    private static void sameAsComposition(String how, Backend backend) {
        Generator gen = new Generator(17);
        String[] names = {"output", "input grad", "weight grad", "bias grad"};
        for (Case c : CASES) {
            int ch = c.shape()[1];
            NDArray x = NDArray.randn(gen, c.shape()).mul(NDArray.scalar(2f)).add(NDArray.scalar(0.5f));
            NDArray w = c.weight() ? NDArray.randn(gen, ch) : null;
            NDArray b = c.bias() ? NDArray.randn(gen, ch) : null;
            NDArray g = NDArray.randn(gen, c.shape());
            NDArray[] want = run("composed", null, x, w, b, g, c.groups());
            NDArray[] got = run(how, backend, x, w, b, g, c.groups());
            for (int i = 0; i < 4; i++) {
                if (want[i] == null) {
                    continue;
                }
                assertArrayEquals(want[i].toFloatArray(), got[i].toFloatArray(), how + ": " + names[i] + " of shape "
                        + Shape.str(c.shape()) + ", " + c.groups() + " groups");
            }
        }
    }

    @Test
    void fusedKernelsGiveTheComposedOpsFloats() {
        sameAsComposition("fused", null);
    }

    @Test
    void backendDefaultsGiveTheComposedOpsFloats() {
        // Every method goes to the CPU backend except the two fused ones, which run the interface's defaults.
        sameAsComposition("backend", BackendDefaults.cpuWithDefaultsFor("groupNormSilu"));
    }

    @Test
    void badInputNamesTheOpAndShapes() {
        NDArray x = NDArray.randn(2, 6, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.groupNormSiluWithStats(x, 4, null, null, 1e-5));
        assertTrue(e.getMessage().contains("group_norm_silu") && e.getMessage().contains("[2, 6, 4]"),
                e.getMessage());
        NormResult r = Functional.groupNormSiluWithStats(x, 3, null, null, 1e-5);
        e = assertThrows(IllegalArgumentException.class, () -> Functional.groupNormSiluBackward(x, x, 3, r.mean(),
                r.rstd(), NDArray.ones(5), null, 1e-5, true, true, false));
        assertTrue(e.getMessage().contains("group_norm_silu_backward") && e.getMessage().contains("[5]"),
                e.getMessage());
        Compare.assertClose(r.out(), Functional.groupNorm(x, 3, null, null, 1e-5).silu(), 0, "silu(group_norm)");
    }
}
