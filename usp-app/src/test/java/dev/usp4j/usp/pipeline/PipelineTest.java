package dev.usp4j.usp.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.usp.UspCli;
import dev.usp4j.usp.report.LineChart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain on the tiny preset (synthetic data): every stage runs with progress bars, the report holds the
 * from-scratch vs USP table, the probe, the plots and the grids, also as self-contained HTML; a second run skips
 * every stage; and a run whose later stages were cut off (their ledger entries gone, as after a kill, their
 * checkpoints kept) resumes them and keeps the finished ones.
 */
class PipelineTest {
    @TempDir
    Path dir;

    private static String usp(String... args) {
        return UspCli.run(args);
    }

    @Test
    void tinyPipelineRunsSkipsAndResumes() throws Exception {
        Path run = dir.resolve("run");
        String first = usp("pipeline", "--preset", "tiny", "--out", run.toString());
        for (String stage : new String[] {"vae", "latents", "pretrain", "classifier", "dit-scratch", "dit-usp",
            "sit-scratch", "sit-usp", "probe"}) {
            assertTrue(first.contains("stage " + stage + ": running"), first);
        }
        assertTrue(first.contains("USP transfer: copied"), first);
        String report = Files.readString(run.resolve("report.md"));
        for (String row : new String[] {"| dit-scratch | 2 |", "| dit-usp | 2 |", "| sit-scratch | 2 |",
            "| sit-usp | 2 |", "| USP-pretrained |", "| random init |", "sit-usp/samples.png"}) {
            assertTrue(report.contains(row), row + " in\n" + report);
        }
        assertTrue(report.contains("from USP vs") && report.contains("from scratch"), report);
        assertTrue(Files.readAllLines(run.resolve("metrics.jsonl")).size() > 20, "metrics logged");
        for (String plot : new String[] {"loss_vae", "loss_pretrain", "loss_generative", "fid", "sample_accuracy"}) {
            Path png = run.resolve("plots/" + plot + ".png");
            assertEquals(LineChart.WIDTH, ImageIO.read(png.toFile()).getWidth(), plot);
            assertTrue(report.contains("](plots/" + plot + ".png)"), plot + " linked in\n" + report);
        }
        String html = Files.readString(run.resolve("report.html"));
        assertEquals(9, html.split("src=\"data:image/png;base64,", -1).length - 1, "5 plots and 4 grids embedded");
        for (String cell : new String[] {"<td>dit-usp</td>", "<td>USP-pretrained</td>", "<td>fid_samples</td>",
            "<th>seconds</th>"}) {
            assertTrue(html.contains(cell), cell);
        }
        assertTrue(first.contains("  pretrain  100%|██████████| 2/2 ["), "progress bars in\n" + first);
        assertFalse(first.contains("step 1/2"), "no 'step k/N' lines left");

        String again = usp("pipeline", "--preset", "tiny", "--out", run.toString());
        assertFalse(again.contains(": running"), again);
        assertTrue(again.contains("stage probe: done earlier, skipped"), again);

        // cut off after sit-scratch: the ledger lost the last stages, their checkpoints and eval records stay
        Files.delete(run.resolve("stages/sit-usp.json"));
        Files.delete(run.resolve("stages/probe.json"));
        String resumed = usp("pipeline", "--preset", "tiny", "--out", run.toString());
        assertTrue(resumed.contains("stage dit-usp: done earlier, skipped"), resumed);
        assertTrue(resumed.contains("stage sit-usp: running") && resumed.contains("stage probe: running"), resumed);
        assertEquals(report.lines().filter(l -> l.startsWith("| dit-")).toList(),
                Files.readString(run.resolve("report.md")).lines().filter(l -> l.startsWith("| dit-")).toList(),
                "finished stages keep their numbers");

        // an override runs again exactly the stages that read it, from scratch; their earlier outputs move aside
        String over = usp("pipeline", "--preset", "tiny", "--set", "fid_samples=6", "--out", run.toString());
        for (String stage : new String[] {"vae", "latents", "pretrain", "classifier", "probe"}) {
            assertTrue(over.contains("stage " + stage + ": done earlier, skipped"), over);
        }
        for (String g : new String[] {"dit-scratch", "dit-usp", "sit-scratch", "sit-usp"}) {
            assertTrue(over.contains("stage " + g + ": settings changed") && over.contains("stage " + g
                    + ": running") && !over.contains(g + ": resuming"), over);
        }
        try (var moved = Files.list(run.resolve("earlier"))) {
            List<Path> dirs = moved.toList();
            assertEquals(4, dirs.size(), dirs.toString());
            for (Path d : dirs) {
                Path outputs = d.resolve(d.getFileName().toString().replaceAll("-[0-9a-f]{12}$", ""));
                assertTrue(Files.exists(outputs.resolve("evals.json")) && Files.exists(d.resolve("stage.json"))
                        && Files.exists(d.resolve("report.md")), d.toString());
            }
        }
        assertTrue(Files.readString(run.resolve("preset.json")).contains("\"fid_samples\": 6")
                || Files.readString(run.resolve("preset.json")).contains("\"fid_samples\":6"));
    }
}
