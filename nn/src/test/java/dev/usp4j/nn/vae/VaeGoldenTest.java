package dev.usp4j.nn.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.UnaryModule;
import dev.usp4j.nn.testing.FormulaWeights;
import dev.usp4j.nn.testing.ModelGolden;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The KL autoencoder against the plain-PyTorch reference written with diffusers' module names (gen_vae.py):
 * a small config loaded strictly from the reference's state dict (posterior mean/logvar/std/var, a sample with the
 * fixture's noise, its decoding, KL, NLL, the mode reconstruction, scaled latents and their decoding, and the input
 * and every parameter gradient of backward([dec, kl]) through encode → sample → decode); the posterior alone past
 * both logvar clamp bounds; a full-size SD ResNet block (256 → 512, 1×1 shortcut) and the 512-channel mid-block
 * (ResNet, single-head attention, ResNet) with formula weights; and the SD config's parameter count by arithmetic
 * against the count of the reference built at full size. Outputs at relative error 1e-4, gradients 1e-3 (against
 * float64 references).
 */
class VaeGoldenTest {

    @TestFactory
    Stream<DynamicTest> vae() {
        return GoldenFile.load("vae").stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Map<String, NDArray> got = run(c);
            ModelGolden.assertMatches(c, got);
        }));
    }

    private static Map<String, NDArray> run(GoldenCase c) {
        return switch (c.op()) {
            case "sd_layout" -> sdCount(c);
            case "vae_small" -> small(c);
            case "posterior" -> posterior(c);
            case "sd_resnet_256_512" -> block(c, new ResnetBlock2D(256, 512, 32));
            case "sd_mid_block_512" -> block(c, new UNetMidBlock2D(512, 32));
            default -> throw new IllegalArgumentException("unknown case " + c.op());
        };
    }

    private static Map<String, NDArray> sdCount(GoldenCase c) {
        assertEquals(83_653_863L, c.longArg("count"), "the reference's count");
        assertEquals(c.longArg("count"), VaeConfigs.named("VAE-f8").parameterCount(), "count by config arithmetic");
        assertEquals(((List<?>) c.listArg("layout")).size(), 248, "state-dict tensors of the reference");
        return Map.of();
    }

    @SuppressWarnings("unchecked")
    static AutoencoderKL smallModel(GoldenCase c) {
        AutoencoderKL vae = AutoencoderKL.create((Map<String, Object>) c.args().get("config"));
        vae.loadStateDict(ModelGolden.state(c), true);
        vae.eval();
        return vae;
    }

    private static Map<String, NDArray> small(GoldenCase c) {
        AutoencoderKL vae = smallModel(c);
        Map<String, NDArray> got = new LinkedHashMap<>();
        Tensor x = Tensor.of(c.in("x").copy(), true);
        DiagonalGaussian post = vae.encode(x);
        Tensor z = post.sample(c.in("noise"));
        Tensor dec = vae.decode(z);
        Tensor kl = post.kl();
        Tensor.backward(List.of(dec, kl), List.of(c.in("g_dec"), c.in("g_kl")), false);
        got.put("mean", post.mean().data());
        got.put("logvar", post.logvar().data());
        got.put("std", post.std().data());
        got.put("var", post.var().data());
        got.put("sample", z.data());
        got.put("dec", dec.data());
        got.put("kl", kl.data());
        got.put("nll", post.nll(z).data());
        got.put("grad/x", x.grad());
        for (Map.Entry<String, Tensor> p : vae.namedParameters().entrySet()) {
            got.put("grad/" + p.getKey(), p.getValue().grad());
        }
        Tensor xc = Tensor.of(c.in("x"));
        got.put("recon", vae.forward(xc).data());
        Tensor latents = vae.encodeLatents(xc);
        got.put("latents", latents.data());
        got.put("dec_latents", vae.decodeLatents(latents).data());
        return got;
    }

    private static Map<String, NDArray> posterior(GoldenCase c) {
        Tensor moments = Tensor.of(c.in("moments").copy(), true);
        DiagonalGaussian p = new DiagonalGaussian(moments);
        Tensor s = p.sample(c.in("noise"));
        Tensor kl = p.kl();
        Tensor.backward(List.of(s, kl), List.of(c.in("g_sample"), c.in("g_kl")), false);
        Map<String, NDArray> got = new LinkedHashMap<>();
        got.put("mean", p.mean().data());
        got.put("logvar", p.logvar().data());
        got.put("std", p.std().data());
        got.put("var", p.var().data());
        got.put("sample", s.data());
        got.put("kl", kl.data());
        got.put("nll", p.nll(s).data());
        got.put("grad/moments", moments.grad());
        return got;
    }

    private static Map<String, NDArray> block(GoldenCase c, UnaryModule m) {
        FormulaWeights.fill(m);
        m.eval();
        Tensor x = Tensor.of(c.in("x").copy(), true);
        Tensor out = m.forward(x);
        out.backward(c.in("g_out"));
        return Map.of("out", out.data(), "grad/x", x.grad());
    }
}
