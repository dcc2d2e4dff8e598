package dev.usp4j.diffusion.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The transport's rules that need no fixture: create_transport's eps defaults, check_interval for every
 * path/prediction/SDE/ODE/last-step combination of the spec (4.4, 4.7), training time sampling, seeded training
 * losses, and the messages of bad names, shapes and intervals.
 */
class TransportTest {
    private static final double EPS = 1e-15;

    private static void assertInterval(double t0, double t1, double[] got, String what) {
        assertArrayEquals(new double[] {t0, t1}, got, EPS, what);
    }

    @Test
    void epsDefaultsFollowCreateTransport() {
        Transport usp = Transport.usp();
        assertEquals(0, usp.trainEps());
        assertEquals(0, usp.sampleEps());
        Transport noise = Transport.create("Linear", "noise", "likelihood", null, null);
        assertEquals(1e-3, noise.trainEps());
        assertEquals(1e-3, noise.sampleEps());
        Transport vp = Transport.create("VP", "velocity", null, null, null);
        assertEquals(1e-5, vp.trainEps());
        assertEquals(1e-3, vp.sampleEps(), "upstream's fixed default, not USP's copy that left it null");
        assertEquals(0, Transport.create("GVP", "velocity", null, 0.3, 0.3).trainEps(), "velocity ignores eps");
        assertEquals(0.2, Transport.create("GVP", "score", "velocity", 0.2, null).trainEps());
    }

    @Test
    void intervalsFollowTheSpec() {
        Transport usp = Transport.usp();
        assertInterval(0, 1, usp.checkInterval(false, true, false, DiffusionForm.SBDM, 0), "Linear velocity ODE");
        assertInterval(0, 1, usp.trainInterval(), "Linear velocity training");
        assertInterval(0, 0.96, usp.checkInterval(true, true, false, DiffusionForm.SIGMA, 0.04),
                "USP's SDE: t1 = 1 - last_step_size");
        assertInterval(0, 1, usp.checkInterval(true, true, false, DiffusionForm.SIGMA, 0), "SDE without last step");
        Transport noise = Transport.create("Linear", "noise", null, null, null);
        assertInterval(1e-3, 1 - 1e-3, noise.trainInterval(), "noise training");
        assertInterval(1e-3, 0.96, noise.checkInterval(true, true, false, DiffusionForm.SIGMA, 0.04), "noise SDE");
        Transport gvpSbdm = Transport.create("GVP", "velocity", null, null, null);
        assertInterval(0, 0.96, gvpSbdm.checkInterval(true, true, false, DiffusionForm.SBDM, 0.04),
                "SBDM with velocity: t0 = eps = 0");
        Transport score = new Transport(new GvpPath(), Prediction.VELOCITY, LossWeight.NONE, 0.01, 0.02);
        assertInterval(0.02, 0.96, score.checkInterval(true, true, false, DiffusionForm.SBDM, 0.04),
                "SBDM: t0 = sample eps");
        assertInterval(0, 0.96, score.checkInterval(true, true, false, DiffusionForm.CONSTANT, 0.04),
                "other forms start at 0");
        Transport vp = Transport.create("VP", "velocity", null, null, null);
        assertInterval(0, 1 - 1e-5, vp.trainInterval(), "VP training");
        assertInterval(0, 1 - 1e-3, vp.checkInterval(false, true, false, DiffusionForm.SBDM, 0), "VP ODE");
        assertInterval(0, 0.96, vp.checkInterval(true, true, false, DiffusionForm.SBDM, 0.04), "VP SDE");
        assertInterval(1, 1e-3, vp.checkInterval(false, true, true, DiffusionForm.SBDM, 0), "VP ODE reversed");
        double[] grid = TransportSamplers.uspSde().grid();
        assertEquals(250, grid.length, "USP's grid: linspace(0, 0.96, 250)");
        assertEquals(0, grid[0]);
        assertEquals(0.96, grid[249]);
        assertEquals(0.96 / 249, grid[1] - grid[0], EPS, "dt");
    }

    @Test
    void trainingTimesAreUniformOnTheInterval() {
        NDArray t = Transport.create("Linear", "score", null, null, null).sampleTime(new Generator(2), 2000);
        float[] v = t.toFloatArray();
        double sum = 0;
        for (float x : v) {
            assertTrue(x >= 1e-3f && x <= 1 - 1e-3f, "t = " + x);
            sum += x;
        }
        // mean of U[0.001, 0.999] is 0.5 with standard error 0.288/sqrt(2000) = 0.0065
        assertEquals(0.5, sum / v.length, 4 * 0.0065);
    }

