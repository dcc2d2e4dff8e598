package dev.usp4j.usp.pipeline;

import dev.usp4j.tensor.io.Json;
import dev.usp4j.usp.report.ReportDoc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pipeline's report, as {@code report.md} and a self-contained {@code report.html} with the same content: the
 * stages with their results and timings, the FID (classifier features) and sample accuracy of DiT and SiT from
 * scratch and from USP at each evaluation step side by side, the linear probe of the USP encoder against a random
 * one, the loss / FID / accuracy plots, the sample grids and the preset as a table. It states the comparison as
 * measured, whichever way it came out.
 */
final class Report {
    private Report() {
    }

    /** Draws the plots from {@code metrics.jsonl}, then writes both reports; returns the Markdown one's path. */
    static Path write(Path run, Preset preset, Map<String, Map<String, Object>> r, double seconds)
            throws IOException {
        List<String> plots = Plots.write(run);
        ReportDoc doc = document(run, preset, r, seconds, plots);
        doc.writeHtml(run.resolve("report.html"));
        return doc.writeMarkdown(run.resolve("report.md"));
    }

    static ReportDoc document(Path run, Preset preset, Map<String, Map<String, Object>> r, double seconds,
                              List<String> plots) {
        ReportDoc d = new ReportDoc("USP pipeline — preset " + preset.name());
        d.paragraph(String.format(Locale.ROOT, "Dataset %s; total %.0f s (stages skipped as done earlier count 0).",
                preset.dataset(), seconds));
        d.heading(2, "Stages");
        List<List<String>> rows = new ArrayList<>();
        r.forEach((stage, res) -> rows.add(List.of(stage, String.format(Locale.ROOT, "%.1f",
                ((Number) res.getOrDefault("seconds", 0)).doubleValue()), summary(res))));
        d.table(List.of("stage", "seconds", "results"), rows);

        d.heading(2, "Generation: from scratch vs from USP at the same step count");
        d.paragraph("FID in the features of a classifier trained on the dataset (\"FID (classifier features)\", not"
                + " Inception FID); sample accuracy is that classifier's accuracy on class-conditional samples. "
                + String.format(Locale.ROOT, "Each evaluation draws %d samples (uniform labels) from the EMA model"
                + " with classifier-free guidance %.2f (DiT: %s, SiT: %s) and compares them with as many test"
                + " images.", preset.fidSamples(), preset.cfgScale(), preset.ditSampler(), preset.sitSampler()));
        List<List<String>> gen = new ArrayList<>();
        for (String g : Plots.GENERATIVE) {
            Map<String, Object> res = r.get(g);
            if (res != null && res.get("evals") instanceof List<?> evals) {
                for (Object e : evals) {
                    Map<?, ?> m = (Map<?, ?>) e;
                    gen.add(List.of(g, String.valueOf(m.get("step")), fmt(num(m.get("fid"))),
                            fmt(num(m.get("accuracy")))));
                }
            }
        }
        d.table(List.of("model", "step", "FID", "sample accuracy"), gen);
        List<String> verdicts = new ArrayList<>();
        for (String family : List.of("dit", "sit")) {
            Double scratch = lastFid(r.get(family + "-scratch"));
            Double usp = lastFid(r.get(family + "-usp"));
            if (scratch != null && usp != null) {
                double change = 100 * (scratch - usp) / scratch;
                verdicts.add(String.format(Locale.ROOT, "%s at the last step: FID %.4f from USP vs %.4f from scratch"
                        + " — %s.", family.equals("dit") ? "DiT" : "SiT", usp, scratch, usp < scratch
                        ? String.format(Locale.ROOT, "USP lower by %.1f%%", change)
                        : String.format(Locale.ROOT, "USP not lower in this run (%+.1f%%)", -change)));
            }
        }
        d.bullets(verdicts);

        Map<String, Object> probe = r.get("probe");
        if (probe != null) {
            d.heading(2, "Understanding: linear probe");
            d.table(List.of("encoder", "top-1"), List.of(List.of("USP-pretrained", fmt4(num(probe.get("usp_top1")))),
                    List.of("random init", fmt4(num(probe.get("random_top1"))))));
        }

        d.heading(2, "Plots");
        for (String p : plots) {
            d.image(caption(p), p);
        }
        d.heading(2, "Samples (EMA weights, last evaluation step)");
        for (String g : Plots.GENERATIVE) {
            if (Files.exists(run.resolve(g).resolve("samples.png"))) {
                d.image(g, g + "/samples.png");
            }
        }
        d.heading(2, "Configuration");
        List<List<String>> cfg = new ArrayList<>();
        preset.toMap().forEach((k, v) -> cfg.add(List.of(k, v instanceof String s ? s : Json.write(v))));
        d.table(List.of("setting", "value"), cfg);
        return d;
    }

    private static String caption(String plot) {
        return switch (plot) {
            case "plots/loss_vae.png" -> "VAE training loss";
            case "plots/loss_pretrain.png" -> "USP pretraining loss";
            case "plots/loss_generative.png" -> "DiT / SiT training loss, from scratch and from USP";
            case "plots/fid.png" -> "FID (classifier features) vs step";
            case "plots/sample_accuracy.png" -> "Sample accuracy vs step";
            default -> plot;
        };
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
        return num(((Map<?, ?>) evals.getLast()).get("fid"));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String fmt4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
