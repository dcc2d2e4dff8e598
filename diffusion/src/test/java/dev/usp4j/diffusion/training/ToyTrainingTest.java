package dev.usp4j.diffusion.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.gaussian.DdpmSampler;
import dev.usp4j.diffusion.gaussian.Diffusions;
import dev.usp4j.diffusion.gaussian.SpacedDiffusion;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.sampling.ModelFns;
import dev.usp4j.diffusion.sampling.Sampler;
import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A small DiT and a small SiT trained for a few seconds each on a toy class-conditional dataset, as their training
 * scripts do it (AdamW, random timesteps, the process's own loss), must generate samples whose statistics move toward
 * the data: each class is a fixed 2×4×4 pattern plus N(0, 0.1²) noise, and the per-class sample mean must end up far
 * closer to its pattern than the untrained model's samples are, and close in absolute terms.
 */
class ToyTrainingTest {
    private static final int CLASSES = 2;
    private static final float NOISE = 0.1f;
    /** Per-class patterns with values in [-0.9, 0.9]: the data means the samples should approach. */
    private static final NDArray PATTERNS = NDArray.rand(new Generator(99), CLASSES, 2, 4, 4).mul(1.8).sub(0.9);

    /** A batch of n labelled samples: the pattern of each label plus noise. */
    private static NDArray[] batch(Generator gen, int n) {
        NDArray y = NDArray.randint(gen, 0, CLASSES, n);
        NDArray x = PATTERNS.indexSelect(0, y).add(NDArray.randn(gen, n, 2, 4, 4).mul(NOISE));
        return new NDArray[] {x, y};
    }

    static DiTConfig toyConfig() {
        return new DiTConfig(4, 2, 2, 64, 2, 4, 4.0, 0.1, CLASSES, true, false);
    }

    /** RMS distance between each class's sample mean and its pattern, over classes (n samples per class). */
    static double patternError(Function<NDArray, NDArray> sampleForLabels, int n) {
        double sum = 0;
        int count = 0;
        for (int c = 0; c < CLASSES; c++) {
            NDArray y = NDArray.full(DType.I64, c, n);
            NDArray samples = sampleForLabels.apply(y);
            float[] mean = samples.mean(new int[] {0}, false).toFloatArray();
            float[] target = PATTERNS.select(0, c).contiguous().toFloatArray();
            for (int i = 0; i < mean.length; i++) {
                double d = mean[i] - target[i];
                sum += d * d;
                count++;
            }
        }
        return Math.sqrt(sum / count);
    }

    @Test
    void ditLearnsTheToyData() {
        DiT dit = new DiT(toyConfig(), new Generator(1));
        SpacedDiffusion train = Diffusions.create("");
        Sampler sampler = new DdpmSampler(Diffusions.create("50"));
        Function<NDArray, NDArray> sample = y -> sampler.sample(ModelFns.conditional(dit, y), new int[] {y.size(0),
                2, 4, 4}, 7, StepListener.NONE);
        double before = patternError(sample, 64);

        AdamW opt = new AdamW(List.of(new ParamGroup(dit.parameters().stream().filter(Tensor::requiresGrad)
                .toList(), 2e-3, 0.0)));
        Generator gen = new Generator(2);
        double firstLoss = 0;
        double lastLoss = 0;
        int steps = 300;
        for (int s = 0; s < steps; s++) {
            dit.train();
            NDArray[] b = batch(gen, 64);
            NDArray y = b[1];
            NDArray t = NDArray.randint(gen, 0, train.numTimesteps(), 64);
            Tensor loss = train.trainingLosses((xt, tt) -> dit.forward(xt, tt, y), b[0], t, gen).loss().mean();
            opt.zeroGrad();
            loss.backward();
            opt.step();
            double l = loss.item();
            firstLoss += s < 20 ? l / 20 : 0;
            lastLoss += s >= steps - 20 ? l / 20 : 0;
        }
        double after = patternError(sample, 64);
        System.out.printf(Locale.ROOT, "DiT toy: loss %.3f -> %.3f, pattern RMS error %.3f -> %.3f%n", firstLoss,
                lastLoss, before, after);
        assertTrue(lastLoss < 0.7 * firstLoss, "training loss must fall: " + firstLoss + " -> " + lastLoss);
        assertTrue(after < 0.4 * before && after < 0.2, "samples must approach the patterns: RMS error "
                + before + " -> " + after);
    }
}
