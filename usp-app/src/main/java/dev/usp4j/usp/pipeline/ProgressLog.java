package dev.usp4j.usp.pipeline;

import dev.usp4j.usp.Progress;
import java.io.PrintWriter;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the progress lines of a library's log callback (such as the latent cache's "encoded 640/6000 images" or the
 * feature classifier's "step 300/600, loss 0.41") into a {@link Progress} bar, and passes every other line through
 * unchanged. The pattern's groups 1 and 2 are the done and total counts; an optional group 3 is shown after the bar.
 * The bar's clock starts when this object is made, so the first part's time counts in the rate.
 */
final class ProgressLog implements Consumer<String>, AutoCloseable {
    private final String label;
    private final String unit;
    private final Pattern pattern;
    private final PrintWriter out;
    private final Consumer<String> other;
    private final long start = System.nanoTime();
    private Progress bar;

    ProgressLog(String label, String unit, Pattern pattern, PrintWriter out, Consumer<String> other) {
        this.label = label;
        this.unit = unit;
        this.pattern = pattern;
        this.out = out;
        this.other = other;
    }

    @Override
    public void accept(String line) {
        Matcher m = pattern.matcher(line);
        if (!m.find()) {
            other.accept(line);
            return;
        }
        long done = Long.parseLong(m.group(1));
        long total = Long.parseLong(m.group(2));
        if (bar == null) {
            bar = Progress.startedAt(label, total, 0, unit, out, start);
        }
        bar.update(done, m.groupCount() >= 3 && m.group(3) != null ? m.group(3) : "");
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
