package dev.usp4j.usp.pipeline;

import dev.usp4j.tensor.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Appends every logged value as one JSON line ({@code metrics.jsonl}): stage, step, name, value and the time; and
 * reads the file back (for the plots), so that a run resumed after an interruption still plots every stage.
 */
final class MetricsLog {
    private final Path file;

    MetricsLog(Path runDir) {
        this.file = runDir.resolve("metrics.jsonl");
    }

    synchronized void log(String stage, long step, String name, double value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", stage);
        m.put("step", step);
        m.put("name", name);
        m.put("value", Double.isFinite(value) ? value : null);
        m.put("time", System.currentTimeMillis() / 1000.0);
        try {
            Files.writeString(file, Json.write(m) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every value in {@code runDir}'s {@code metrics.jsonl} as stage → name → step → value (null logged as NaN).
     * A step logged twice (a stage resumed from a checkpoint older than its last logged step) keeps the later value;
     * lines that do not parse (a write cut off by a kill) are skipped. Empty when the file does not exist.
     */
    static Map<String, Map<String, TreeMap<Long, Double>>> read(Path runDir) throws IOException {
        Map<String, Map<String, TreeMap<Long, Double>>> all = new LinkedHashMap<>();
        Path f = runDir.resolve("metrics.jsonl");
        if (!Files.exists(f)) {
            return all;
        }
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            Map<String, Object> m;
            try {
                m = Json.parseObject(line);
            } catch (RuntimeException e) {
                continue;
            }
            if (m.get("stage") instanceof String stage && m.get("name") instanceof String name
                    && m.get("step") instanceof Number step) {
                double v = m.get("value") instanceof Number n ? n.doubleValue() : Double.NaN;
                all.computeIfAbsent(stage, k -> new LinkedHashMap<>()).computeIfAbsent(name, k -> new TreeMap<>())
                        .put(step.longValue(), v);
            }
        }
        return all;
    }
}
