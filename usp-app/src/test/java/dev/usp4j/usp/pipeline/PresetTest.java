package dev.usp4j.usp.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Preset overrides ({@code --set KEY=VALUE}): each key of {@link Preset#toMap()} can be set, gen_steps carries the
 * evaluation schedule along, bad keys and values are refused with the valid keys listed, and a changed setting
 * changes the settings (so the hashes) of exactly the stages that read it.
 */
class PresetTest {
    @Test
    void overridesSetOneValueAndKeepTheRest() {
        Preset quick = Preset.named("quick");
        Preset p = quick.with(List.of("fid_samples=1000", "gen_steps=800"));
        assertEquals(800, p.genSteps());
        assertEquals(List.of(400L, 800L), p.evalSteps(), "eval_steps follow gen_steps");
        assertEquals(1000, p.fidSamples());
        Map<String, Object> a = quick.toMap();
        Map<String, Object> b = p.toMap();
        for (String k : a.keySet()) {
            if (!List.of("gen_steps", "eval_steps", "fid_samples").contains(k)) {
                assertEquals(a.get(k), b.get(k), k);
            }
        }
        assertEquals(List.of(100L, 300L, 800L), p.with("eval_steps", "100, 300,800").evalSteps());
        assertEquals(List.of(100L, 800L), quick.with(List.of("eval_steps=100,800", "gen_steps=800")).evalSteps(),
                "gen_steps is applied first");
        assertEquals(0.5, quick.with("ema_decay", "0.5").emaDecay());
        assertEquals("ddim:20", quick.with("dit_sampler", "ddim:20").ditSampler());
        assertEquals("S/2", quick.with("dit_size", "S/2").ditSize());
        assertTrue(quick.with("latent_flip", "true").latentFlip());
        assertEquals(0, quick.with("latent_images", "0").latentImages());
        assertEquals(4.0, quick.with("cfg_scale", "4").cfgScale());
        assertEquals(quick, quick.with(List.of()), "no override, same preset");
        assertEquals(Preset.keys(), List.copyOf(quick.toMap().keySet()));
    }

    @Test
    void badKeysAndValuesNameTheValidKeys() {
        Preset quick = Preset.named("quick");
        String[][] cases = {{"gen_stepz", "3", "unknown preset setting 'gen_stepz'"},
            {"gen_steps", "x", "not a number"},
            {"ema_decay", "1.5", "ema_decay must be in [0, 1)"}, {"eval_steps", "300,200", "ascending"},
            {"eval_steps", "100,200", "must end at gen_steps (500)"}, {"dit_size", "Q/2", "unknown dit_size"},
            {"mae", "MAE-ViT-Q/2", "unknown mae"}, {"dit_sampler", "euler", "unknown kind"},
            {"fid_samples", "1", "at least 2"}, {"latent_flip", "maybe", "expected true or false"},
            {"latent_images", "-1", "latent_images must be 0"}, {"cfg_scale", "0.5", "cfg_scale >= 1"}, {"vae_batch", "0", "positive"}, {"name", "a/b", "run folder"}};
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> quick.with(c[0], c[1]),
                    c[0]);
            assertTrue(e.getMessage().contains(c[2]) && e.getMessage().contains("valid keys: [name, dataset"),
                    e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> quick.with(List.of("fid_samples")));
        assertTrue(e.getMessage().contains("KEY=VALUE"), e.getMessage());
    }

    @Test
    void aSettingChangesOnlyTheStagesThatReadIt() {
        Preset tiny = Preset.named("tiny");
        Preset more = tiny.with("fid_samples", "16");
        List<String> stages = List.of("vae", "latents", "pretrain", "classifier", "dit-scratch", "dit-usp",
                "sit-scratch", "sit-usp", "probe");
        for (String s : stages) {
            boolean generative = s.contains("-");
            Map<String, Object> a = StageInputs.settings(s, tiny);
            Map<String, Object> b = StageInputs.settings(s, more);
            if (generative) {
                assertNotEquals(a, b, s);
            } else {
                assertEquals(a, b, s);
            }
        }
        Preset sampler = tiny.with("sit_sampler", "ode:euler:4");
        assertEquals(StageInputs.settings("dit-usp", tiny), StageInputs.settings("dit-usp", sampler));
        assertNotEquals(StageInputs.settings("sit-usp", tiny), StageInputs.settings("sit-usp", sampler));
        assertNotEquals(StageInputs.settings("pretrain", tiny),
                StageInputs.settings("pretrain", tiny.with("pretrain_steps", "4")));
    }
}
