package dev.usp4j.nn.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The full SD VAE ("VAE-f8") built once (tagged slow: 83.7M parameters, ~335 MB): its parameter count equals
 * diffusers' AutoencoderKL's (83,653,863, counted on the reference built in gen_vae.py), its state-dict keys and
 * shapes are the reference's in the same order, and a small image goes through encode and decode with the
 * factor-8 shapes.
 */
@Tag("slow")
class VaeFullSizeTest {

    @Test
    void sdVaeMatchesDiffusersLayout() {
        GoldenCase layout = GoldenFile.load("vae").stream().filter(c -> c.op().equals("sd_layout")).findFirst()
                .orElseThrow();
        AutoencoderKL vae = AutoencoderKL.named("VAE-f8");
        assertEquals(83_653_863L, vae.parameterCount());
        assertEquals(layout.longArg("count"), vae.parameterCount());
        List<String> expected = new ArrayList<>();
        for (Object entry : layout.listArg("layout")) {
            List<?> pair = (List<?>) entry;
            expected.add(pair.get(0) + " " + pair.get(1));
        }
        List<String> got = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : vae.stateDict().entrySet()) {
            got.add(e.getKey() + " " + java.util.Arrays.toString(e.getValue().shape()));
        }
        assertEquals(expected, got);
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor x = Tensor.of(NDArray.rand(new Generator(1), 1, 3, 16, 24).mul(2).sub(1));
            Tensor z = vae.encodeLatents(x);
            assertArrayEquals(new int[] {1, 4, 2, 3}, z.shape());
            assertArrayEquals(new int[] {1, 3, 16, 24}, vae.decodeLatents(z).shape());
        }
    }
}
