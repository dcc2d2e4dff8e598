package dev.usp4j.usp.pipeline;

import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.cpu.KernelPath;
import dev.usp4j.usp.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The sittings of a run that is carried over several sessions ({@code ./usp experiment reproduce --budget long}):
 * {@code sittings.json} in the run folder lists each start of the command with its start time, the seconds it was
 * running and whether it finished the study, so the report can give the study's total time even though every
 * sitting after the first skips or resumes what earlier ones did. A background tick rewrites the file (temp, then
 * rename) every {@link #TICK_SECONDS} seconds, so a sitting that is killed is counted up to its last tick; a gap
 * between ticks longer than two ticks (the process was stopped or the machine suspended) counts as two ticks, so
 * time spent paused is not counted as work.
 */
final class SittingLog implements AutoCloseable {
    static final long TICK_SECONDS = 30;
    private static final long MAX_GAP_NANOS = 2 * TICK_SECONDS * 1_000_000_000L;

    private final Path file;
    private final LongSupplier clock;
    private final List<Map<String, Object>> sittings;
    private final Map<String, Object> current = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker;
    private long lastTick;
    private double active;

    /**
     * Opens {@code runDir/sittings.json} (or starts it) and appends this sitting, timed by {@code clock} (nanoseconds,
     * as {@link System#nanoTime}); with {@code background} a daemon thread ticks it every {@link #TICK_SECONDS} s.
     */
    @SuppressWarnings("unchecked")
    SittingLog(Path runDir, LongSupplier clock, boolean background) throws IOException {
        this.clock = clock;
        this.file = runDir.resolve("sittings.json");
        List<Map<String, Object>> earlier = new ArrayList<>();
        if (Files.exists(file)) {
            Object list = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8)).get("sittings");
            if (!(list instanceof List<?> l)) {
                throw new IOException(file + ": expected an object with a \"sittings\" list");
            }
            for (Object o : l) {
                earlier.add(new LinkedHashMap<>((Map<String, Object>) o));
            }
        }
        this.sittings = earlier;
        current.put("started", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        current.put("active_seconds", 0.0);
        current.put("finished", false);
        current.put("machine", machine());
        sittings.add(current);
        lastTick = clock.getAsLong();
        write();
        if (background) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sitting-log");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(() -> {
                try {
                    tick();
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // stops the ticks; the last written state stays
                }
            }, TICK_SECONDS, TICK_SECONDS, TimeUnit.SECONDS);
        } else {
            ticker = null;
        }
    }

    /** Counts the time since the last tick (at most two ticks' worth) and rewrites the file. */
    synchronized void tick() throws IOException {
        long now = clock.getAsLong();
        active += Math.min(Math.max(0, now - lastTick), MAX_GAP_NANOS) / 1e9;
        lastTick = now;
        current.put("active_seconds", Math.round(active * 10) / 10.0);
        write();
    }

    /** Marks this sitting as the one that finished the study (with a last tick). */
    synchronized void finished() throws IOException {
        current.put("finished", true);
        tick();
    }

    /** Every sitting so far, this one last (copies). */
    synchronized List<Map<String, Object>> sittings() {
        List<Map<String, Object>> copy = new ArrayList<>();
        for (Map<String, Object> s : sittings) {
            copy.add(new LinkedHashMap<>(s));
        }
        return copy;
    }

    /** The seconds of all sittings together. */
    synchronized double totalSeconds() {
        double t = 0;
        for (Map<String, Object> s : sittings) {
            t += ((Number) s.getOrDefault("active_seconds", 0)).doubleValue();
        }
        return t;
    }

    /**
     * This machine as a sitting's row gives it (a carried study's sittings may run on different machines, and the
     * vector width sets the CPU kernels' speed): CPU model, hardware threads and the float vector width.
     */
    static String machine() {
        return cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " hardware threads, "
                + KernelPath.F.vectorBitSize() + "-bit vectors";
    }

    /** The CPU model from /proc/cpuinfo with the architecture, or the architecture alone elsewhere. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim() + " (" + System.getProperty("os.arch") + ")";
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through to the architecture alone
        }
        return System.getProperty("os.arch");
    }

    private void write() throws IOException {
        AtomicFiles.writeString(file, Json.write(Map.of("sittings", sittings)) + "\n");
    }

    /** Stops the ticks after a last one, so the file holds this sitting's full time. */
    @Override
    public void close() throws IOException {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        tick();
    }
}
