package dev.usp4j.diffusion.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.diffusion.sampling.Sampler;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Known-answer tests of the transport samplers: data x₁ ~ N(μ, diag(s²)) in 2-D with the exact velocity of the Linear
 * path as the network ({@link ToyModels#gaussianVelocity}), so a correct sampler carries N(0, I) to N(μ, s²).
 *
 * <p>Tolerances: with N = 4000 samples the sample mean has standard error s/√N (≤ 0.032 for s = 2) and the sample
 * variance a relative standard error √(2/N) ≈ 0.022; the checks allow 4 standard errors plus a stated allowance for
 * each sampler's own bias (discretisation, and the SDE's last step from t = 0.96). The ODE maps each noise z to
 * μ + s·z exactly, so the ODE samplers are also checked sample by sample.
 */
class TransportSamplerTest {
    private static final float[] MU = {1.5f, -0.5f};
    private static final float[] S = {0.5f, 2.0f};
    private static final int N = 4000;
    private static final ModelFn GAUSS = ToyModels.gaussianVelocity(MU, S);

    /** Per dimension: {mean, variance} of x [N, D]. */
    static double[][] moments(NDArray x) {
        int n = x.size(0);
        int d = x.size(1);
        float[] v = x.toFloatArray();
        double[][] m = new double[d][2];
        for (int j = 0; j < d; j++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += v[i * d + j];
            }
            double mean = sum / n;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double c = v[i * d + j] - mean;
                sq += c * c;
            }
            m[j][0] = mean;
            m[j][1] = sq / (n - 1);
        }
        return m;
    }

    /** Sample mean within 4 SE + bias·s of μ, sample variance within 4 relative SE + bias of s². */
    private static void assertMoments(NDArray x, double bias, String what) {
        double[][] m = moments(x);
        for (int j = 0; j < MU.length; j++) {
            double se = S[j] / Math.sqrt(N);
            assertTrue(Math.abs(m[j][0] - MU[j]) <= 4 * se + bias * S[j],
                    what + ": mean of dim " + j + " is " + m[j][0] + ", data mean " + MU[j]);
            double rel = m[j][1] / (S[j] * S[j]) - 1;
            assertTrue(Math.abs(rel) <= 4 * Math.sqrt(2.0 / N) + bias,
                    what + ": variance of dim " + j + " is " + m[j][1] + ", data variance " + S[j] * S[j]);
        }
    }

    /** RMS over samples and dimensions of x − (μ + s·z): the ODE's global error (max would follow the outliers). */
    static double mapError(NDArray x, NDArray z) {
        float[] a = x.toFloatArray();
        float[] b = z.toFloatArray();
        int d = MU.length;
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double e = a[i] - (MU[i % d] + S[i % d] * (double) b[i]);
            sum += e * e;
        }
        return Math.sqrt(sum / a.length);
    }

    private static NDArray noise(long seed) {
        return NDArray.randn(new Generator(seed), N, MU.length);
    }

    @Test
    void odeSamplersCarryNoiseToTheData() {
        NDArray z = noise(11);
        Object[][] runs = {
            // RMS map errors measured: 0.011, 3.0e-4, 2.9e-6, 3.7e-7, 1.0e-3; bounds about twice that
            {new OdeSampler(Transport.usp(), OdeMethod.EULER, 200), 0.02},
            {new OdeSampler(Transport.usp(), OdeMethod.HEUN2, 50), 6e-4},
            {new OdeSampler(Transport.usp(), OdeMethod.MIDPOINT, 50), 1e-5},
            {new OdeSampler(Transport.usp(), OdeMethod.RK4, 20), 1e-6},
            {TransportSamplers.uspOde(), 3e-3},
        };
        for (Object[] r : runs) {
            OdeSampler s = (OdeSampler) r[0];
            NDArray x = s.sample(GAUSS, z, new Generator(0), (a, b, c, d) -> { });
            double err = mapError(x, z);
            System.out.printf("%s: rms |x - (mu + s z)| = %.3g, %d evaluations%n", s.describe(), err,
                    s.lastEvaluations());
            assertTrue(err <= (double) r[1], s.describe() + ": map error " + err);
            assertMoments(x, 0.01, s.describe());
        }
    }

    @Test
    void sdeSamplersCarryNoiseToTheData() {
        for (SdeMethod m : SdeMethod.values()) {
            SdeSampler s = new SdeSampler(Transport.usp(), m, DiffusionForm.SIGMA, 1.0, LastStep.MEAN, 0.04, 250);
            NDArray x = s.sample(GAUSS, new int[] {N, MU.length}, 5, (a, b, c, d) -> { });
            double[][] mm = moments(x);
            System.out.printf("%s: means %.4f %.4f, variances %.4f %.4f, %d evaluations%n", s.describe(),
                    mm[0][0], mm[1][0], mm[0][1], mm[1][1], s.lastEvaluations());
            assertMoments(x, 0.03, s.describe());
            assertEquals(m == SdeMethod.EULER ? 250 : 2 * 249 + 1, s.lastEvaluations(), s.describe());
        }
    }

    /**
     * dopri5 at atol 1e-6, rtol 1e-3 against Euler on grids of 25·4^k points: Euler's error falls about 4× per 4×
     * steps (first order), and it needs more evaluations than dopri5 to get as close to the exact map.
     */
    @Test
    void dopri5BeatsEulerForTheSameError() {
        NDArray z = NDArray.randn(new Generator(3), 500, MU.length);
        OdeSampler dopri = TransportSamplers.uspOde();
        double target = mapError(dopri.sample(GAUSS, z, new Generator(0), (a, b, c, d) -> { }), z);
        long dopriEvals = dopri.lastEvaluations();
        long eulerEvals = -1;
        double previous = Double.NaN;
        StringBuilder log = new StringBuilder();
        for (int points = 25; points <= 6400; points *= 4) {
            OdeSampler euler = new OdeSampler(Transport.usp(), OdeMethod.EULER, points);
            double err = mapError(euler.sample(GAUSS, z, new Generator(0), (a, b, c, d) -> { }), z);
            log.append(String.format(" %d evals: %.3g;", euler.lastEvaluations(), err));
            if (!Double.isNaN(previous)) {
                double ratio = previous / err;
                assertTrue(ratio > 2.5 && ratio < 6, "Euler should be first order, error ratio " + ratio + log);
            }
            previous = err;
            if (err <= target && eulerEvals < 0) {
                eulerEvals = euler.lastEvaluations();
            }
        }
        System.out.printf("dopri5: RMS error %.3g with %d evaluations; Euler:%s first at or below: %d%n", target,
                dopriEvals, log, eulerEvals);
        assertTrue(eulerEvals > dopriEvals, "Euler reached " + target + " with " + eulerEvals + " evaluations" + log);
    }

    @Test
    void seedsReproduceSamples() {
        SdeSampler sde = TransportSamplers.sde(Transport.usp(), 20);
        NDArray a = sde.sample(GAUSS, new int[] {16, 2}, 42, (x, y, z, w) -> { });
        NDArray b = sde.sample(GAUSS, new int[] {16, 2}, 42, (x, y, z, w) -> { });
        NDArray c = sde.sample(GAUSS, new int[] {16, 2}, 43, (x, y, z, w) -> { });
        assertArrayEquals(a.toFloatArray(), b.toFloatArray(), "same seed, same samples");
        assertTrue(!java.util.Arrays.equals(a.toFloatArray(), c.toFloatArray()), "another seed, other samples");
        Sampler ode = new OdeSampler(Transport.usp(), OdeMethod.HEUN2, 10);
        assertArrayEquals(ode.sample(GAUSS, new int[] {8, 2}, 7, (x, y, z, w) -> { }).toFloatArray(),
                ode.sample(GAUSS, new int[] {8, 2}, 7, (x, y, z, w) -> { }).toFloatArray(), "ODE");
    }

    @Test
    void listenerHearsEveryStep() {
        List<long[]> steps = new ArrayList<>();
        SdeSampler usp = TransportSamplers.uspSde();
        NDArray x = usp.sample(ToyModels.TOY, new int[] {2, 1, 2, 2}, 1,
                (s, t, e, st) -> steps.add(new long[] {s, t, e}));
        assertArrayEquals(new int[] {2, 1, 2, 2}, x.shape());
        assertEquals(250, steps.size(), "249 Euler-Maruyama steps and the last step");
        for (int i = 0; i < steps.size(); i++) {
            assertArrayEquals(new long[] {i + 1, 250, i + 1}, steps.get(i), "step " + (i + 1));
        }
        assertEquals(250, usp.lastEvaluations(), "USP's sampler: 250 network evaluations");

        steps.clear();
        OdeSampler dopri = new OdeSampler(Transport.usp(), OdeMethod.DOPRI5, 7, 1e-6, 1e-3);
        dopri.sample(GAUSS, new int[] {32, 2}, 1, (s, t, e, st) -> steps.add(new long[] {s, t, e}));
        assertEquals(6, steps.size(), "one report per output time after the first");
        assertEquals(dopri.lastEvaluations(), steps.get(5)[2]);
        assertEquals(0, (dopri.lastEvaluations() - 2) % 6, "2 to start, 6 per attempted step");
    }
}
