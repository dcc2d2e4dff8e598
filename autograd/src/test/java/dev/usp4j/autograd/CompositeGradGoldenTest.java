package dev.usp4j.autograd;

import dev.usp4j.autograd.golden.GradCase;
import dev.usp4j.autograd.golden.GradGoldenTests;
import dev.usp4j.tensor.DType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Composite expressions against PyTorch autograd: a timm-style pre-norm transformer block (every parameter's
 * gradient compared) and a softmax cross-entropy (gen_grad_composite.py).
 */
class CompositeGradGoldenTest {

    @TestFactory
    Stream<DynamicTest> composite() {
        return GradGoldenTests.of("grad_composite", 1e-4, c -> switch (c.op()) {
            case "transformer_block" -> block(c, c.intArg("heads"));
            case "cross_entropy" -> c.t("logits").logSoftmax(1)
                    .mul(Tensor.of(c.raw("target").oneHot(11).to(DType.F32))).sum(1).mean().neg();
            default -> throw new IllegalArgumentException(c.op());
        });
    }

    private static Tensor linear(Tensor x, Tensor w, Tensor b) {
        return x.matmul(w.t()).add(b);
    }

    static Tensor block(GradCase c, int heads) {
        Tensor x = c.t("x");
        int b = x.size(0);
        int n = x.size(1);
        int ch = x.size(2);
        int[] norm = {ch};
        Tensor h = Functional.layerNorm(x, norm, c.t("ln1_w"), c.t("ln1_b"), 1e-6);
        List<Tensor> qkv = linear(h, c.t("qkv_w"), c.t("qkv_b")).reshape(b, n, 3, heads, ch / heads)
                .permute(2, 0, 3, 1, 4).unbind(0);
        Tensor attn = qkv.get(0).matmul(qkv.get(1).transpose(-2, -1)).mul(Math.pow(ch / heads, -0.5)).softmax(-1);
        Tensor o = attn.matmul(qkv.get(2)).transpose(1, 2).reshape(b, n, ch);
        x = x.add(linear(o, c.t("proj_w"), c.t("proj_b")));
        h = Functional.layerNorm(x, norm, c.t("ln2_w"), c.t("ln2_b"), 1e-6);
        h = linear(linear(h, c.t("fc1_w"), c.t("fc1_b")).gelu(), c.t("fc2_w"), c.t("fc2_b"));
        return x.add(h);
    }
}
