package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/**
 * DiT's fused adaLN ops against the ops they replace (each checked against PyTorch in the golden tests): the
 * modulated LayerNorm LN(x)·(1 + scale) + shift and the gated residual x + gate·branch. Forward outputs must be the
 * very same floats; gradients agree to float rounding (the per-sample sums over tokens add in another order). The
 * shapes cover a width that is not a multiple of the vector length, a single token, LayerNorm with and without
 * weight and bias, and shift/scale/gate given as chunks of one [N, k·D] projection (strided views), as DiT makes
 * them. The {@link Backend} defaults, what a backend without fused kernels runs, are checked through a proxy that
 * hides the CPU backend's fused methods.
 */
class ModulationTest {
    private record Case(int n, int t, int d, boolean weight, boolean bias) {
    }

    private static final Case[] CASES = {
        new Case(3, 5, 20, false, false),
        new Case(2, 16, 64, true, true),
        new Case(4, 1, 48, true, false),
        new Case(2, 7, 35, false, true),
    };
    private static final double EPS = 1e-6;
    private static final double GRAD_RTOL = 2e-6;

    /** A backend that runs the interface's defaults for the four adaLN methods and the CPU backend otherwise. */
    static Backend defaultsOnly() {
        return BackendDefaults.cpuWithDefaultsFor("layerNormModulate", "gatedAdd");
    }

    private record Inputs(NDArray x, NDArray w, NDArray b, NDArray shift, NDArray scale, NDArray gate, NDArray branch,
                          NDArray g) {
        static Inputs of(Case c, Generator gen) {
            NDArray x = NDArray.randn(gen, c.n(), c.t(), c.d()).mul(NDArray.scalar(1.5f)).add(NDArray.scalar(0.3f));
            NDArray w = c.weight() ? NDArray.randn(gen, c.d()) : null;
            NDArray b = c.bias() ? NDArray.randn(gen, c.d()) : null;
            // Views of one projection, strides [3D, 1], as chunk(…) of adaLN_modulation's output gives them.
            NDArray proj = NDArray.randn(gen, c.n(), 3 * c.d()).mul(NDArray.scalar(0.5f));
            NDArray shift = proj.narrow(1, 0, c.d());
            NDArray scale = proj.narrow(1, c.d(), c.d());
            NDArray gate = proj.narrow(1, 2 * c.d(), c.d());
            return new Inputs(x, w, b, shift, scale, gate, NDArray.randn(gen, c.n(), c.t(), c.d()),
                    NDArray.randn(gen, c.n(), c.t(), c.d()));
        }
    }

    /** {out, gx, gw, gb, gShift, gScale} of the composed ops. */
    private static NDArray[] composedModulate(Inputs in) {
        NormResult r = Functional.layerNormWithStats(in.x(), new int[] {in.x().size(2)}, in.w(), in.b(), EPS);
        NDArray scale1 = in.scale().unsqueeze(1).add(1.0);
        NDArray out = r.out().mul(scale1).add(in.shift().unsqueeze(1));
        NDArray[] ln = Functional.layerNormBackward(in.g().mul(scale1), in.x(), new int[] {in.x().size(2)}, r.mean(),
                r.rstd(), in.w(), true, in.w() != null, in.b() != null);
        return new NDArray[] {out, ln[0], ln[1], ln[2], in.g().sum(1), in.g().mul(r.out()).sum(1)};
    }

    /** The same through the fused entry points, on {@code backend} when not null. */
    private static NDArray[] fusedModulate(Inputs in, Backend backend) {
        if (backend == null) {
            NormResult r = Functional.layerNormModulateWithStats(in.x(), in.w(), in.b(), in.shift(), in.scale(), EPS);
            NDArray[] g = Functional.layerNormModulateBackward(in.g(), in.x(), r.mean(), r.rstd(), in.w(), in.b(),
                    in.scale(), EPS, true, true, true, true, true);
            return new NDArray[] {r.out(), g[0], g[1], g[2], g[3], g[4]};
        }
        int n = in.x().size(0);
        int t = in.x().size(1);
        int d = in.x().size(2);
        NDArray shift = in.shift().contiguous();
        NDArray scale = in.scale().contiguous();
        NDArray out = NDArray.zeros(n, t, d);
        NDArray mean = NDArray.zeros(n, t);
        NDArray rstd = NDArray.zeros(n, t);
        backend.layerNormModulate(in.x(), in.w(), in.b(), shift, scale, (float) EPS, out, mean, rstd);
        NDArray[] g = {NDArray.zeros(n, t, d), in.w() == null ? null : NDArray.zeros(d),
            in.b() == null ? null : NDArray.zeros(d), NDArray.zeros(n, d), NDArray.zeros(n, d)};
        backend.layerNormModulateBackward(in.x(), in.g(), mean, rstd, in.w(), in.b(), scale, (float) EPS, g[0], g[1],
                g[2], g[3], g[4]);
        return new NDArray[] {out, g[0], g[1], g[2], g[3], g[4]};
    }

