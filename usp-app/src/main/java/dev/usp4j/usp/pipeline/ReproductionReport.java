package dev.usp4j.usp.pipeline;

import dev.usp4j.tensor.io.Json;
import dev.usp4j.usp.report.LineChart;
import dev.usp4j.usp.report.ReportDoc;
import dev.usp4j.usp.report.Series;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reproduction study's write-up, {@code REPRODUCTION.md}, with its files under {@code reproduction/} (for the
 * standard budget; {@code REPRODUCTION-LONG.md} and {@code reproduction-long/} for the long one, and so on): the
 * speedup table (USP's measure, per seed and summarised), FID at every checkpoint, the understanding table (linear
 * probe and fine-tune of the USP encoder, a random one and the pixel MAE; logistic regression on pixels), the
 * ablations (mask ratio, latent vs pixel, pretraining length), plots, the settings, the machine and the time, and a
 * statement of where the result agrees with the paper computed from the numbers. {@code reproduction/metrics.jsonl}
 * is a compact copy of the run's metrics (one line per series, losses thinned to at most
 * {@value #MAX_LOSS_POINTS} points) from which every plot can be redrawn.
 */
final class ReproductionReport {
    /** The paper's speedups on ImageNet 256 (usp-spec §6). */
    static final double PAPER_DIT = 11.7;
    static final double PAPER_SIT = 46.6;
    static final int MAX_LOSS_POINTS = 100;
    /** Looser targets, as multiples of the scratch run's final FID, for the early-training speedups. */
    static final double[] EARLY_TARGETS = {3.0, 2.0, 1.5, 1.2};

    private ReproductionReport() {
    }

    /**
     * The report's folder of plots and metrics, {@code reproduction} for the standard budget and
     * {@code reproduction-<budget>} for the others, so that publishing a long study beside the standard one (both
     * into {@code docs/}) replaces neither; the report is the folder's name in capitals plus {@code .md}.
     */
    static String folderName(ReproductionBudget budget) {
        return budget.name().equals("standard") ? "reproduction" : "reproduction-" + budget.name();
    }

    static String reportName(ReproductionBudget budget) {
        return folderName(budget).toUpperCase(Locale.ROOT) + ".md";
    }

    /** Writes the report of results {@code r} (stage → its results) and {@code sittings} (see {@link SittingLog}). */
    static Path write(Path run, ReproductionBudget budget, Map<String, Map<String, Object>> r,
                      List<Map<String, Object>> sittings) throws IOException {
        String folder = folderName(budget);
        Path files = Files.createDirectories(run.resolve(folder));
        double wall = 0;
        for (Map<String, Object> s : sittings) {
            wall += num(s, "active_seconds");
        }
        Map<String, Speedup.Summary> summaries = new LinkedHashMap<>();
        ReportDoc d = new ReportDoc("Reproducing USP at small scale (budget: " + budget.name() + ")");
        double total = 0;
        for (Map<String, Object> res : r.values()) {
            total += res == null ? 0 : ((Number) res.getOrDefault("seconds", 0)).doubleValue();
        }
        Preset p = budget.preset();
        d.paragraph(String.format(Locale.ROOT, "Written by `./usp experiment reproduce --budget %s` on %s. Machine (of the sitting that wrote it):"
                + " %s, %d hardware threads, Java %s. Time: %.1f min of stage work in all (each stage timed in the"
                + " sitting that finished it); the command ran %.1f min in %d sitting%s (listed under"
                + " Reproduce).", budget.name(), LocalDate.now(), SittingLog.cpuModel(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), total / 60, wall / 60,
                sittings.size(), sittings.size() == 1 ? "" : "s"));
        d.paragraph(String.format(Locale.ROOT, "Data: %s, %s training images for the VAE latents (%s), the test"
                + " split for evaluation. Models: MAE %s encoder pretrained %d steps (batch %d, mask ratio %.2f) on"
                + " the latents; DiT-%s and SiT-%s trained %d steps (batch %d, lr %.0e, EMA %.3f) from scratch and"
                + " from the USP encoder, %d seeds per arm. FID is computed in the features of a classifier trained"
                + " on the dataset (not Inception), %d EMA samples (guidance %.1f; DiT %s, SiT %s) against as many"
                + " test images.", p.dataset(), p.latentImages() == 0 ? "all" : String.valueOf(p.latentImages()),
                p.vae(), p.mae(), p.pretrainSteps(), p.pretrainBatch(), ReproductionBudget.MAIN_MASK_RATIO,
                p.ditSize(), p.ditSize(), p.genSteps(), p.genBatch(), p.genLr(), p.emaDecay(), budget.seeds(),
                p.fidSamples(), p.cfgScale(), p.ditSampler(), p.sitSampler()));

        d.heading(2, "1. Generation: how much sooner does a USP-initialised model reach the scratch model's FID?");
        d.paragraph("USP's measure: the steps the from-scratch run needs to reach its own final FID, divided by the"
                + " steps the USP-initialised run of the same seed needs to reach that FID (linear interpolation"
                + " between checkpoints; \"≥\" where the USP run was already there at its first checkpoint, so the"
                + " factor is a lower bound; \"not reached\" where it never got there).");
        List<List<String>> rows = new ArrayList<>();
        for (String model : List.of("dit", "sit")) {
            List<Speedup> pairs = new ArrayList<>();
            for (int seed = 1; seed <= budget.seeds(); seed++) {
                Curve s = Curve.of(r.get(Reproduction.generativeStage(model, false, seed)));
                Curve u = Curve.of(r.get(Reproduction.generativeStage(model, true, seed)));
                if (s == null || u == null) {
                    continue;
                }
                Speedup sp = Speedup.of(s.steps, s.fid, u.steps, u.fid);
                pairs.add(sp);
                rows.add(List.of(label(model), String.valueOf(seed), f2(sp.targetFid()), f2(u.fid[u.fid.length - 1]),
                        f1(sp.scratchSteps()), sp.reached() ? f1(sp.uspSteps()) : "not reached",
                        sp.reached() ? (sp.lowerBound() ? "≥ " : "") + f2(sp.factor()) + "×" : "< 1×"));
            }
            Speedup.Summary sum = Speedup.Summary.of(pairs);
            summaries.put(model, sum);
            if (!pairs.isEmpty()) {
                rows.add(List.of("**" + label(model) + "**", "all", "", "", "", "", String.format(Locale.ROOT,
                        "**%s×** (%s–%s; %d of %d pairs reached); paper %.1f×", f2(sum.mean()), f2(sum.min()),
                        f2(sum.max()), sum.reached(), sum.pairs(), model.equals("dit") ? PAPER_DIT : PAPER_SIT)));
            }
        }
        d.table(List.of("model", "seed", "scratch final FID", "USP final FID", "scratch steps to it",
                "USP steps to it", "speedup"), rows);
        d.paragraph("The same measure for looser targets (multiples of each seed's scratch final FID): whether the"
                + " USP initialisation helps early in training, where a small budget spends most of its steps. Mean"
                + " factor over the seeds where both runs got there:");
        List<List<String>> early = new ArrayList<>();
        for (String model : List.of("dit", "sit")) {
            List<String> row = new ArrayList<>(List.of(label(model)));
            for (double mult : EARLY_TARGETS) {
                List<Speedup> at = new ArrayList<>();
                for (int seed = 1; seed <= budget.seeds(); seed++) {
                    Curve s = Curve.of(r.get(Reproduction.generativeStage(model, false, seed)));
                    Curve u = Curve.of(r.get(Reproduction.generativeStage(model, true, seed)));
                    if (s != null && u != null) {
                        at.add(Speedup.to(mult * s.fid[s.fid.length - 1], s.steps, s.fid, u.steps, u.fid));
                    }
                }
                Speedup.Summary sum = Speedup.Summary.of(at);
                row.add(sum.reached() == 0 ? "—" : String.format(Locale.ROOT, "%s× (%s–%s)", f2(sum.mean()),
                        f2(sum.min()), f2(sum.max())));
            }
            early.add(row);
        }
        List<String> head = new ArrayList<>(List.of("model"));
        for (double mult : EARLY_TARGETS) {
            head.add(String.format(Locale.ROOT, "to %.1f× final FID", mult));
        }
        d.table(head, early);
        d.paragraph("FID (classifier features) at each checkpoint, the mean over seeds:");
        d.table(fidHeader(budget), fidRows(budget, r));
        for (String model : List.of("dit", "sit")) {
            String png = folder + "/fid_" + model + ".png";
            LineChart c = new LineChart(label(model) + ": FID (classifier features) vs training step", "training step",
                    "FID");
            for (int seed = 1; seed <= budget.seeds(); seed++) {
                for (boolean usp : new boolean[] {false, true}) {
                    Curve cv = Curve.of(r.get(Reproduction.generativeStage(model, usp, seed)));
                    if (cv != null) {
                        c.add(new Series((usp ? "USP" : "scratch") + " seed " + seed, toDouble(cv.steps), cv.fid));
                    }
                }
            }
            if (c.hasData()) {
                c.writePng(run.resolve(png));
                d.image(label(model) + " FID vs steps", png);
            }
        }

        d.heading(2, "2. Understanding: is the same encoder a good representation?");
        d.paragraph(String.format(Locale.ROOT, "Top-1 on the %s test split. Linear probe: frozen encoder, BatchNorm +"
                + " linear head on the class token, LARS, %d steps of batch %d (MAE's recipe). Fine-tune: the whole"
                + " encoder with an average-pooled head, AdamW with layer decay 0.75, label smoothing 0.1, drop path"
                + " 0.1, %d steps. The pixel MAE has the USP encoder's size and token count (patches as much larger"
                + " as the images are than the latents) and the same pretraining steps.", p.dataset(),
                p.probeSteps(), p.probeBatch(), budget.finetuneSteps()));
        d.table(List.of("encoder", "linear probe", "fine-tune"), List.of(
                List.of("USP (MAE on VAE latents)", top1(r, "probe-usp"), top1(r, "finetune-usp")),
                List.of("pixel-space MAE, same size and steps", top1(r, "probe-pixel"), top1(r, "finetune-pixel")),
                List.of("random initialisation", top1(r, "probe-random"), top1(r, "finetune-random")),
                List.of("logistic regression on raw pixels (floor)", top1(r, "logreg-pixels"), "—")));

        d.heading(2, "3. Ablations");
        if (budget.maskRatios().size() > 1) {
            List<List<String>> mask = new ArrayList<>();
            List<Double> mx = new ArrayList<>();
            List<Double> my = new ArrayList<>();
            for (double ratio : budget.maskRatios()) {
                String stage = Reproduction.maskStage(ratio);
                String probe = ratio == ReproductionBudget.MAIN_MASK_RATIO ? "probe-usp"
                        : "probe-" + stage.substring("pretrain-".length());
                mask.add(List.of(f2(ratio), f4(num(r.get(stage), "loss")), top1(r, probe)));
                double acc = num(r.get(probe), "top1");
                if (Double.isFinite(acc)) {
                    mx.add(ratio);
                    my.add(acc);
                }
            }
            d.paragraph("Mask ratio (pretraining on latents, same steps; the final loss is over a different number of"
                    + " masked patches, so only the probe compares across rows):");
            d.table(List.of("mask ratio", "final pretraining loss", "linear probe top-1"), mask);
            if (mx.size() > 1) {
                LineChart c = new LineChart("Linear-probe top-1 vs mask ratio", "mask ratio", "top-1");
                c.add(new Series("USP encoder", mx.stream().mapToDouble(Double::doubleValue).toArray(),
                        my.stream().mapToDouble(Double::doubleValue).toArray()));
                c.writePng(files.resolve("probe_vs_mask.png"));
                d.image("Linear-probe top-1 vs mask ratio", folder + "/probe_vs_mask.png");
            }
        } else {
            d.paragraph("This budget pretrains at the main mask ratio (" + f2(ReproductionBudget.MAIN_MASK_RATIO)
                    + ") only; the mask-ratio and pretraining-length ablations are the standard budget's"
                    + " (docs/REPRODUCTION.md).");
        }
        d.paragraph("Latent vs pixel input (same encoder size, tokens and steps):");
        d.table(List.of("input", "linear probe", "fine-tune"), List.of(
                List.of("VAE latents (USP)", top1(r, "probe-usp"), top1(r, "finetune-usp")),
                List.of("pixels (MAE)", top1(r, "probe-pixel"), top1(r, "finetune-pixel"))));
        if (!budget.pretrainLengths().isEmpty()) {
            List<List<String>> len = new ArrayList<>();
            for (long steps : budget.pretrainLengths()) {
                len.add(List.of(String.valueOf(steps), f4(num(r.get(Reproduction.lengthStage(steps)), "loss")),
                        top1(r, "probe-steps" + steps)));
            }
            len.add(List.of(p.pretrainSteps() + " (main)", f4(num(r.get("pretrain"), "loss")), top1(r, "probe-usp")));
            d.paragraph("Pretraining length (each a full run with its own schedule):");
            d.table(List.of("pretraining steps", "final pretraining loss", "linear probe top-1"), len);
        }

        d.heading(2, "4. Agreement with the paper");
        d.bullets(statements(summaries, r));

        d.heading(2, "Reproduce");
        d.paragraph("`./usp experiment reproduce --budget " + budget.name() + " --out runs/reproduce-"
                + budget.name() + "` (re-running it continues an interrupted study; finished stages are skipped;"
                + " `./usp experiment carry --run runs/reproduce-" + budget.name() + " --to DIR` and `--from DIR`"
                + " carry a stopped study to another machine)."
                + " The settings, as `--budget " + budget.name() + "` defines them:");
        List<List<String>> cfg = new ArrayList<>();
        budget.toMap().forEach((k, v) -> cfg.add(List.of(k, String.valueOf(v))));
        d.table(List.of("setting", "value"), cfg);
        List<List<String>> times = new ArrayList<>();
        r.forEach((stage, res) -> times.add(List.of(stage, res == null ? "—" : f1(num(res, "seconds")))));
        d.paragraph("Seconds per stage (0 or missing for stages skipped as done in an earlier sitting of this run):");
        d.table(List.of("stage", "seconds"), times);
        List<List<String>> sat = new ArrayList<>();
        for (int i = 0; i < sittings.size(); i++) {
            Map<String, Object> s = sittings.get(i);
            sat.add(List.of(String.valueOf(i + 1), String.valueOf(s.get("started")),
                    String.format(Locale.ROOT, "%.1f", num(s, "active_seconds") / 60),
                    Boolean.TRUE.equals(s.get("finished")) ? "yes" : "no",
                    String.valueOf(s.getOrDefault("machine", "—"))));
        }
        d.paragraph("Sittings of the command (`sittings.json`: minutes it ran, stopped or suspended time not counted;"
                + " a sitting that was killed is counted to its last 30-second tick):");
        d.table(List.of("sitting", "started (UTC)", "minutes", "finished the study", "machine"), sat);
        Files.writeString(files.resolve("sittings.json"), Json.write(Map.of("sittings", sittings)) + "\n");
        writeCompactMetrics(run, files.resolve("metrics.jsonl"));
        Files.writeString(files.resolve("budget.json"), Json.write(budget.toMap()) + "\n");
        return d.writeMarkdown(run.resolve(reportName(budget)));
    }

    private static List<String> statements(Map<String, Speedup.Summary> s, Map<String, Map<String, Object>> r) {
        List<String> out = new ArrayList<>();
        for (var e : s.entrySet()) {
            Speedup.Summary sum = e.getValue();
            double paper = e.getKey().equals("dit") ? PAPER_DIT : PAPER_SIT;
            if (sum.pairs() == 0) {
                continue;
            }
            String model = label(e.getKey());
            if (sum.reached() == 0) {
                out.add(model + ": **disagrees** — no USP-initialised run reached its scratch twin's final FID within"
                        + " the budget (the paper reports " + paper + "×).");
            } else if (sum.reached() == sum.pairs() && sum.min() > 1) {
                out.add(String.format(Locale.ROOT, "%s: **agrees in direction** — every seed's USP run reached the"
                        + " scratch model's final FID sooner, %.2f× on average (%.2f–%.2f×), against the paper's"
                        + " %.1f× at ImageNet scale.", model, sum.mean(), sum.min(), sum.max(), paper));
            } else {
                out.add(String.format(Locale.ROOT, "%s: **mixed** — %d of %d seeds reached the scratch model's final"
                        + " FID; where they did, %.2f× on average (%.2f–%.2f×); the paper reports %.1f×.", model,
                        sum.reached(), sum.pairs(), sum.mean(), sum.min(), sum.max(), paper));
            }
        }
        double usp = num(r.get("probe-usp"), "top1");
        double pix = num(r.get("probe-pixel"), "top1");
        double rnd = num(r.get("probe-random"), "top1");
        double uspFt = num(r.get("finetune-usp"), "top1");
        double pixFt = num(r.get("finetune-pixel"), "top1");
        if (Double.isFinite(usp) && Double.isFinite(pix)) {
            out.add(String.format(Locale.ROOT, "Understanding: linear probe USP %.4f vs pixel MAE %.4f (random"
                    + " encoder %.4f), fine-tune USP %.4f vs pixel MAE %.4f. The paper claims \"comparable"
                    + " performance in understanding tasks\" without publishing its probe numbers (usp-spec §6.5);"
                    + " here the latent-space encoder probes %s the pixel-space one and the random encoder %s.", usp,
                    pix, rnd, uspFt, pixFt, usp >= pix ? "**at or above**" : "**below**",
                    usp > rnd ? "is beaten" : "**is not beaten**"));
        }
        out.add("Ablations: the paper does not publish its mask-ratio, latent-vs-pixel or length ablations"
                + " (usp-spec §6.6); MAE (He et al.) found 75% masking best for linear probing, and longer"
                + " pretraining better. Section 3 gives this scale's answer to each.");
        out.add("As in the paper, the pretraining compute is not counted in the speedup: here the main USP"
                + " pretraining took " + f1(num(r.get("pretrain"), "seconds")) + " s, one generative run "
                + f1(num(r.get(Reproduction.generativeStage("dit", false, 1)), "seconds")) + " s (with its"
                + " evaluations).");
        out.add("Scale: the paper trains ViT-B/L and DiT/SiT-XL for hundreds of thousands of steps on ImageNet at"
                + " 256×256 (32×32×4 latents, 256 tokens) and measures Inception FID on 50,000 samples; here the"
                + " models are a few hundred thousand parameters on 8×8×4 Fashion-MNIST latents (16 tokens), trained"
                + " for minutes, with FID in a small classifier's features on a few hundred samples. Early in"
                + " training the initialisation matters most, and a short budget is mostly early training, so the"
                + " factor here is not comparable in size with the paper's; its sign, and how it moves with the"
                + " budget, is what this study can speak to.");
        return out;
    }

    /** The FID of every arm at every checkpoint, averaged over the seeds that have it. */
    private static List<String> fidHeader(ReproductionBudget b) {
        return List.of("step", "DiT scratch", "DiT USP", "SiT scratch", "SiT USP");
    }

    private static List<List<String>> fidRows(ReproductionBudget b, Map<String, Map<String, Object>> r) {
        List<List<String>> rows = new ArrayList<>();
        for (long step : b.preset().evalSteps()) {
            List<String> row = new ArrayList<>(List.of(String.valueOf(step)));
            for (String model : List.of("dit", "sit")) {
                for (boolean usp : new boolean[] {false, true}) {
                    double sum = 0;
                    int n = 0;
                    for (int seed = 1; seed <= b.seeds(); seed++) {
                        Curve c = Curve.of(r.get(Reproduction.generativeStage(model, usp, seed)));
                        double v = c == null ? Double.NaN : c.at(step);
                        if (Double.isFinite(v)) {
                            sum += v;
                            n++;
                        }
                    }
                    row.add(n == 0 ? "—" : f2(sum / n));
                }
            }
            rows.add(row);
        }
        return rows;
    }

    /** One generative stage's evaluated checkpoints. */
    private record Curve(long[] steps, double[] fid) {
        static Curve of(Map<String, Object> res) {
            if (res == null || !(res.get("evals") instanceof List<?> evals) || evals.isEmpty()) {
                return null;
            }
            TreeMap<Long, Double> pts = new TreeMap<>();
            for (Object e : evals) {
                Map<?, ?> m = (Map<?, ?>) e;
                pts.put(((Number) m.get("step")).longValue(), ((Number) m.get("fid")).doubleValue());
            }
            long[] s = pts.keySet().stream().mapToLong(Long::longValue).toArray();
            double[] f = pts.values().stream().mapToDouble(Double::doubleValue).toArray();
            return new Curve(s, f);
        }

        double at(long step) {
            for (int i = 0; i < steps.length; i++) {
                if (steps[i] == step) {
                    return fid[i];
                }
            }
            return Double.NaN;
        }
    }

    /**
     * Writes {@code metrics.jsonl} of the run as one line per (stage, name) series — steps and values as arrays,
     * six significant digits, loss series thinned to at most {@value #MAX_LOSS_POINTS} evenly spaced points (the
     * last kept) — atomically.
     */
    static void writeCompactMetrics(Path run, Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        for (var stage : MetricsLog.read(run).entrySet()) {
            for (var series : stage.getValue().entrySet()) {
                List<Long> steps = new ArrayList<>(series.getValue().keySet());
                int every = series.getKey().equals("loss") ? Math.max(1, (steps.size() + MAX_LOSS_POINTS - 1)
                        / MAX_LOSS_POINTS) : 1;
                List<Long> xs = new ArrayList<>();
                List<Object> ys = new ArrayList<>();
                for (int i = 0; i < steps.size(); i++) {
                    if (i % every == 0 || i == steps.size() - 1) {
                        double v = series.getValue().get(steps.get(i));
                        xs.add(steps.get(i));
                        ys.add(Double.isFinite(v) ? Double.parseDouble(String.format(Locale.ROOT, "%.6g", v)) : null);
                    }
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("stage", stage.getKey());
                line.put("name", series.getKey());
                line.put("steps", xs);
                line.put("values", ys);
                b.append(Json.write(line)).append('\n');
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String label(String model) {
        return model.equals("dit") ? "DiT" : "SiT";
    }

    private static String top1(Map<String, Map<String, Object>> r, String stage) {
        double v = num(r.get(stage), "top1");
        return Double.isFinite(v) ? f4(v) : "—";
    }

    private static double num(Map<String, Object> res, String key) {
        return res != null && res.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static double[] toDouble(long[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static String f1(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f", v) : "—";
    }

    private static String f2(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "—";
    }

    private static String f4(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "—";
    }
}
