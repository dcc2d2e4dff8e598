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

/** Appends every logged value as one JSON line ({@code metrics.jsonl}): stage, step, name, value and the time. */
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
}
