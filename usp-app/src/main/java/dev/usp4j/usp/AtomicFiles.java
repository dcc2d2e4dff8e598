package dev.usp4j.usp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Text files written whole or not at all: the text goes to {@code <file>.tmp} beside the target, which is then
 * renamed over it, so a run killed mid-write leaves the previous file (and a stray .tmp the pipeline sweeps away),
 * never half a ledger entry, report or settings file.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes {@code text} (UTF-8) to {@code file} through a temp file and an atomic rename; returns {@code file}. */
    public static Path writeString(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        return Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
