package dev.usp4j.nn.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradCheck;
import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The posterior and the latent helpers beyond the golden fixture: seeded sampling, the deterministic posterior,
 * KL between two posteriors (finite differences), the scaled-latent helpers with and without a shift, and input
 * errors.
 */
class DiagonalGaussianTest {

    private static NDArray moments(long seed) {
        return NDArray.randn(new Generator(seed), 2, 6, 3, 4);
    }

    @Test
    void sampleWithGeneratorIsMeanPlusStdTimesItsNoise() {
        DiagonalGaussian p = new DiagonalGaussian(Tensor.of(moments(1)));
        NDArray a = p.sample(new Generator(7)).data();
        NDArray noise = NDArray.randn(new Generator(7), 2, 3, 3, 4);
        NDArray expected = p.mean().data().add(p.std().data().mul(noise));
        assertArrayEquals(expected.toFloatArray(), a.toFloatArray());
        assertArrayEquals(a.toFloatArray(), p.sample(new Generator(7)).data().toFloatArray());
        assertTrue(p.sample(new Generator(8)).data().sub(a).abs().max().item() > 0.01);
        assertArrayEquals(p.mean().data().toFloatArray(), p.mode().data().toFloatArray());
    }

    @Test
    void deterministicPosteriorHasNoSpread() {
        DiagonalGaussian p = new DiagonalGaussian(Tensor.of(moments(2)), true);
        assertArrayEquals(p.mean().data().toFloatArray(), p.sample(new Generator(1)).data().toFloatArray());
        assertArrayEquals(new float[2], p.kl().data().toFloatArray());
        assertArrayEquals(new float[2], p.nll(p.mean()).data().toFloatArray());
    }

    @Test
    void klAgainstItselfIsZeroAndItsGradientsMatchFiniteDifferences() {
        DiagonalGaussian p = new DiagonalGaussian(Tensor.of(moments(3)));
        assertEquals(0.0, p.kl(p).abs().max().item(), 1e-6);
        GradCheck.check("kl(other)", t -> new DiagonalGaussian(t[0]).kl(new DiagonalGaussian(t[1])).sum(),
                moments(4).mul(0.5), moments(5).mul(0.5));
        GradCheck.check("nll", t -> new DiagonalGaussian(t[0]).nll(t[1]).sum(), moments(6).mul(0.5),
                NDArray.randn(new Generator(9), 2, 3, 3, 4));
    }

    @Test
    void latentHelpersScaleAndShift() {
        VaeConfig base = VaeConfig.of(1, 1, 2, List.of(4, 4), 1, 2, 8, 0.5);
        VaeConfig shifted = new VaeConfig(1, 1, 2, List.of(4, 4), 1, 2, 8, 0.5, 0.25, base.downBlockTypes(),
                base.upBlockTypes(), "silu", true, true, true);
        for (VaeConfig c : List.of(base, shifted)) {
            AutoencoderKL vae = new AutoencoderKL(c);
            try (GradMode.Scope s = GradMode.noGrad()) {
                Tensor x = Tensor.of(NDArray.randn(new Generator(11), 1, 1, 6, 4));
                NDArray mean = vae.encode(x).mean().data();
                NDArray z = vae.encodeLatents(x).data();
                assertArrayEquals(mean.sub(c.shiftFactor()).mul(0.5).toFloatArray(), z.toFloatArray(), 1e-6f);
                NDArray direct = vae.decode(Tensor.of(z.div(0.5).add(c.shiftFactor()))).data();
                assertArrayEquals(direct.toFloatArray(), vae.decodeLatents(Tensor.of(z)).data().toFloatArray(),
                        1e-6f);
                NDArray sampled = vae.sampleLatents(x, new Generator(5)).data();
                NDArray sample = vae.encode(x).sample(new Generator(5)).data();
                assertArrayEquals(sample.sub(c.shiftFactor()).mul(0.5).toFloatArray(), sampled.toFloatArray(),
                        1e-6f);
            }
        }
    }

    @Test
    void inputErrors() {
        String odd = assertThrows(IllegalArgumentException.class,
                () -> new DiagonalGaussian(Tensor.of(NDArray.zeros(1, 5, 2, 2)))).getMessage();
        assertTrue(odd.contains("[N, 2C, ...]") && odd.contains("[1, 5, 2, 2]"), odd);
        DiagonalGaussian p = new DiagonalGaussian(Tensor.of(moments(1)));
        String noise = assertThrows(IllegalArgumentException.class, () -> p.sample(NDArray.zeros(2, 3, 4, 3)))
                .getMessage();
        assertTrue(noise.contains("[2, 3, 3, 4]") && noise.contains("[2, 3, 4, 3]"), noise);
        AutoencoderKL vae = AutoencoderKL.named("VAE-f4-small");
        String enc = assertThrows(IllegalArgumentException.class,
                () -> vae.encode(Tensor.of(NDArray.zeros(1, 3, 32, 32)))).getMessage();
        assertEquals("AutoencoderKL.encode: expects [N, 1, H, W] (in_channels = 1, H and W positive), got"
                + " [1, 3, 32, 32]", enc);
        String dec = assertThrows(IllegalArgumentException.class,
                () -> vae.decode(Tensor.of(NDArray.zeros(4, 8, 8)))).getMessage();
        assertTrue(dec.contains("AutoencoderKL.decode: expects [N, 4, H, W]") && dec.contains("[4, 8, 8]"), dec);
    }
}
