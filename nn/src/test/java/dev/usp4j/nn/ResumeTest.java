package dev.usp4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.nn.losses.Losses;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.nn.optim.EMA;
import dev.usp4j.nn.optim.GradientClipping;
import dev.usp4j.nn.optim.ParamGroups;
import dev.usp4j.nn.optim.WarmupCosine;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run stopped mid-way and resumed from its checkpoint ends bit-identical to an uninterrupted run of the
 * same seed: a pre-norm attention block with dropout (default generator), data drawn from a named generator,
 * AdamW with the no-decay groups and a warmup-cosine schedule, gradient clipping, and an EMA.
 */
class ResumeTest {
    private static final int STEPS = 30;
    private static final int STOP_AT = 12;
    private static final int DIM = 16;

    @TempDir
    Path dir;

    /** A pre-norm transformer block with dropout: enough state (buffers of RNG, AdamW moments, EMA) to resume. */
    static final class Block extends UnaryModule {
        final LayerNorm norm1 = registerModule("norm1", new LayerNorm(DIM));
        final Attention attn = registerModule("attn", new Attention(DIM, 2, true, 0.0, 0.1));
        final LayerNorm norm2 = registerModule("norm2", new LayerNorm(DIM));
        final Mlp mlp = registerModule("mlp", new Mlp(DIM, 2 * DIM, DIM, GELU::new, 0.1));

        @Override
        public Tensor forward(Tensor x) {
            x = x.add(attn.forward(norm1.forward(x)));
            return x.add(mlp.forward(norm2.forward(x)));
        }
    }

    /** One run's trainer: model, optimiser, schedule, EMA and data stream, all built from the seed. */
    private static final class Run {
        final Block model;
        final AdamW opt;
        final EMA ema;
        final Generator data = new Generator(77);
        final WarmupCosine schedule = WarmupCosine.steps(3e-3, 1e-5, 5, STEPS);

        Run() {
            Generator.manualSeed(1234);
            model = new Block();
            opt = new AdamW(ParamGroups.weightDecay(model, 3e-3, 0.05, Set.of()), 0.9, 0.95, 1e-8);
            ema = new EMA(model, 0.9);
        }

        void step(int step) {
            schedule.apply(opt, step);
            Tensor x = Tensor.of(NDArray.randn(data, 4, 5, DIM));
            Tensor target = Tensor.of(NDArray.randn(data, 4, 5, DIM));
            Tensor loss = Losses.mse(model.forward(x), target);
            opt.zeroGrad();
            loss.backward();
            GradientClipping.clipGradNorm(model.parameters(), 1.0);
            opt.step();
            ema.update(model);
        }

        TrainingCheckpoint checkpoint() {
            return new TrainingCheckpoint(model).withEma(ema::stateDict, ema::loadStateDict).withOptimizer(opt)
                    .withGenerator("data", data);
        }
    }

    @Test
    void resumedRunIsBitIdenticalToAnUninterruptedOne() throws Exception {
        Run straight = new Run();
        for (int s = 0; s < STEPS; s++) {
            straight.step(s);
        }

        Run first = new Run();
        for (int s = 0; s < STOP_AT; s++) {
            first.step(s);
        }
        Path ckpt = dir.resolve("ckpt.safetensors");
        first.checkpoint().save(ckpt, STOP_AT, Map.of("model", "Block", "dim", DIM));

        Generator.manualSeed(999); // a fresh process would start from some other state
        Run resumed = new Run();
        TrainingCheckpoint.Restored r = resumed.checkpoint().load(ckpt);
        assertEquals(STOP_AT, r.step());
        for (long s = r.step(); s < STEPS; s++) {
            resumed.step((int) s);
        }

        Map<String, NDArray> a = straight.model.stateDict();
        Map<String, NDArray> b = resumed.model.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), "parameter " + k);
        }
        for (String k : straight.ema.names()) {
            assertArrayEquals(straight.ema.get(k).toFloatArray(), resumed.ema.get(k).toFloatArray(), "ema " + k);
        }
    }
}
