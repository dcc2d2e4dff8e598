package dev.usp4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.gaussian.DdimSampler;
import dev.usp4j.diffusion.gaussian.DdpmSampler;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.diffusion.transport.OdeSampler;
import dev.usp4j.diffusion.transport.SdeSampler;
import dev.usp4j.nn.Init;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one sampling interface: sampler specs for the command line, classifier-free guidance as DiT's and SiT's sample
 * scripts compute it, and every sampler kind running a real (small) DiT or SiT from a seed, reproducibly, with a
 * progress report per step.
 */
class SamplingTest {
    private static final DiTConfig SMALL = new DiTConfig(4, 2, 2, 32, 1, 4, 2.0, 0.1, 3, true, false);

    @Test
    void specsBuildEachKind() {
        assertInstanceOf(DdpmSampler.class, Samplers.parse("ddpm"));
        assertTrue(Samplers.parse("ddpm").describe().contains("250"), Samplers.parse("ddpm").describe());
        assertTrue(Samplers.parse("ddpm:10,clip=true").describe().contains("clipped"));
        assertInstanceOf(DdimSampler.class, Samplers.parse("ddim:25,eta=0.5"));
        assertTrue(Samplers.parse("ddim:25,eta=0.5").describe().contains("0.5"));
        assertInstanceOf(OdeSampler.class, Samplers.parse("ode"));
        assertTrue(Samplers.parse("ode:heun:40").describe().contains("40"));
        assertInstanceOf(SdeSampler.class, Samplers.parse("sde:heun:100,form=SBDM,last=Tweedie,path=GVP"));
        String usp = Samplers.parse("sde").describe();
        assertTrue(usp.contains("250") && usp.contains("Mean") && usp.contains("Linear"), usp);
        for (String bad : List.of("", "flow", "ddpm:abc", "ddim:50,eta", "ode:dopri9", "sde:euler:250,colour=red",
                "ode:euler:10:20", "sde:euler:x")) {
            String m = assertThrows(IllegalArgumentException.class, () -> Samplers.parse(bad), bad).getMessage();
            assertTrue(m.contains(bad.isEmpty() ? "empty" : bad.split("[:,]")[0]), m);
        }
    }

    @Test
    void guidanceMatchesForwardWithCfg() {
        DiT dit = randomised(new DiT(SMALL, new Generator(1)));
        NDArray x = NDArray.randn(new Generator(2), 3, 2, 4, 4);
        NDArray t = NDArray.of(new long[] {10, 500, 999}, 3);
        NDArray y = NDArray.of(new long[] {0, 2, 1}, 3);
        NDArray null3 = NDArray.full(DType.I64, 3, 3);
        NDArray guided = ModelFns.guided(dit, y, 4.0).apply(x, t);
        try (GradMode.Scope s = GradMode.noGrad()) {
            NDArray cond = dit.forward(Tensor.of(x), t, y).data();
            NDArray uncond = dit.forward(Tensor.of(x), t, null3).data();
            // ε_u + s(ε_c − ε_u) on the first three channels, the conditional half's own values elsewhere
            NDArray want = NDArray.cat(List.of(uncond.narrow(1, 0, 3).add(cond.narrow(1, 0, 3)
                    .sub(uncond.narrow(1, 0, 3)).mul(4.0)), cond.narrow(1, 3, 1)), 1);
            Compare.assertClose(guided, want, 1e-5, "guided");
            Compare.assertClose(ModelFns.guided(dit, y, 1.0).apply(x, t), cond, 0, "scale 1 is the plain model");
        }
        String bad = assertThrows(IllegalArgumentException.class, () -> ModelFns.guided(dit, y, 2.0)
                .apply(x.narrow(0, 0, 2), t.narrow(0, 0, 2))).getMessage();
        assertTrue(bad.contains("[2, 2, 4, 4]") && bad.contains("[3]"), bad);
    }

    @Test
    void everyKindSamplesARealModelReproduciblyWithProgress() {
        DiT dit = randomised(new DiT(SMALL, new Generator(3)));
        SiT sit = randomised(new SiT(SMALL, new Generator(3)));
        NDArray y = NDArray.of(new long[] {0, 1}, 2);
        for (String spec : List.of("ddpm:20", "ddim:10,eta=0.3", "ode:euler:8", "ode:dopri5:5", "sde:heun:8")) {
            DiT model = spec.startsWith("dd") ? dit : sit;
            Sampler sampler = Samplers.parse(spec);
            List<Integer> steps = new ArrayList<>();
            long[] evaluations = {0};
            NDArray a = sampler.sample(ModelFns.guided(model, y, 1.5), new int[] {2, 2, 4, 4}, 11,
                    (step, total, evals, x) -> {
                        steps.add(step);
                        assertTrue(step <= total, spec + ": step " + step + " of " + total);
                        assertArrayEquals(new int[] {2, 2, 4, 4}, x.shape());
                        evaluations[0] = evals;
                    });
            NDArray b = sampler.sample(ModelFns.guided(model, y, 1.5), new int[] {2, 2, 4, 4}, 11,
                    StepListener.NONE);
            assertArrayEquals(a.toFloatArray(), b.toFloatArray(), spec + ": same seed, same samples");
            assertTrue(!steps.isEmpty() && evaluations[0] >= steps.size(), spec + ": progress " + steps);
            for (int i = 0; i < steps.size(); i++) {
                assertEquals(i + 1, steps.get(i), spec + ": steps in order");
            }
            for (float v : a.toFloatArray()) {
                assertTrue(Float.isFinite(v), spec + ": finite samples");
            }
        }
    }

    /** DiT's zero-initialised output layers would make every sampler return pure noise arithmetic: fill them. */
    private static <M extends DiT> M randomised(M model) {
        Generator gen = new Generator(5);
        for (Tensor p : model.parameters()) {
            if (p.requiresGrad()) {
                Init.normal(p, 0, 0.1, gen);
            }
        }
        return model;
    }
}
