package dev.usp4j.usp.pipeline;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunLock}: a second sitting on a folder in use is refused with the folder and the holder's process id, and
 * the folder is free again once the first lets go.
 */
class RunLockTest {
    @TempDir
    Path dir;

    @Test
    void oneSittingAtATime() throws IOException {
        Path run = dir.resolve("run");
        try (RunLock first = RunLock.acquire(run)) {
            IOException e = assertThrows(IOException.class, () -> RunLock.acquire(run));
            assertTrue(e.getMessage().contains(run.toString()) && e.getMessage().contains("in use by another run")
                    && e.getMessage().contains("process " + ProcessHandle.current().pid()), e.getMessage());
        }
        RunLock.acquire(run).close();
    }
}
