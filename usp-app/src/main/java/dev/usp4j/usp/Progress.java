package dev.usp4j.usp;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A tqdm-like progress bar for the long loops of the CLI and the pipeline:
 * {@code label  42%|████▏     | 168/400 [00:31<00:43, 5.40 it/s] loss 0.812}. On a terminal it redraws one line
 * with a carriage return (at most every 100 ms); elsewhere (files, tests, CI) it prints a plain line each time another
 * tenth of the work is done and at the end, so logs stay short. Rate and ETA count only the steps done since the bar
 * was opened (a resumed run starts at {@code initial}); the clock is injectable so that the arithmetic can be tested.
 */
public final class Progress implements AutoCloseable {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR = 10;
    private static final String EIGHTHS = " ▏▎▍▌▋▊▉";

    private final String label;
    private final long total;
    private final long initial;
    private final String unit;
    private final PrintWriter out;
    private final boolean terminal;
    private final LongSupplier nanos;
    private final long start;
    private long done;
    private String postfix = "";
    private long lastDraw = Long.MIN_VALUE;
    private int lastWidth;
    private long nextTenth;
    private long lastPrinted = -1;
    private boolean finished;

    private Progress(String label, long total, long initial, String unit, PrintWriter out, boolean terminal,
                     LongSupplier nanos, long start) {
        if (total < 0 || initial < 0) {
            throw new IllegalArgumentException("Progress '" + label + "': total and initial must be >= 0, got total "
                    + total + ", initial " + initial);
        }
        this.label = label;
        this.total = total;
        this.initial = initial;
        this.unit = unit;
        this.out = out;
        this.terminal = terminal;
        this.nanos = nanos;
        this.start = start;
        this.done = initial;
        this.nextTenth = tenthAfter(initial);
    }

    /** A bar over {@code total} steps (iterations, "it"), starting from 0, on {@code out}. */
    public static Progress of(String label, long total, PrintWriter out) {
        return of(label, total, 0, "it", out);
    }

    /** A bar over {@code total} {@code unit}s of which {@code initial} were done before it opened (a resumed run). */
    public static Progress of(String label, long total, long initial, String unit, PrintWriter out) {
        return startedAt(label, total, initial, unit, out, System.nanoTime());
    }

    /**
     * A bar whose work began at {@code startNanos} ({@link System#nanoTime}), for work first heard of only after its
     * first part was done (a library reporting "n/N done" after each batch): rate and ETA then include that part.
     */
    public static Progress startedAt(String label, long total, long initial, String unit, PrintWriter out,
                                     long startNanos) {
        return new Progress(label, total, initial, unit, out, isTerminal(out), System::nanoTime, startNanos);
    }

    /** A bar with an explicit mode and clock (nanoseconds), for tests. */
    public static Progress withClock(String label, long total, long initial, String unit, PrintWriter out,
                                     boolean terminal, LongSupplier nanos) {
        return new Progress(label, total, initial, unit, out, terminal, nanos, nanos.getAsLong());
    }

    /** True when {@code out} writes to an interactive terminal (the console's own writer). */
    public static boolean isTerminal(PrintWriter out) {
        Console c = System.console();
        return c != null && c.isTerminal() && out == c.writer();
    }

    /** Sets the number of units done (absolute, e.g. the trainer's step) and shows it. */
    public synchronized void update(long doneSoFar) {
        update(doneSoFar, postfix);
    }

    /** Sets the number of units done and the text after the bar (e.g. {@code "loss 0.812"}), and shows them. */
    public synchronized void update(long doneSoFar, String text) {
        done = Math.max(0, doneSoFar);
        postfix = text == null ? "" : text;
        if (finished) {
            return;
        }
        boolean end = total > 0 && done >= total;
        long now = nanos.getAsLong();
        if (terminal) {
            if (end || lastDraw == Long.MIN_VALUE || now - lastDraw >= REDRAW_NANOS) {
                draw(now);
            }
        } else if (end || done >= nextTenth) {
            print(now);
            nextTenth = tenthAfter(done);
        }
        if (end) {
            finish(now);
        }
    }

    /** Adds {@code n} units. */
    public synchronized void advance(long n) {
        update(done + n, postfix);
    }

    /** Ends the bar: shows the last state (if not shown yet) and, on a terminal, ends the line. */
    @Override
    public synchronized void close() {
        if (!finished) {
            long now = nanos.getAsLong();
            if (terminal) {
                draw(now);
            } else if (lastPrinted != done) {
                print(now);
            }
            finish(now);
        }
    }

    private void finish(long now) {
        finished = true;
        if (terminal) {
            out.println();
            out.flush();
        }
    }

    private void draw(long now) {
        String line = line(now);
        int pad = Math.max(0, lastWidth - line.length());
        out.print("\r" + line + " ".repeat(pad));
        out.flush();
        lastWidth = line.length();
        lastDraw = now;
    }

    private void print(long now) {
        out.println(line(now));
        out.flush();
        lastPrinted = done;
    }

    private long tenthAfter(long d) {
        if (total <= 0) {
            return Long.MAX_VALUE;
        }
        long tenth = Math.min(10, d * 10 / total) + 1;
        return (tenth * total + 9) / 10;
    }

    /** The bar's text at time {@code now} (nanoseconds on this bar's clock). */
    synchronized String line(long now) {
        double elapsed = Math.max(0, (now - start) / 1e9);
        long steps = done - initial;
        double rate = steps > 0 && elapsed > 0 ? steps / elapsed : Double.NaN;
        StringBuilder b = new StringBuilder(label).append("  ");
        if (total > 0) {
            double frac = Math.min(1.0, (double) done / total);
            b.append(String.format(Locale.ROOT, "%3d%%|", (int) Math.floor(frac * 100))).append(bar(frac)).append('|');
        }
        b.append(' ').append(done);
        if (total > 0) {
            b.append('/').append(total);
        }
        String eta = total > 0 && !Double.isNaN(rate) ? clock(Math.max(0, total - done) / rate) : "?";
        b.append(" [").append(clock(elapsed)).append('<').append(eta).append(", ").append(rate(rate)).append(']');
        if (!postfix.isEmpty()) {
            b.append(' ').append(postfix);
        }
        return b.toString();
    }

    private String rate(double r) {
        if (Double.isNaN(r)) {
            return "? " + unit + "/s";
        }
        return r >= 1 || r == 0 ? String.format(Locale.ROOT, "%.2f %s/s", r, unit)
                : String.format(Locale.ROOT, "%.2f s/%s", 1 / r, unit);
    }

    /** The bar proper: {@value #BAR} cells, partial cells in eighths. */
    static String bar(double frac) {
        int eighths = (int) Math.floor(frac * BAR * 8);
        StringBuilder b = new StringBuilder();
        b.append("█".repeat(eighths / 8));
        if (eighths / 8 < BAR) {
            b.append(eighths % 8 == 0 ? ' ' : EIGHTHS.charAt(eighths % 8));
        }
        while (b.length() < BAR) {
            b.append(' ');
        }
        return b.toString();
    }

    /** {@code mm:ss} under an hour, {@code h:mm:ss} above. */
    public static String clock(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
