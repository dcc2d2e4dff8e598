package dev.usp4j.usp.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.io.Json;
import dev.usp4j.usp.UspCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./usp experiment reproduce} on the tiny budget: every arm, seed, probe and ablation runs; the write-up has
 * the speedup, understanding and ablation tables, its plots and the compact metrics; a second run skips every stage;
 * a study cut off mid-way resumes the missing stages only; {@code --publish} copies the write-up.
 */
class ReproductionTest {
    @TempDir
    Path dir;

    private static String usp(String... args) {
        return UspCli.run(args);
    }

    @Test
    void budgetsHaveTheStudysShape() {
        for (String name : List.of("standard", "long")) {
            ReproductionBudget b = ReproductionBudget.named(name);
            assertTrue(b.preset().evalSteps().size() >= 8, name + ": at least 8 FID checkpoints");
            assertTrue(b.seeds() >= 2, name + ": at least 2 seeds");
            assertEquals("fashion-mnist", b.preset().dataset(), name);
        }
        ReproductionBudget standard = ReproductionBudget.named("standard");
        ReproductionBudget longer = ReproductionBudget.named("long");
        assertEquals(List.of(0.5, 0.75, 0.9), standard.maskRatios(), "the standard study runs the mask ablation");
        assertEquals(2, standard.pretrainLengths().size(), "and the pretraining-length ablation");
        assertTrue(longer.preset().pretrainSteps() > standard.preset().pretrainSteps()
                && longer.preset().genSteps() > standard.preset().genSteps()
                && longer.preset().fidSamples() > standard.preset().fidSamples(), "long trains and measures more");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReproductionBudget.named("huge"));
        assertTrue(e.getMessage().contains("standard, long or tiny"), e.getMessage());
        ReproductionBudget t = ReproductionBudget.named("tiny");
        e = assertThrows(IllegalArgumentException.class, () -> new ReproductionBudget("x", t.preset(), 2,
                t.maskRatios(), List.of(t.preset().pretrainSteps()), 1, 1));
        assertTrue(e.getMessage().contains("shorter than the main run"), e.getMessage());
    }

    @Test
    void aStudyWithoutAblationsSaysSo() throws Exception {
        ReproductionBudget t = ReproductionBudget.named("tiny");
        ReproductionBudget noAblations = new ReproductionBudget("tiny", t.preset(), 2,
                List.of(ReproductionBudget.MAIN_MASK_RATIO), List.of(), t.finetuneSteps(), t.logregSteps());
        Path run = dir.resolve("plain");
        Reproduction study = new Reproduction(run, noAblations, new PrintWriter(new StringWriter()));
        List<String> stages = study.stages();
        assertEquals(27 - 6, stages.size(), "two mask ratios and two lengths fewer, each a pretraining and a probe: "
                + stages);
        assertFalse(stages.stream().anyMatch(s -> s.contains("mask") || s.contains("steps")), stages.toString());
        String doc = Files.readString(study.run());
        assertTrue(doc.contains("the mask-ratio and pretraining-length ablations are the standard budget's"), doc);
        assertTrue(doc.contains("| pixels (MAE) |"), "the latent-vs-pixel comparison stays\n" + doc);
        assertFalse(doc.contains("probe_vs_mask.png") || doc.contains("Pretraining length ("), doc);
        assertFalse(Files.exists(run.resolve("reproduction-tiny/probe_vs_mask.png")));
    }

    @Test
    void tinyStudyRunsSkipsResumesAndPublishes() throws Exception {
        Path run = dir.resolve("run");
        String first = usp("experiment", "reproduce", "--budget", "tiny", "--out", run.toString());
        List<String> stages = new Reproduction(run, ReproductionBudget.named("tiny"), new PrintWriter(
                new StringWriter())).stages();
        assertEquals(27, stages.size(), stages.toString());
        for (String stage : stages) {
            assertTrue(first.contains("stage " + stage + ": running"), stage + " in\n" + first);
        }
        String doc = Files.readString(run.resolve("REPRODUCTION-TINY.md"));
        for (String row : new String[] {"| DiT | 1 |", "| DiT | 2 |", "| SiT | 1 |", "| SiT | 2 |", "| **DiT** | all",
            "| **SiT** | all", "| USP (MAE on VAE latents) |", "| pixel-space MAE, same size and steps |",
            "| random initialisation |", "| logistic regression on raw pixels (floor) |", "| 0.50 |", "| 0.90 |",
            "| 2 | ", "| 4 (main) |", "| pixels (MAE) |", "## 4. Agreement with the paper",
            "](reproduction-tiny/fid_dit.png)", "](reproduction-tiny/fid_sit.png)", "](reproduction-tiny/probe_vs_mask.png)",
            "--budget tiny"}) {
            assertTrue(doc.contains(row), row + " in\n" + doc);
        }
        assertFalse(doc.contains("| USP (MAE on VAE latents) | — |"), "every probe ran:\n" + doc);
        // every FID checkpoint of every arm is in the table: 8 steps, 4 arms, no gaps
        assertEquals(8, doc.lines().filter(l -> l.matches("\\| [1-8] \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\|"))
                .count(), doc);
        List<String> compact = Files.readAllLines(run.resolve("reproduction-tiny/metrics.jsonl"));
        boolean sawFid = false;
        for (String line : compact) {
            Map<String, Object> m = Json.parseObject(line);
            assertEquals(((List<?>) m.get("steps")).size(), ((List<?>) m.get("values")).size(), line);
            sawFid |= "fid".equals(m.get("name")) && "sit-usp-s2".equals(m.get("stage"))
                    && ((List<?>) m.get("steps")).size() == 8;
        }
        assertTrue(sawFid, "the FID series of every arm is in the compact metrics");

        List<?> sittings = (List<?>) Json.parseObject(Files.readString(run.resolve("sittings.json"))).get("sittings");
        assertEquals(1, sittings.size());
        assertEquals(true, ((Map<?, ?>) sittings.get(0)).get("finished"));
        assertTrue(doc.contains("in 1 sitting (listed under Reproduce)"), doc);
        String sittingRow = "\\| 1 \\| \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\| \\d+\\.\\d \\| yes \\|";
        assertTrue(doc.lines().anyMatch(l -> l.matches(sittingRow)),
                "the sitting's row: start to the second, minutes to a tenth\n" + doc);

        String again = usp("experiment", "reproduce", "--budget", "tiny", "--out", run.toString());
        assertFalse(again.contains(": running"), again);

        // cut off after the first seed's generative runs: later ledger entries gone, checkpoints kept
        for (String stage : stages.subList(stages.indexOf("dit-scratch-s2"), stages.size())) {
            Files.delete(run.resolve("stages/" + stage + ".json"));
        }
        Path docs = dir.resolve("docs");
        String resumed = usp("experiment", "reproduce", "--budget", "tiny", "--out", run.toString(), "--publish",
                docs.toString());
        assertTrue(resumed.contains("stage sit-usp-s1: done earlier, skipped"), resumed);
        assertTrue(resumed.contains("stage dit-scratch-s2: running") && resumed.contains("stage probe-steps2: running"),
                resumed);
        assertEquals(doc.lines().filter(l -> l.startsWith("| DiT | 1 |")).toList(),
                Files.readString(run.resolve("REPRODUCTION-TINY.md")).lines().filter(l -> l.startsWith("| DiT | 1 |"))
                        .toList(), "finished arms keep their numbers");
        assertTrue(Files.exists(docs.resolve("REPRODUCTION-TINY.md")));
        assertTrue(Files.size(docs.resolve("reproduction-tiny/fid_sit.png")) > 1000);
        assertTrue(Files.exists(docs.resolve("reproduction-tiny/metrics.jsonl")));
        assertTrue(Files.readString(docs.resolve("REPRODUCTION-TINY.md")).contains("in 3 sittings"),
                "the report counts every sitting of the study");
        assertTrue(Files.exists(docs.resolve("reproduction-tiny/sittings.json")));
    }
}
