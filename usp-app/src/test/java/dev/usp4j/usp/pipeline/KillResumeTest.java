package dev.usp4j.usp.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.usp4j.data.LatentCache;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.usp.Main;
import dev.usp4j.usp.pretrain.LatentTrainer;
import dev.usp4j.usp.pretrain.MaskedLatentTrainer;
import dev.usp4j.usp.pretrain.PretrainConfig;
import dev.usp4j.usp.pretrain.TrainMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real kill: the tiny pipeline runs in a child JVM until USP pretraining has written its first checkpoint, the
 * child is SIGKILLed mid-stage, and the pipeline run again in this JVM skips the finished stages, resumes
 * pretraining from the checkpoint's step (not from 0), writes the report and leaves no half-written file; the
 * pretrained weights equal, bit for bit, an uninterrupted pretraining of the same configuration on the same latents.
 * About 25 s on an idle 2-core machine (a child JVM plus the tiny chain), so it runs with the default suite.
 */
class KillResumeTest {
    private static final String STEPS = "12";

    @TempDir
    Path dir;

    @Test
    void killedPipelineResumesMidStage() throws Exception {
        Path run = dir.resolve("run");
        String[] args = {"pipeline", "--preset", "tiny", "--set", "pretrain_steps=" + STEPS, "--out", run.toString()};
        Path log = dir.resolve("child.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path ckpt = run.resolve("pretrain/pretrain.ckpt.safetensors");
        long deadline = System.nanoTime() + 180_000_000_000L;
        try {
            while (!Files.exists(ckpt)) {
                if (!child.isAlive() || System.nanoTime() > deadline) {
                    fail("the child ended or stalled before pretraining checkpointed:\n" + Files.readString(log));
                }
                Thread.sleep(10);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        assertFalse(Files.exists(run.resolve("stages/pretrain.json")), "killed before pretraining finished:\n"
                + Files.readString(log));
        assertFalse(Files.exists(run.resolve("report.md")));

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true)), err.toString());
        String resumed = out.toString();
        assertTrue(resumed.contains("stage vae: done earlier, skipped"), resumed);
        assertTrue(resumed.contains("stage latents: done earlier, skipped"), resumed);
        assertTrue(resumed.contains("stage pretrain: running"), resumed);
        Matcher m = Pattern.compile("pretrain: resuming at step (\\d+)").matcher(resumed);
        assertTrue(m.find(), resumed);
        int at = Integer.parseInt(m.group(1));
        assertTrue(at >= 3 && at < 12 && at % 3 == 0, "resumed at a checkpoint step, got " + at);
        // The progress bar of the resumed stage counts on from the checkpoint: no step at or before it is redone.
        Matcher bar = Pattern.compile("  pretrain +\\d+%\\|[^|]*\\| (\\d+)/" + STEPS).matcher(resumed);
        List<Integer> shown = new ArrayList<>();
        while (bar.find()) {
            shown.add(Integer.parseInt(bar.group(1)));
        }
        assertFalse(shown.isEmpty(), resumed);
        assertTrue(shown.stream().allMatch(s -> s > at), "steps before the checkpoint are not redone: " + shown);
        assertEquals(Integer.parseInt(STEPS), shown.getLast(), resumed);
        List<Long> logged = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            Map<String, Object> e = Json.parseObject(line);
            if (e.get("stage").equals("pretrain")) {
                logged.add(((Number) e.get("step")).longValue());
            }
        }
        List<Long> tail = logged.subList(logged.size() - (12 - at), logged.size());
        for (int i = 0; i < tail.size(); i++) {
            assertEquals(at + 1 + i, tail.get(i), "metrics after the resume: " + logged);
        }
        assertEquals(1L, logged.getFirst(), "the killed run logged from step 1");
        assertTrue(Files.exists(run.resolve("report.md")));
        assertTrue(resumed.contains("stage probe: running"), resumed);
        try (var files = Files.walk(run)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(),
                    "no half-written files");
        }

        // uninterrupted: the same pretraining configuration (as the checkpoint records it) on the same latents
        Map<String, Object> cfg = LatentTrainer.readConfig(ckpt, PretrainConfig.KIND);
        try (LatentCache c = LatentCache.open(run.resolve("latents/train.safetensors"))) {
            MaskedLatentTrainer straight = new MaskedLatentTrainer(PretrainConfig.fromMap(cfg), c, null);
            TrainMetrics last = straight.train(12, null);
            Map<String, NDArray> want = straight.model().stateDict();
            Map<String, NDArray> got = MaskedLatentTrainer.readPretrained(ckpt, false);
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                assertArrayEquals(want.get(k).toFloatArray(), got.get(k).toFloatArray(), k);
            }
            Object loss = ((Map<?, ?>) Json.parseObject(Files.readString(run.resolve("stages/pretrain.json")))
                    .get("results")).get("loss");
            assertEquals(last.loss(), ((Number) loss).doubleValue(), 0.0, "the ledger's final loss");
        }
    }
}
