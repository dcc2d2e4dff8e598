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
 * a study cut off mid-way resumes the missing stages only; {@code --publish} copies the write-up; a study carried to
 * another run folder ({@code ./usp experiment carry}) continues there.
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
        String sittingRow = "\\| 1 \\| \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\| \\d+\\.\\d \\| yes \\| .+, \\d+ hardware threads, \\d+-bit vectors \\|";
        assertTrue(doc.lines().anyMatch(l -> l.matches(sittingRow)),
                "the sitting's row: start to the second, minutes to a tenth, the machine\n" + doc);

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
        for (String stage : stages) {
            // pretraining stages resumed from their last checkpoint train no step here: their loss is the logged one
            Object loss = ((Map<?, ?>) Json.parseObject(Files.readString(run.resolve("stages/" + stage + ".json")))
                    .get("results")).get("loss");
            assertTrue(loss == null && !stage.startsWith("pretrain") || loss instanceof Double d && Double.isFinite(d),
                    stage + " loss " + loss);
        }
        assertEquals(doc.lines().filter(l -> l.startsWith("| DiT | 1 |")).toList(),
                Files.readString(run.resolve("REPRODUCTION-TINY.md")).lines().filter(l -> l.startsWith("| DiT | 1 |"))
                        .toList(), "finished arms keep their numbers");
        assertTrue(Files.exists(docs.resolve("REPRODUCTION-TINY.md")));
        assertTrue(Files.size(docs.resolve("reproduction-tiny/fid_sit.png")) > 1000);
        assertTrue(Files.exists(docs.resolve("reproduction-tiny/metrics.jsonl")));
        assertTrue(Files.readString(docs.resolve("REPRODUCTION-TINY.md")).contains("in 3 sittings"),
                "the report counts every sitting of the study");
        assertTrue(Files.exists(docs.resolve("reproduction-tiny/sittings.json")));

        carriedToAnotherMachine(run, doc);
    }

    /**
     * The study carried through a small folder (as through the repository) and continued in a new run folder: one
     * stage left unfinished runs again, the caches are rebuilt, every other stage keeps its results.
     */
    private void carriedToAnotherMachine(Path run, String doc) throws Exception {
        Files.delete(run.resolve("stages/probe-steps2.json")); // stopped while it ran
        Path carry = dir.resolve("carried/reproduce-tiny");
        String saved = usp("experiment", "carry", "--run", run.toString(), "--to", carry.toString());
        assertTrue(saved.contains("carried 26 finished stages"), saved);
        assertTrue(saved.contains("[probe-steps2]"), saved);
        assertFalse(Files.exists(carry.resolve("stages/probe-steps2.json")), "an unfinished stage is not carried");
        assertFalse(Files.exists(carry.resolve("probe-steps2")));
        assertFalse(Files.exists(carry.resolve("latents")), "caches are rebuilt, not carried");
        assertFalse(Files.exists(carry.resolve("pixels")));
        assertTrue(Files.exists(carry.resolve("vae/model/diffusion_pytorch_model.safetensors")));
        assertTrue(Files.exists(carry.resolve("classifier.safetensors")));
        assertTrue(Files.exists(carry.resolve("dit-usp-s2/evals.json")));
        try (var files = Files.walk(carry)) {
            List<Path> ckpts = files.filter(f -> f.getFileName().toString().endsWith(".ckpt.safetensors")
                    && !f.getFileName().toString().equals("pretrain.ckpt.safetensors")).toList();
            assertEquals(List.of(), ckpts, "training checkpoints of finished stages stay behind");
        }
        Path encoder = carry.resolve("pretrain/pretrain.ckpt.safetensors");
        try (var f = dev.usp4j.tensor.io.Safetensors.open(encoder)) {
            assertTrue(f.names().stream().noneMatch(n -> n.startsWith("optim.")), f.names().toString());
            assertTrue(f.names().stream().anyMatch(n -> n.startsWith("model.")), f.names().toString());
        }
        assertTrue(Files.size(encoder) < Files.size(run.resolve("pretrain/pretrain.ckpt.safetensors")) / 2);
        assertTrue(Files.readAllLines(carry.resolve("metrics.jsonl")).stream()
                .noneMatch(l -> l.contains("\"stage\":\"probe-steps2\"")), "an unfinished stage's metrics stay behind");
        // carrying again replaces the earlier carry
        assertTrue(usp("experiment", "carry", "--run", run.toString(), "--to", carry.toString())
                .contains("carried 26 finished stages"));

        Path elsewhere = dir.resolve("other-machine/run");
        String restored = usp("experiment", "carry", "--run", elsewhere.toString(), "--from", carry.toString());
        assertTrue(restored.contains("restored 26 finished stages"), restored);
        assertFalse(Files.exists(elsewhere.resolve(RunCarry.MANIFEST)));
        StringWriter err = new StringWriter();
        assertEquals(2, dev.usp4j.usp.Main.execute(new String[] {"experiment", "carry", "--run", elsewhere.toString(),
            "--from", carry.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err, true)));
        assertTrue(err.toString().contains(elsewhere + " is not empty"), err.toString());

        String continued = usp("experiment", "reproduce", "--budget", "tiny", "--out", elsewhere.toString());
        assertTrue(continued.contains("stage latents: done earlier, but its caches are missing"), continued);
        assertTrue(continued.contains("stage pixels: done earlier, but its caches are missing"), continued);
        assertTrue(continued.contains("stage probe-steps2: running"), continued);
        assertEquals(1, continued.lines().filter(l -> l.endsWith(": running")).count(), continued);
        assertTrue(Files.exists(elsewhere.resolve("latents/train.safetensors")));
        String carriedDoc = Files.readString(elsewhere.resolve("REPRODUCTION-TINY.md"));
        for (String row : new String[] {"| DiT | 1 |", "| SiT | 2 |", "| USP (MAE on VAE latents) |",
            "| pixel-space MAE, same size and steps |"}) {
            assertEquals(doc.lines().filter(l -> l.startsWith(row)).toList(),
                    carriedDoc.lines().filter(l -> l.startsWith(row)).toList(), "carried results are kept: " + row);
        }
        assertTrue(carriedDoc.contains("in 4 sittings"), "the sittings travel with the study\n" + carriedDoc);
    }
}
