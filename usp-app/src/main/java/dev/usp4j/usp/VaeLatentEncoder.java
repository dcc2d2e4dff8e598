package dev.usp4j.usp;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentEncoder;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * An {@link AutoencoderKL} as the data module's {@link LatentEncoder}: posterior moments (clamped log-variance, as the
 * diagonal Gaussian holds them) computed in eval mode without gradients, and an identity made of the configuration
 * and a SHA-256 over every weight, so a latent cache notices a retrained or different VAE. The VAE encodes where its
 * weights are ({@code Module.to}): each batch of images goes there and its moments come back to the host, where the
 * cache is written. The identity does not name the device, so a cache built on one device serves another.
 */
public final class VaeLatentEncoder implements LatentEncoder {
    private final AutoencoderKL vae;
    private final String identity;

    public VaeLatentEncoder(String name, AutoencoderKL vae) {
        this.vae = vae;
        this.identity = name + " " + vae.config().toDiffusers().get("block_out_channels") + " sha256:"
                + weightsHash(vae);
    }

    @Override
    public NDArray encodeMoments(NDArray images) {
        vae.eval();
        try (GradMode.Scope s = GradMode.noGrad()) {
            var posterior = vae.encode(Tensor.of(images.to(Models.deviceOf(vae))));
            return NDArray.cat(java.util.List.of(posterior.mean().data(), posterior.logvar().data()), 1)
                    .to(Device.CPU);
        }
    }

    @Override
    public String identity() {
        return identity;
    }

    /** SHA-256 over the sorted state dict: each name, then its float32 values in little-endian order. */
    static String weightsHash(AutoencoderKL vae) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Map<String, NDArray> sorted = new TreeMap<>(vae.stateDict());
            for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
                md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                float[] v = e.getValue().toFloatArray();
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                md.update(b.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
