package dev.usp4j.usp.pipeline;

import dev.usp4j.tensor.io.Json;
import dev.usp4j.usp.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the pipeline has finished: one small JSON file per stage holding the hash of the stage's inputs (its settings
 * and the hashes of the stages it read from) and its results. A stage whose file holds the same hash is skipped and
 * its results are reused; a different hash (other settings, a re-run upstream stage) runs it again. Files are written
 * by temp-then-rename, so an interrupted run never leaves a stage marked done that was not. A stage that starts records
 * the hash it runs with ({@code <stage>.started}): a later run with the same hash resumes its outputs, one with
 * another hash first moves them (and the stage's ledger entry) to {@code earlier/<stage>-<hash>/}, so results of
 * other settings are never overwritten nor resumed under new ones.
 */
final class StageLedger {
    private final Path dir;

    StageLedger(Path runDir) throws IOException {
        this.dir = Files.createDirectories(runDir.resolve("stages"));
    }

    /** SHA-256 (hex) of the JSON of {@code inputs}. */
    static String hash(Map<String, ?> inputs) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(Json.write(inputs).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The results of {@code stage} if it finished with {@code hash}, else null. */
    @SuppressWarnings("unchecked")
    Map<String, Object> done(String stage, String hash) throws IOException {
        Path f = dir.resolve(stage + ".json");
        if (!Files.exists(f)) {
            return null;
        }
        Map<String, Object> m = Json.parseObject(Files.readString(f, StandardCharsets.UTF_8));
        return hash.equals(m.get("hash")) ? (Map<String, Object>) m.get("results") : null;
    }

    /** The hash {@code stage} last started with, or null when it never started (or started before markers). */
    String started(String stage) throws IOException {
        Path f = dir.resolve(stage + ".started");
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8).strip() : null;
    }

    void markStarted(String stage, String hash) throws IOException {
        AtomicFiles.writeString(dir.resolve(stage + ".started"), hash + "\n");
    }

    /**
     * Moves {@code outputs} (relative to the run folder) and the stage's ledger entry of the run with
     * {@code oldHash} to {@code earlier/<stage>-<hash prefix>/} (a fresh folder); copies {@code report.md} there too.
     * Returns that folder.
     */
    Path moveAside(String stage, String oldHash, java.util.List<Path> outputs) throws IOException {
        Path runDir = dir.getParent();
        String base = stage + "-" + oldHash.substring(0, Math.min(12, oldHash.length()));
        Path target = runDir.resolve("earlier").resolve(base);
        for (int i = 2; Files.exists(target); i++) {
            target = runDir.resolve("earlier").resolve(base + "-" + i);
        }
        Files.createDirectories(target);
        for (Path o : outputs) {
            if (Files.exists(runDir.resolve(o))) {
                Files.move(runDir.resolve(o), target.resolve(o.getFileName()));
            }
        }
        if (Files.exists(dir.resolve(stage + ".json"))) {
            Files.move(dir.resolve(stage + ".json"), target.resolve("stage.json"));
        }
        if (Files.exists(runDir.resolve("report.md"))) {
            Files.copy(runDir.resolve("report.md"), target.resolve("report.md"));
        }
        return target;
    }

    /**
     * Deletes the temp files a killed run left half-written under the run folder (writers go through a temp file and
     * a rename, so a *.tmp is never a finished result); the folder of moved-aside results is left alone.
     */
    void sweepTempFiles() throws IOException {
        Path runDir = dir.getParent();
        try (var files = Files.walk(runDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".tmp") && Files.isRegularFile(f)
                    && !runDir.relativize(f).startsWith("earlier")).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    void markDone(String stage, String hash, Map<String, ?> results) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hash", hash);
        m.put("results", results);
        AtomicFiles.writeString(dir.resolve(stage + ".json"), Json.write(m) + "\n");
    }
}
