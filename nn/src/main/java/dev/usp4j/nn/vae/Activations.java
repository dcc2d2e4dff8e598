package dev.usp4j.nn.vae;

import dev.usp4j.nn.GELU;
import dev.usp4j.nn.ReLU;
import dev.usp4j.nn.SiLU;
import dev.usp4j.nn.UnaryModule;

/**
 * diffusers' {@code get_activation} for the names a VAE config's {@code act_fn} may hold: "silu" and its alias
 * "swish" (every released SD VAE), "gelu" (exact) and "relu". Only the ResNet blocks use it; the encoder's and
 * decoder's {@code conv_act} is always SiLU, as in diffusers.
 */
final class Activations {
    private Activations() {
    }

    static void check(String name) {
        create(name);
    }

    static UnaryModule create(String name) {
        return switch (name == null ? "" : name) {
            case "silu", "swish" -> new SiLU();
            case "gelu" -> new GELU();
            case "relu" -> new ReLU();
            default -> throw new IllegalArgumentException("VaeConfig: act_fn '" + name + "' is not supported"
                    + " (silu, swish, gelu, relu)");
        };
    }
}
