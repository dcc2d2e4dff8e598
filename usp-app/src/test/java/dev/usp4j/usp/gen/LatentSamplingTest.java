package dev.usp4j.usp.gen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.Image;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.diffusion.sampling.Samplers;
import dev.usp4j.nn.Init;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vae.VaeConfig;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LatentSampling: shapes, labels from a seed, reproducibility from a seed, decoding to images, and its errors. */
class LatentSamplingTest {
    /** A tiny DiT whose output is not all zero (adaLN-Zero starts at 0), so sampling actually depends on it. */
    private static DiT model(boolean sit) {
        DiT m = sit ? new SiT(TinyLatents.config(), new Generator(3)) : new DiT(TinyLatents.config(), new Generator(3));
        Init.normal(m.finalLayer.linear.weight, 0, 0.05, new Generator(4));
        return m;
    }

    @Test
    void uniformLabelsAreReproducibleAndInRange() {
        long[] a = LatentSampling.uniformLabels(50, 3, 9);
        assertArrayEquals(a, LatentSampling.uniformLabels(50, 3, 9));
        assertFalse(Arrays.equals(a, LatentSampling.uniformLabels(50, 3, 10)));
        assertTrue(Arrays.stream(a).allMatch(v -> v >= 0 && v < 3));
        assertEquals(3, Arrays.stream(a).distinct().count());
    }

    @Test
    void ditLatentsHaveTheModelShapeAndRepeatFromTheSeed() {
        LatentSampling s = new LatentSampling(model(false), Samplers.parse("ddim:5"), 1.0, 2);
        long[] labels = {0, 1, 2, 1, 0};
        List<Integer> progress = new ArrayList<>();
        NDArray z = s.latents(labels, 11, progress::add);
        assertArrayEquals(new int[] {5, 4, 4, 4}, z.shape());
        assertEquals(List.of(2, 4, 5), progress);
        assertArrayEquals(z.toFloatArray(), s.latents(labels, 11, null).toFloatArray());
        assertFalse(Arrays.equals(z.toFloatArray(), s.latents(labels, 12, null).toFloatArray()));
        assertTrue(Float.isFinite(z.abs().max().toFloatArray()[0]));
    }

    @Test
    void sitWithGuidanceDecodesToImages() {
        LatentSampling s = new LatentSampling(model(true), Samplers.parse("sde:euler:4"), 2.0, 3);
        // 4 latent channels, one down-sampling level (×2): 4×4 latents → 8×8 RGB images.
        AutoencoderKL vae = new AutoencoderKL(VaeConfig.of(3, 3, 4, List.of(8, 8), 1, 4, 8, 0.5));
        long[] labels = LatentSampling.uniformLabels(4, TinyLatents.CLASSES, 5);
        List<Image> images = s.images(labels, 1, vae, 0.5, null);
        assertEquals(4, images.size());
        assertEquals(8, images.get(0).width());
        assertEquals(3, images.get(0).channels());
        List<Image> again = s.images(labels, 1, vae, 0.5, null);
        assertEquals(images, again);
        NDArray z = s.latents(labels, 1, null);
        NDArray decoded = LatentSampling.decode(vae, z, 0.5, 3);
        assertArrayEquals(new int[] {4, 3, 8, 8}, decoded.shape());
    }

    /**
     * Every sampler family on a device (the emulated one: CPU kernels behind a device boundary, so any host array
     * mixed into the loop fails) draws the CPU's samples: the same noise, latents equal to float rounding, the same
     * images to one grey level, all handed back on the host; with the VAE on the host, decoding still works.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ddpm:4", "ddim:3", "sde:euler:3", "ode:euler:3", "ode:dopri5:3"})
    void samplesOnADeviceAsOnTheCpu(String spec) {
        boolean sit = spec.startsWith("sde") || spec.startsWith("ode");
        Device dev = EmulatedDevice.register();
        long[] labels = LatentSampling.uniformLabels(3, TinyLatents.CLASSES, 2);
        LatentSampling cpu = new LatentSampling(model(sit), Samplers.parse(spec), 2.0, 2);
        DiT onDevice = model(sit);
        onDevice.to(dev);
        LatentSampling device = new LatentSampling(onDevice, Samplers.parse(spec), 2.0, 2);
        NDArray want = cpu.latents(labels, 4, null);
        int calls = EmulatedDevice.calls();
        NDArray got = device.latents(labels, 4, null);
        assertTrue(EmulatedDevice.calls() > calls, "sampled on the device");
        assertEquals(Device.CPU, got.device());
        float[] a = want.toFloatArray();
        float[] b = got.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-4 * (1 + Math.abs(a[i])), spec + ": latent element " + i);
        }
        AutoencoderKL vae = new AutoencoderKL(VaeConfig.of(3, 3, 4, List.of(8, 8), 1, 4, 8, 0.5));
        List<Image> hostDecoded = device.images(labels, 4, vae, 0.5, null);
        AutoencoderKL vaeOnDevice = new AutoencoderKL(VaeConfig.of(3, 3, 4, List.of(8, 8), 1, 4, 8, 0.5));
        vaeOnDevice.loadStateDict(vae.stateDict(), true);
        vaeOnDevice.to(dev);
        List<Image> wantImages = cpu.images(labels, 4, vae, 0.5, null);
        for (List<Image> gotImages : List.of(hostDecoded, device.images(labels, 4, vaeOnDevice, 0.5, null))) {
            assertEquals(wantImages.size(), gotImages.size());
            for (int i = 0; i < wantImages.size(); i++) {
                byte[] x = wantImages.get(i).pixels();
                byte[] y = gotImages.get(i).pixels();
                for (int j = 0; j < x.length; j++) {
                    assertTrue(Math.abs((x[j] & 0xff) - (y[j] & 0xff)) <= 1, spec + ": image " + i + " pixel " + j);
                }
            }
        }
    }

    @Test
    void errors() {
        DiT m = model(false);
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new LatentSampling(m, Samplers.parse("ddim:5"), 0.5, 2)).getMessage();
        assertTrue(msg.contains("cfg"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> new LatentSampling(m, Samplers.parse("ddim:5"), 1.0, 0)).getMessage();
        assertTrue(msg.contains("batch size"), msg);
        LatentSampling s = new LatentSampling(m, Samplers.parse("ddim:5"), 1.0, 2);
        msg = assertThrows(IllegalArgumentException.class, () -> s.latents(new long[] {0, 3}, 1, null))
                .getMessage();
        assertTrue(msg.contains("label 3") && msg.contains("3 classes"), msg);
    }
}
