package dev.usp4j.autograd;

import dev.usp4j.autograd.golden.GradGoldenTests;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** matmul's gradients in every torch.matmul shape case against PyTorch (gen_grad_linear.py). */
class LinearGradGoldenTest {

    @TestFactory
    Stream<DynamicTest> linear() {
        return GradGoldenTests.of("grad_linear", 1e-4, c -> switch (c.op()) {
            case "matmul" -> c.t("a").matmul(c.t("b"));
            case "linear" -> c.t("x").matmul(c.t("w").t()).add(c.t("b"));
            default -> throw new IllegalArgumentException(c.op());
        });
    }
}