    @Test
    void seededLossesReproduceAndDifferentiate() {
        NDArray x1 = NDArray.randn(new Generator(9), 4, 3, 2, 2);
        Tensor w = Tensor.of(NDArray.full(0.5, 1), true);
        BiFunction<Tensor, NDArray, Tensor> model = (xt, t) -> xt.mul(w);
        Transport tr = Transport.usp();
        Tensor a = tr.trainingLosses(model, x1, new Generator(5));
        Tensor b = tr.trainingLosses(model, x1, new Generator(5));
        assertArrayEquals(a.data().toFloatArray(), b.data().toFloatArray());
        assertArrayEquals(new int[] {4}, a.shape());
        a.mean().backward();
        assertTrue(w.grad() != null && Double.isFinite(w.grad().item()), "gradient reaches the network");
        // the draws come in the original's order: x0 first, then t
        Generator g = new Generator(5);
        NDArray x0 = NDArray.randn(g, x1.shape());
        NDArray t = tr.sampleTime(g, 4);
        assertArrayEquals(b.data().toFloatArray(), tr.trainingLosses(model, x1, t, x0).data().toFloatArray());
        TrainingDraw d = tr.sample(x1, new Generator(5));
        assertArrayEquals(x0.toFloatArray(), d.x0().toFloatArray());
        assertArrayEquals(t.toFloatArray(), d.t().toFloatArray());
    }

    private static void assertMessage(Executable e, String... parts) {
        Exception ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().contains(p), "message '" + ex.getMessage() + "' should mention " + p);
        }
    }

    @Test
    void badInputsAreNamed() {
        assertMessage(() -> TransportPath.of("Cosine"), "Cosine", "Linear, GVP, VP");
        assertMessage(() -> Prediction.parse("eps"), "eps", "velocity, noise, score");
        assertMessage(() -> LossWeight.parse("snr"), "snr", "likelihood");
        assertMessage(() -> DiffusionForm.parse("cubic"), "cubic", "increasing-decreasing");
        assertMessage(() -> OdeMethod.parse("rk45"), "rk45", "dopri5");
        assertMessage(() -> SdeMethod.parse("Milstein"), "Milstein", "Euler, Heun");
        assertMessage(() -> LastStep.parse("Last"), "Last", "Tweedie");
        assertEquals(DiffusionForm.INCREASING_DECREASING, DiffusionForm.parse("inccreasing-decreasing"));
        assertEquals(OdeMethod.HEUN2, OdeMethod.parse("heun"));

        Transport tr = Transport.usp();
        NDArray x = NDArray.zeros(2, 3);
        BiFunction<Tensor, NDArray, Tensor> id = (xt, t) -> xt;
        assertMessage(() -> tr.trainingLosses(id, x, NDArray.zeros(2), NDArray.zeros(2, 4)), "[2, 4]", "[2, 3]");
        assertMessage(() -> tr.trainingLosses(id, x, NDArray.zeros(3), NDArray.zeros(2, 3)), "t must be [N] = [2]");
        assertMessage(() -> tr.trainingLosses((xt, t) -> xt.sum(new int[] {1}, false), x, NDArray.zeros(2),
                NDArray.zeros(2, 3)), "model output [2]", "x_t [2, 3]");
        assertMessage(() -> tr.trainingLosses(id, NDArray.zeros(5), new Generator(1)), "Transport.sample", "x1", "[5]");
        assertMessage(() -> tr.driftFromOutput(NDArray.zeros(2, 2), x, NDArray.zeros(2)), "[2, 2]", "[2, 3]");
        assertMessage(() -> new LinearPath().computeXt(new double[3], x, x), "t [3]", "[2, 3]");

        assertMessage(() -> tr.checkInterval(true, true, false, DiffusionForm.SIGMA, 1.5), "last_step_size", "1.5");
        assertMessage(() -> new Transport(new LinearPath(), Prediction.NOISE, LossWeight.NONE, -1e-3, 0),
                "train_eps", "-0.001");
        assertMessage(() -> new OdeSampler(tr, OdeMethod.EULER, 1), "num_steps", "1");
        assertMessage(() -> new OdeSampler(tr, OdeMethod.DOPRI5, 10, 0, 1e-3), "atol");
        assertMessage(() -> new SdeSampler(tr, SdeMethod.EULER, DiffusionForm.SIGMA, 1, LastStep.MEAN, 1.0, 10),
                "last_step_size");
        Transport late = new Transport(new GvpPath(), Prediction.VELOCITY, LossWeight.NONE, 0.01, 0.02);
        assertMessage(() -> new SdeSampler(late, SdeMethod.EULER, DiffusionForm.SBDM, 1, LastStep.MEAN, 0.99, 10),
                "interval must run forward", "t0 0.02", "t1 0.01");
        assertMessage(() -> new VpPath(1, 0.5), "sigma_min");
    }
}
