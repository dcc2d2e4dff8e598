package dev.usp4j.usp.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pipeline's {@code report.md}: the preset, what each stage produced and how long it took, the FID (classifier
 * features) and sample accuracy of DiT and SiT from scratch and from USP at each evaluation step side by side, the
 * linear probe of the USP encoder against a random one, and the sample grids. It states the comparison as measured,
 * whichever way it came out.
 */
final class Report {
    private Report() {
    }

    static Path write(Path run, Preset preset, Map<String, Map<String, Object>> r, double seconds)
            throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# USP pipeline — preset ").append(preset.name()).append("\n\n");
        b.append(String.format(Locale.ROOT, "Dataset %s; total %.0f s (stages skipped as done earlier count 0).%n%n",
                preset.dataset(), seconds));
        b.append("## Stages\n\n| stage | seconds | results |\n|---|---|---|\n");
        r.forEach((stage, res) -> b.append("| ").append(stage).append(" | ")
                .append(String.format(Locale.ROOT, "%.1f", ((Number) res.getOrDefault("seconds", 0)).doubleValue()))
                .append(" | ").append(summary(res)).append(" |\n"));
        b.append("\n## Generation: from scratch vs from USP at the same step count\n\n");
        b.append("FID in the features of a classifier trained on the dataset (\"FID (classifier features)\", not"
                + " Inception FID); sample accuracy is that classifier's accuracy on class-conditional samples.\n\n");
        b.append("| model | step | FID | sample accuracy |\n|---|---|---|---|\n");
        for (String g : List.of("dit-scratch", "dit-usp", "sit-scratch", "sit-usp")) {
            Map<String, Object> res = r.get(g);
            if (res == null || !(res.get("evals") instanceof List<?> evals)) {
                continue;
            }
            for (Object e : evals) {
                Map<?, ?> m = (Map<?, ?>) e;
                b.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f |%n", g, m.get("step"),
                        ((Number) m.get("fid")).doubleValue(), ((Number) m.get("accuracy")).doubleValue()));
            }
        }
        b.append('\n');
        for (String family : List.of("dit", "sit")) {
            Double scratch = lastFid(r.get(family + "-scratch"));
            Double usp = lastFid(r.get(family + "-usp"));
            if (scratch != null && usp != null) {
                double change = 100 * (scratch - usp) / scratch;
                b.append(String.format(Locale.ROOT, "- %s at the last step: FID %.4f from USP vs %.4f from scratch"
                        + " — %s.%n", family.equals("dit") ? "DiT" : "SiT", usp, scratch, usp < scratch
                        ? String.format(Locale.ROOT, "USP lower by %.1f%%", change)
                        : String.format(Locale.ROOT, "USP not lower in this run (%+.1f%%)", -change)));
            }
        }
        Map<String, Object> probe = r.get("probe");
        if (probe != null) {
            b.append(String.format(Locale.ROOT, "%n## Understanding: linear probe%n%n| encoder | top-1 |%n|---|---|%n"
                    + "| USP-pretrained | %.4f |%n| random init | %.4f |%n", num(probe.get("usp_top1")),
                    num(probe.get("random_top1"))));
        }
        b.append("\n## Samples (EMA weights, last evaluation step)\n\n");
        for (String g : List.of("dit-scratch", "dit-usp", "sit-scratch", "sit-usp")) {
            if (Files.exists(run.resolve(g).resolve("samples.png"))) {
                b.append("**").append(g).append("**\n\n![").append(g).append("](").append(g)
                        .append("/samples.png)\n\n");
            }
        }
        b.append("## Configuration\n\n```\n").append(dev.usp4j.tensor.io.Json.write(preset.toMap())).append("\n```\n");
        Path tmp = run.resolve("report.md.tmp");
        Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
        Path report = run.resolve("report.md");
        Files.move(tmp, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return report;
    }

    private static String summary(Map<String, Object> res) {
        StringBuilder s = new StringBuilder();
        res.forEach((k, v) -> {
            if (!k.equals("seconds") && !k.equals("evals")) {
                s.append(s.isEmpty() ? "" : ", ").append(k).append(' ').append(v instanceof Double d
                        ? String.format(Locale.ROOT, "%.4g", d) : v);
            }
        });
        return s.toString();
    }

    private static Double lastFid(Map<String, Object> res) {
        if (res == null || !(res.get("evals") instanceof List<?> evals) || evals.isEmpty()) {
            return null;
        }
        return ((Number) ((Map<?, ?>) evals.getLast()).get("fid")).doubleValue();
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
