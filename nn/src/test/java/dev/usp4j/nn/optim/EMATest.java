package dev.usp4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.nn.testing.NamedModel;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DiT's EMA: an exact copy at first, the decay rule per update, buffers copied, copyTo and state dicts. */
class EMATest {

    private static NamedModel model(long seed) {
        Generator gen = new Generator(seed);
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("pos_embed", NDArray.randn(gen, 1, 4, 3));
        p.put("blocks.0.w", NDArray.randn(gen, 5, 3));
        p.put("blocks.0.b", NDArray.randn(gen, 5));
        NamedModel m = NamedModel.of(p);
        m.param("pos_embed").requiresGrad(false);
        m.addBuffer("running_mean", NDArray.randn(gen, 3), true);
        m.addBuffer("cache", NDArray.zeros(2), false);
        return m;
    }

    private static void perturb(NamedModel m, long seed) {
        Generator gen = new Generator(seed);
        m.namedParameters().values().forEach(t -> t.data().addInPlace(NDArray.randn(gen, t.shape())));
    }

    @Test
    void startsAsACopyAndAveragesEveryParameter() {
        NamedModel m = model(1);
        EMA ema = new EMA(m, 0.9);
        assertEquals(List.of("pos_embed", "running_mean", "blocks.0.w", "blocks.0.b"), ema.names());
        NDArray w0 = m.param("blocks.0.w").data().copy();
        assertArrayEquals(w0.toFloatArray(), ema.get("blocks.0.w").toFloatArray());
        assertNotSame(m.param("blocks.0.w").data(), ema.get("blocks.0.w"));
        perturb(m, 2);
        m.bufferValue("running_mean").fill(4);
        ema.update(m);
        float[] w1 = m.param("blocks.0.w").data().toFloatArray();
        float[] got = ema.get("blocks.0.w").toFloatArray();
        float[] w0f = w0.toFloatArray();
        for (int i = 0; i < got.length; i++) {
            assertEquals(Math.fma(w1[i], (float) (1 - 0.9), w0f[i] * 0.9f), got[i], 0, "element " + i);
        }
        // Frozen parameters are averaged too (DiT iterates named_parameters); buffers are copied.
        assertTrue(ema.get("pos_embed").sub(m.param("pos_embed").data()).abs().max().item() > 0);
        assertArrayEquals(new float[] {4, 4, 4}, ema.get("running_mean").toFloatArray());
    }

    @Test
    void decayZeroCopiesAndDecayOneKeeps() {
        NamedModel m = model(3);
        EMA ema = new EMA(m, 0.9999);
        float[] start = ema.get("blocks.0.b").toFloatArray();
        perturb(m, 4);
        ema.update(m, 1.0);
        assertArrayEquals(start, ema.get("blocks.0.b").toFloatArray());
        ema.update(m, 0.0);
        assertArrayEquals(m.param("blocks.0.b").data().toFloatArray(), ema.get("blocks.0.b").toFloatArray());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ema.update(m, 1.5)).getMessage()
                .contains("decay must be in [0, 1], got 1.5"));
    }

    @Test
    void copyToAndStateDictRoundTrip() {
        NamedModel m = model(5);
        EMA ema = new EMA(m, 0.5);
        perturb(m, 6);
        ema.update(m);
        Map<String, NDArray> sd = ema.stateDict();
        assertEquals(m.stateDict().keySet(), sd.keySet());

        NamedModel fresh = model(7);
        ema.copyTo(fresh);
        for (String k : sd.keySet()) {
            assertArrayEquals(sd.get(k).toFloatArray(), fresh.stateDict().get(k).toFloatArray(), k);
        }
        EMA restored = new EMA(model(8), 0.5);
        restored.loadStateDict(sd);
        perturb(m, 9);
        ema.update(m);
        restored.update(m);
        for (String k : sd.keySet()) {
            assertArrayEquals(ema.get(k).toFloatArray(), restored.get(k).toFloatArray(), k);
        }
        // The dict holds copies.
        sd.get("blocks.0.b").fill(123);
        assertTrue(ema.get("blocks.0.b").toFloatArray()[0] != 123f);
    }

    @Test
    void mismatchedModelsAreNamed() {
        EMA ema = new EMA(model(10), 0.9);
        NamedModel other = NamedModel.of(Map.of("w", NDArray.zeros(2)));
        String msg = assertThrows(IllegalArgumentException.class, () -> ema.update(other)).getMessage();
        assertTrue(msg.contains("missing [pos_embed, running_mean, blocks.0.w, blocks.0.b], unexpected [w]"), msg);
        Map<String, NDArray> bad = ema.stateDict();
        bad.put("blocks.0.b", NDArray.zeros(6));
        msg = assertThrows(IllegalArgumentException.class, () -> ema.loadStateDict(bad)).getMessage();
        assertTrue(msg.contains("'blocks.0.b' has shape [6], the average has [5]"), msg);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ema.get("nope")).getMessage()
                .contains("no entry 'nope'"));
    }
}
