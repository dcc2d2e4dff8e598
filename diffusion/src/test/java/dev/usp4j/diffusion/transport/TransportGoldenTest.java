package dev.usp4j.diffusion.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The transport against gen_transport.py (SiT's path.py, transport.py and integrators.py written out, torchdiffeq's
 * solvers included): path coefficients in double (relative error 1e-12 against float64), the training loss per
 * sample for every path × prediction × weight (1e-6) with the model's input x_t and the gradient w.r.t. the model
 * output (1e-5), the velocity/score/noise conversions and drifts (1e-6), one Euler–Maruyama and one Heun SDE step for
 * every diffusion form, the last steps, four fixed-grid ODE integrations (1e-5, with their evaluation counts) and
 * dopri5 on a Gaussian's exact velocity (1e-5, the same number of evaluations, accepted and rejected steps).
 */
class TransportGoldenTest {
    private static final double COEF_TOL = 1e-12;
    private static final double LOSS_TOL = 1e-6;
    private static final double GRAD_TOL = 1e-5;
    private static final double STEP_TOL = 1e-5;

    @TestFactory
    Stream<DynamicTest> cases() {
        return GoldenFile.load("transport").stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    private static void run(GoldenCase c) {
        switch (c.op()) {
            case "coefficients" -> coefficients(c);
            case "loss" -> loss(c);
            case "convert" -> convert(c);
            case "sde_step" -> sdeStep(c);
            case "last_step" -> lastStep(c);
            case "ode" -> ode(c);
            case "dopri5" -> dopri5(c);
            default -> throw new AssertionError("unknown op " + c.op());
        }
    }

    private static void coefficients(GoldenCase c) {
        TransportPath p = TransportPath.of(c.stringArg("path"));
        double[] t = GoldenCase.float64(c.in("t"));
        double norm = c.doubleArg("norm");
        for (Map.Entry<String, NDArray> e : c.expected().entrySet()) {
            double[] want = GoldenCase.float64(e.getValue());
            String key = e.getKey();
            for (int i = 0; i < t.length; i++) {
                double ti = t[i];
                double got = switch (key) {
                    case "alpha" -> p.alpha(ti);
                    case "d_alpha" -> p.dAlpha(ti);
                    case "sigma" -> p.sigma(ti);
                    case "d_sigma" -> p.dSigma(ti);
                    case "ratio" -> p.dAlphaAlphaRatio(ti);
                    case "drift_coef" -> p.driftCoefficient(ti);
                    case "drift_var" -> p.driftVar(ti);
                    default -> {
                        String[] parts = key.split("/");
                        yield p.diffusion(DiffusionForm.parse(parts[1]), parts[0].equals("diffusion") ? 1.0 : norm, ti);
                    }
                };
                Compare.assertClose(got, want[i], COEF_TOL, c.name() + " " + key + " at t = " + ti);
            }
        }
    }

    private static void loss(GoldenCase c) {
        Transport tr = new Transport(TransportPath.of(c.stringArg("path")), Prediction.parse(c.stringArg("prediction")),
                LossWeight.parse(c.stringArg("weight")), 0, 0);
        Tensor leaf = Tensor.of(c.in("out").copy(), true);
        List<NDArray> seen = new ArrayList<>();
        Tensor loss = tr.trainingLosses((xt, t) -> {
            seen.add(xt.data());
            assertEquals(c.in("t"), t, "the network sees the given t");
            return leaf;
        }, c.in("x1"), c.in("t"), c.in("x0"));
        Compare.assertClose(seen.get(0), c.out("xt"), LOSS_TOL, c.name() + " x_t");
        Compare.assertClose(loss.data(), c.out("loss"), LOSS_TOL, c.name() + " loss");
        loss.backward(c.in("gl"));
        Compare.assertClose(leaf.grad(), c.out("grad"), GRAD_TOL, c.name() + " d loss / d output");
    }

    private static void convert(GoldenCase c) {
        TransportPath p = TransportPath.of(c.stringArg("path"));
        NDArray x = c.in("x");
        NDArray v = c.in("v");
        NDArray tArr = c.in("t");
        double[] t = TransportPath.times("test", tArr);
        Compare.assertClose(p.scoreFromVelocity(v, x, t), c.out("score"), LOSS_TOL, c.name() + " score");
        Compare.assertClose(p.noiseFromVelocity(v, x, t), c.out("noise"), LOSS_TOL, c.name() + " noise");
        Compare.assertClose(p.velocityFromScore(c.in("s"), x, t), c.out("velocity"), LOSS_TOL, c.name() + " velocity");
        for (Prediction pred : Prediction.values()) {
            Transport tr = new Transport(p, pred, LossWeight.NONE, 0, 0);
            Compare.assertClose(tr.driftFromOutput(v, x, tArr), c.out("drift/" + pred.label()), LOSS_TOL,
                    c.name() + " drift of a " + pred.label() + " output");
            Compare.assertClose(tr.scoreFromOutput(v, x, tArr), c.out("get_score/" + pred.label()), LOSS_TOL,
                    c.name() + " score of a " + pred.label() + " output");
        }
    }

    private static Transport velocity(GoldenCase c) {
        return new Transport(TransportPath.of(c.stringArg("path")), Prediction.VELOCITY, LossWeight.NONE, 0, 0);
    }

    private static void sdeStep(GoldenCase c) {
        Transport tr = velocity(c);
        SdeMethod method = SdeMethod.parse(c.stringArg("method"));
        SdeSampler s = new SdeSampler(tr, method, DiffusionForm.parse(c.stringArg("form")), c.doubleArg("norm"),
                LastStep.MEAN, 0.04, 250);
        CountedDrift f = new CountedDrift(tr, ToyModels.TOY);
        NDArray out = method == SdeMethod.EULER
                ? s.eulerMaruyamaStep(f, c.in("x"), c.doubleArg("t"), c.doubleArg("dt"), c.in("w"))
                : s.heunStep(f, c.in("x"), c.doubleArg("t"), c.doubleArg("dt"), c.in("w"));
        Compare.assertClose(out, c.out("out"), STEP_TOL, c.name());
        assertEquals(c.longArg("evaluations"), f.evaluations(), c.name() + " network evaluations");
    }

    private static void lastStep(GoldenCase c) {
        Transport tr = velocity(c);
        SdeSampler s = new SdeSampler(tr, SdeMethod.EULER, DiffusionForm.parse(c.stringArg("form")),
                c.doubleArg("norm"), LastStep.parse(c.stringArg("mode")), c.doubleArg("size"), 250);
        NDArray out = s.lastStep(new CountedDrift(tr, ToyModels.TOY), c.in("x"), c.doubleArg("t1"));
        Compare.assertClose(out, c.out("out"), STEP_TOL, c.name());
    }

    private static void ode(GoldenCase c) {
        CountedDrift f = new CountedDrift(Transport.usp(), ToyModels.TOY);
        double[] grid = OdeSampler.linspace(0, 1, c.intArg("num_steps"));
        NDArray out = FixedGridSolver.integrate(OdeMethod.parse(c.stringArg("method")), f, c.in("x"), grid,
                StepListener.NONE);
        Compare.assertClose(out, c.out("out"), STEP_TOL, c.name());
        assertEquals(c.longArg("evaluations"), f.evaluations(), c.name() + " network evaluations");
    }

    private static void dopri5(GoldenCase c) {
        CountedDrift f = new CountedDrift(Transport.usp(),
                ToyModels.gaussianVelocity(c.in("mu").toFloatArray(), c.in("s").toFloatArray()));
        Dopri5Solver solver = new Dopri5Solver(f, c.doubleArg("atol"), c.doubleArg("rtol"));
        NDArray[] mid = new NDArray[1];
        NDArray out = solver.integrate(c.in("x"), OdeSampler.linspace(0, 1, c.intArg("num_steps")),
                (step, total, evals, x) -> {
                    if (step == 2) {
                        mid[0] = x;
                    }
                });
        Compare.assertClose(mid[0], c.out("mid"), STEP_TOL, c.name() + " output at t = 0.5");
        Compare.assertClose(out, c.out("out"), STEP_TOL, c.name() + " output at t = 1");
        assertEquals(c.longArg("evaluations"), f.evaluations(), c.name() + " network evaluations");
        assertEquals(c.intArg("accepted"), solver.accepted(), c.name() + " accepted steps");
        assertEquals(c.intArg("rejected"), solver.rejected(), c.name() + " rejected steps");
    }

    /** The fixture holds what the header says (guards against a generator edit dropping a family of cases). */
    @TestFactory
    Stream<DynamicTest> fixtureCoversTheVariants() {
        List<GoldenCase> cases = GoldenFile.load("transport");
        return Stream.of(
                DynamicTest.dynamicTest("3 paths × 8 losses", () -> assertEquals(24,
                        cases.stream().filter(c -> c.op().equals("loss")).count())),
                DynamicTest.dynamicTest("every form × 2 methods × 3 paths", () -> assertEquals(36,
                        cases.stream().filter(c -> c.op().equals("sde_step")).count())),
                DynamicTest.dynamicTest("dopri5 rejects a step somewhere", () -> assertTrue(cases.stream()
                        .filter(c -> c.op().equals("dopri5")).anyMatch(c -> c.intArg("rejected") > 0))));
    }
}
