package dev.usp4j.diffusion.gaussian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad inputs to the Gaussian diffusion, its factory and samplers: each error names the op or the respacing string
 * and the offending shapes or values. Also a few respacing facts the spec states (0 and 999 both kept by "250").
 */
class GaussianDiffusionErrorTest {
    private static final SpacedDiffusion DIT = Diffusions.create("");

    private static void fails(Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().contains(p), "'" + ex.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void badRespacingStringsAreNamed() {
        fails(() -> Respacing.spaceTimesteps(1000, "ddimX"), "'ddimX'", "'X'");
        fails(() -> Respacing.spaceTimesteps(1000, "ddim1"), "'ddim1'", "exactly 1");
        fails(() -> Respacing.spaceTimesteps(1000, "10,abc"), "'10,abc'", "'abc'");
        fails(() -> Respacing.spaceTimesteps(1000, "2000"), "'2000'", "section of 1000", "into 2000");
        fails(() -> Respacing.spaceTimesteps(1000, "-5"), "'-5'", "negative");
        fails(() -> Respacing.spaceTimesteps(1000, "0"), "'0'", "no timesteps");
        fails(() -> Respacing.spaceTimesteps(1000, ""), "empty");
        fails(() -> Diffusions.create("25o"), "'25o'");
    }

    @Test
    void respacingFacts() {
        int[] k = Respacing.spaceTimesteps(1000, "250");
        assertTrue(k.length == 250 && k[0] == 0 && k[249] == 999);
        assertArrayEquals(DIT.timestepMap(), java.util.stream.IntStream.range(0, 1000).toArray());
        assertArrayEquals(new int[] {0, 20, 40}, java.util.Arrays.copyOf(Diffusions.create("ddim50").timestepMap(), 3));
    }

    @Test
    void unknownScheduleAndBadBetas() {
        fails(() -> BetaSchedules.named("quadratic", 1000), "'quadratic'");
        fails(() -> new NoiseSchedule(new double[] {0.1, 0.0}), "betas[1] = 0.0");
        fails(() -> new SpacedDiffusion(new int[] {3, 3}, BetaSchedules.linear(10), ModelMeanType.EPSILON,
                ModelVarType.FIXED_SMALL, LossType.MSE), "[3, 3]");
    }

    @Test
    void timestepsOutOfRangeOrOfTheWrongKind() {
        NDArray x = NDArray.zeros(2, 4, 2, 2);
        NDArray noise = NDArray.zeros(2, 4, 2, 2);
        fails(() -> DIT.qSample(Tensor.of(x), NDArray.of(new long[] {0, 1000}, 2), Tensor.of(noise)),
                "timestep 1000 out of range [0, 1000)");
        SpacedDiffusion spaced = Diffusions.create("250");
        fails(() -> spaced.modelTimesteps(NDArray.of(new long[] {250}, 1)), "timestep 250 out of range [0, 250)");
        fails(() -> DIT.qSample(Tensor.of(x), NDArray.of(new long[] {-1, 3}, 2), Tensor.of(noise)), "timestep -1");
        fails(() -> DIT.qSample(Tensor.of(x), NDArray.zeros(2), Tensor.of(noise)), "integer", "F32");
        fails(() -> DIT.trainingLosses((a, t) -> a, x, NDArray.zeros(DType.I64, 3), noise), "3 timesteps",
                "batch of 2");
    }

    @Test
    void badShapes() {
        NDArray x = NDArray.zeros(2, 4, 2, 2);
        NDArray t = NDArray.of(new long[] {5, 7}, 2);
        fails(() -> DIT.qSample(Tensor.of(x), t, Tensor.of(NDArray.zeros(2, 3, 2, 2))), "qSample", "[2, 4, 2, 2]",
                "[2, 3, 2, 2]");
        // A learned variance needs 2C channels: a C-channel output is named with both shapes.
        fails(() -> DIT.trainingLosses((a, tt) -> a, x, t, NDArray.zeros(2, 4, 2, 2)), "trainingLosses",
                "[2, 8, 2, 2]", "got [2, 4, 2, 2]", "LEARNED_RANGE");
        fails(() -> DIT.pMeanVariance((a, tt) -> NDArray.zeros(2, 4, 2, 2), x, t, false), "pMeanVariance",
                "[2, 8, 2, 2]");
        fails(() -> DIT.trainingLosses((a, tt) -> a, NDArray.zeros(4), NDArray.of(new long[] {1, 2, 3, 4}, 4),
                NDArray.zeros(4)), "channel dimension", "[4]");
        fails(() -> new DdpmSampler(DIT).step((a, tt) -> NDArray.zeros(2, 8, 2, 2), x, t, NDArray.zeros(2, 4)),
                "DdpmSampler", "step noise", "[2, 4]");
        fails(() -> new DdpmSampler(DIT).sample((a, tt) -> a, NDArray.zeros(DType.I64, 2, 4),
                new dev.usp4j.tensor.random.Generator(0), dev.usp4j.diffusion.sampling.StepListener.NONE),
                "float32", "I64");
        fails(() -> new DdimSampler(DIT, -0.5), "eta", "-0.5");
    }
}
