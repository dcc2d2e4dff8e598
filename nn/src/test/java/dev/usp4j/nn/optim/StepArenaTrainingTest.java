package dev.usp4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.vit.MaeConfigs;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.StepArena;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A training loop whose steps run in a {@link StepArena} (every activation and temporary handed back to the pool
 * at each step's end, the gradients kept) trains to the very same losses and weights as the plain loop: with the
 * suite's poisoning, any array released while the next step still needed it would turn into NaN.
 */
class StepArenaTrainingTest {
    private static final Map<String, Object> SMALL = Map.of("img_size", 8, "patch_size", 2, "in_chans", 4,
            "embed_dim", 32, "depth", 2, "num_heads", 2, "decoder_embed_dim", 16, "decoder_depth", 1,
            "decoder_num_heads", 2, "norm_pix_loss", true);

    private record Run(List<Double> losses, List<float[]> weights) {
    }

    private static Run train(boolean arena) {
        Generator.manualSeed(3); // what the model's initialisers draw from the default generator
        MaskedAutoencoderViT mae = new MaskedAutoencoderViT(MaeConfigs.fromMap(SMALL), new Generator(1));
        mae.train();
        AdamW opt = new AdamW(List.of(new ParamGroup(mae.parameters(), 1e-3, 0.05)));
        Generator data = new Generator(2);
        // 64 images: [64, 4, 8, 8] is above the pool's threshold, so the step's activations take the pooled path.
        NDArray imgs = NDArray.randn(data, 64, 4, 8, 8);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 4; step++) {
            StepArena scope = arena ? StepArena.open() : null;
            try {
                Tensor loss = mae.forward(Tensor.of(imgs), 0.75, data).loss();
                losses.add(loss.item());
                opt.zeroGrad();
                loss.backward();
                opt.step();
                if (scope != null) {
                    for (Tensor p : mae.parameters()) {
                        scope.keep(p.grad());
                    }
                }
            } finally {
                if (scope != null) {
                    scope.close();
                }
            }
        }
        List<float[]> weights = new ArrayList<>();
        for (Tensor p : mae.parameters()) {
            weights.add(p.data().toFloatArray());
        }
        return new Run(losses, weights);
    }

    @Test
    void theArenaChangesNothingButWhereArraysComeFrom() {
        Run plain = train(false);
        Run scoped = train(true);
        assertEquals(plain.losses(), scoped.losses());
        assertTrue(plain.losses().stream().allMatch(Double::isFinite), plain.losses().toString());
        assertEquals(plain.weights().size(), scoped.weights().size());
        for (int i = 0; i < plain.weights().size(); i++) {
            assertArrayEquals(plain.weights().get(i), scoped.weights().get(i), "parameter " + i);
        }
    }
}
