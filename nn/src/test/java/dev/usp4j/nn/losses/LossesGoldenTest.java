package dev.usp4j.nn.losses;

import dev.usp4j.autograd.golden.GradCase;
import dev.usp4j.autograd.golden.GradGoldenTests;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The losses against PyTorch (gen_losses.py): values and the gradients of every differentiable input, for MSE and
 * MAE's masked mean, cross-entropy (smoothing, ignore_index, spatial dims, probability targets, views) and the KL
 * of diagonal Gaussians.
 */
class LossesGoldenTest {

    @TestFactory
    Stream<DynamicTest> losses() {
        return GradGoldenTests.of("losses", 1e-5, LossesGoldenTest::run);
    }

    private static Object run(GradCase c) {
        return switch (c.op()) {
            case "mse" -> Losses.mse(c.t("pred"), c.t("target"), Reduction.parse(c.stringArg("reduction")));
            case "mse_masked" -> Losses.mse(c.t("pred"), c.t("target"), c.raw("mask"));
            case "cross_entropy" -> Losses.crossEntropy(c.t("logits"), c.raw("target"),
                    Reduction.parse(c.stringArg("reduction")), c.doubleArg("smoothing"),
                    (long) c.doubleArg("ignore_index"));
            case "cross_entropy_probs" -> Losses.crossEntropyProbs(c.t("logits"), c.t("probs"),
                    Reduction.parse(c.stringArg("reduction")), c.doubleArg("smoothing"));
            case "kl" -> Losses.gaussianKl(c.t("mean"), c.t("logvar"));
            case "kl_other" -> Losses.gaussianKl(c.t("mean"), c.t("logvar"), c.t("mean2"), c.t("logvar2"));
            default -> throw new IllegalArgumentException(c.op());
        };
    }
}