    private static void modulateAgrees(Backend backend, String how) {
        Generator gen = new Generator(23);
        String[] names = {"output", "input grad", "weight grad", "bias grad", "shift grad", "scale grad"};
        for (Case c : CASES) {
            Inputs in = Inputs.of(c, gen);
            NDArray[] want = composedModulate(in);
            NDArray[] got = fusedModulate(in, backend);
            String label = how + " layer_norm_modulate " + c;
            assertArrayEquals(want[0].toFloatArray(), got[0].toFloatArray(), label + ": output");
            for (int i = 1; i < 6; i++) {
                if (want[i] == null) {
                    assertNull(got[i], label + ": " + names[i] + " without that parameter");
                } else {
                    Compare.assertClose(got[i], want[i], GRAD_RTOL, label + ": " + names[i]);
                }
            }
        }
    }

    private static void gatedAddAgrees(Backend backend, String how) {
        Generator gen = new Generator(29);
        for (Case c : CASES) {
            Inputs in = Inputs.of(c, gen);
            NDArray want = in.x().add(in.gate().unsqueeze(1).mul(in.branch()));
            NDArray wantBranch = in.gate().unsqueeze(1).mul(in.g());
            NDArray wantGate = in.g().mul(in.branch()).sum(1);
            NDArray out;
            NDArray[] g;
            if (backend == null) {
                out = Functional.gatedAdd(in.x(), in.branch(), in.gate());
                g = Functional.gatedAddBackward(in.g(), in.branch(), in.gate(), true, true);
            } else {
                NDArray gate = in.gate().contiguous();
                out = NDArray.zeros(in.x().shape());
                backend.gatedAdd(in.x(), in.branch(), gate, out);
                g = new NDArray[] {NDArray.zeros(in.x().shape()), NDArray.zeros(gate.shape())};
                backend.gatedAddBackward(in.g(), in.branch(), gate, g[0], g[1]);
            }
            String label = how + " gated_add " + c;
            assertArrayEquals(want.toFloatArray(), out.toFloatArray(), label + ": output");
            assertArrayEquals(wantBranch.toFloatArray(), g[0].toFloatArray(), label + ": branch grad");
            Compare.assertClose(g[1], wantGate, GRAD_RTOL, label + ": gate grad");
        }
    }

    @Test
    void fusedLayerNormModulateMatchesTheComposedOps() {
        modulateAgrees(null, "fused");
    }

    @Test
    void backendDefaultsOfLayerNormModulateMatchTheComposedOps() {
        modulateAgrees(defaultsOnly(), "default");
    }

    @Test
    void fusedGatedAddMatchesTheComposedOps() {
        gatedAddAgrees(null, "fused");
    }

    @Test
    void backendDefaultsOfGatedAddMatchTheComposedOps() {
        gatedAddAgrees(defaultsOnly(), "default");
    }

    @Test
    void gradientsAreOnlyComputedWhenAsked() {
        Inputs in = Inputs.of(CASES[1], new Generator(3));
        NormResult r = Functional.layerNormModulateWithStats(in.x(), in.w(), in.b(), in.shift(), in.scale(), EPS);
        NDArray[] g = Functional.layerNormModulateBackward(in.g(), in.x(), r.mean(), r.rstd(), in.w(), in.b(),
                in.scale(), EPS, false, false, true, false, true);
        assertTrue(g[0] == null && g[1] == null && g[3] == null && g[2] != null && g[4] != null);
        NDArray[] all = Functional.layerNormModulateBackward(in.g(), in.x(), r.mean(), r.rstd(), in.w(), in.b(),
                in.scale(), EPS, true, true, true, true, true);
        assertArrayEquals(all[2].toFloatArray(), g[2].toFloatArray(), "bias grad alone");
        assertArrayEquals(all[4].toFloatArray(), g[4].toFloatArray(), "scale grad alone");
        NDArray[] gate = Functional.gatedAddBackward(in.g(), in.branch(), in.gate(), false, true);
        assertNull(gate[0]);
    }

    @Test
    void badInputNamesTheOpAndShapes() {
        NDArray x = NDArray.randn(2, 3, 8);
        NDArray v = NDArray.randn(2, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.layerNormModulateWithStats(x, null, null, v, NDArray.randn(3, 8), EPS));
        assertTrue(e.getMessage().contains("layer_norm_modulate") && e.getMessage().contains("scale")
                && e.getMessage().contains("[3, 8]") && e.getMessage().contains("[2, 3, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Functional.layerNormModulateWithStats(x.reshape(6, 8), null, null, v, v, EPS));
        assertTrue(e.getMessage().contains("[N, T, D]") && e.getMessage().contains("[6, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Functional.layerNormModulateWithStats(x, NDArray.ones(7), null, v, v, EPS));
        assertTrue(e.getMessage().contains("weight") && e.getMessage().contains("[7]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.gatedAdd(x, NDArray.randn(2, 4, 8), v));
        assertTrue(e.getMessage().contains("gated_add") && e.getMessage().contains("[2, 4, 8]"), e.getMessage());
        NormResult r = Functional.layerNormModulateWithStats(x, null, null, v, v, EPS);
        e = assertThrows(IllegalArgumentException.class, () -> Functional.layerNormModulateBackward(x, x, r.mean(),
                r.rstd(), null, null, v, EPS, true, true));
        assertTrue(e.getMessage().contains("five flags"), e.getMessage());
    }
}
