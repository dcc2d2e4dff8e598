package dev.usp4j.usp.pipeline;

import dev.usp4j.usp.report.LineChart;
import dev.usp4j.usp.report.Series;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pipeline's charts, drawn from {@code metrics.jsonl} (so a resumed run plots its earlier stages too) into
 * {@code plots/}: the VAE, pretraining and generative training losses (log y, smoothed by an exponential moving
 * average whose weight the title states), and the FID and sample accuracy of the four generative runs against the
 * training step. Returns the written files relative to the run folder, in report order.
 */
final class Plots {
    static final List<String> GENERATIVE = List.of("dit-scratch", "dit-usp", "sit-scratch", "sit-usp");

    private Plots() {
    }

    static List<String> write(Path run) throws IOException {
        Map<String, Map<String, TreeMap<Long, Double>>> m = MetricsLog.read(run);
        List<String> files = new ArrayList<>();
        files.add(loss(run, m, "loss_vae", "VAE training loss (L1 + KL)", List.of("vae")));
        files.add(loss(run, m, "loss_pretrain", "USP pretraining loss (masked latent MSE)", List.of("pretrain")));
        files.add(loss(run, m, "loss_generative", "Generative training loss", GENERATIVE));
        files.add(curve(run, m, "fid", "FID (classifier features) vs training step", "FID", false));
        files.add(curve(run, m, "sample_accuracy", "Sample accuracy vs training step", "classifier accuracy",
                false));
        return files;
    }

    /** A loss chart: each stage's "loss" series, smoothed; the weight grows with the number of points. */
    private static String loss(Path run, Map<String, Map<String, TreeMap<Long, Double>>> m, String file, String title,
                               List<String> stages) throws IOException {
        int most = stages.stream().mapToInt(s -> points(m, s, "loss").size()).max().orElse(0);
        double weight = smoothing(most);
        LineChart c = new LineChart(weight > 0 ? String.format(Locale.ROOT, "%s — EMA-smoothed, weight %.2f", title,
                weight) : title, "step", "loss").logY(true);
        for (String s : stages) {
            c.add(series(s, points(m, s, "loss")).ema(weight));
        }
        return save(run, c, file);
    }

    /** EMA weight for {@code n} points: none for a handful, up to 0.9 for hundreds (about n/10 points of memory). */
    static double smoothing(int n) {
        if (n < 10) {
            return 0;
        }
        return Math.min(0.9, Math.round((1 - 10.0 / n) * 100) / 100.0);
    }

    private static String curve(Path run, Map<String, Map<String, TreeMap<Long, Double>>> m, String name,
                                String title, String yLabel, boolean logY) throws IOException {
        LineChart c = new LineChart(title, "training step", yLabel).logY(logY);
        for (String g : GENERATIVE) {
            c.add(series(g, points(m, g, name)));
        }
        return save(run, c, name);
    }

    private static TreeMap<Long, Double> points(Map<String, Map<String, TreeMap<Long, Double>>> m, String stage,
                                                String name) {
        return m.getOrDefault(stage, Map.of()).getOrDefault(name, new TreeMap<>());
    }

    private static Series series(String name, TreeMap<Long, Double> pts) {
        double[] x = new double[pts.size()];
        double[] y = new double[pts.size()];
        int i = 0;
        for (var e : pts.entrySet()) {
            x[i] = e.getKey();
            y[i++] = e.getValue();
        }
        return new Series(name, x, y);
    }

    private static String save(Path run, LineChart c, String name) throws IOException {
        String rel = "plots/" + name + ".png";
        c.writePng(run.resolve(rel));
        return rel;
    }
}
