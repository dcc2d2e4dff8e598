package dev.usp4j.diffusion.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.gaussian.DdpmSampler;
import dev.usp4j.diffusion.gaussian.Diffusions;
import dev.usp4j.diffusion.gaussian.SpacedDiffusion;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.diffusion.sampling.ModelFns;
import dev.usp4j.diffusion.sampling.Sampler;
import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.diffusion.transport.Transport;
import dev.usp4j.diffusion.transport.TransportSamplers;
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

    /** The training step of a process: the mean loss of a batch (x, y) for the model, drawing what it needs. */
    interface Objective {
        Tensor loss(DiT model, NDArray x, NDArray y, Generator gen);
    }

    /**
     * Trains {@code model} on the toy data with AdamW (lr 2e-3, no weight decay) for {@code steps} batches of 64,
     * and checks that the loss falls and that the per-class sample means approach the patterns.
     */
    private static void trainAndCheck(String name, DiT model, Objective objective, Sampler sampler, int steps) {
        Function<NDArray, NDArray> sample = y -> sampler.sample(ModelFns.conditional(model, y), new int[] {y.size(0),
                2, 4, 4}, 7, StepListener.NONE);
        double before = patternError(sample, 64);
        AdamW opt = new AdamW(List.of(new ParamGroup(model.parameters().stream().filter(Tensor::requiresGrad)
                .toList(), 2e-3, 0.0)));
        Generator gen = new Generator(2);
        double firstLoss = 0;
        double lastLoss = 0;
        for (int s = 0; s < steps; s++) {
            model.train();
            NDArray[] b = batch(gen, 64);
            Tensor loss = objective.loss(model, b[0], b[1], gen);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            double l = loss.item();
            firstLoss += s < 20 ? l / 20 : 0;
            lastLoss += s >= steps - 20 ? l / 20 : 0;
        }
        double after = patternError(sample, 64);
        System.out.printf(Locale.ROOT, "%s toy (%s): loss %.3f -> %.3f, pattern RMS error %.3f -> %.3f%n", name,
                sampler.describe(), firstLoss, lastLoss, before, after);
        assertTrue(lastLoss < 0.7 * firstLoss, name + ": training loss must fall: " + firstLoss + " -> " + lastLoss);
        // 64 samples per class with data noise 0.1: a perfect model's sample mean is off by ~0.0125 RMS.
        assertTrue(after < 0.4 * before && after < 0.15, name + ": samples must approach the patterns: RMS error "
                + before + " -> " + after);
    }

    @Test
    void ditLearnsTheToyData() {
        SpacedDiffusion diffusion = Diffusions.create("");
        trainAndCheck("DiT", new DiT(toyConfig(), new Generator(1)), (model, x, y, gen) -> {
            NDArray t = NDArray.randint(gen, 0, diffusion.numTimesteps(), x.size(0));
            return diffusion.trainingLosses((xt, tt) -> model.forward(xt, tt, y), x, t, gen).loss().mean();
        }, new DdpmSampler(Diffusions.create("50")), 300);
    }

    @Test
    void sitLearnsTheToyData() {
        Transport transport = Transport.usp();
        trainAndCheck("SiT", new SiT(toyConfig(), new Generator(1)), (model, x, y, gen) ->
                transport.trainingLosses((xt, tt) -> model.forward(xt, tt, y), x, gen).mean(),
                TransportSamplers.sde(transport, 50), 300);
    }
}
