package dev.usp4j.usp.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SittingLog}: each sitting's running time is counted tick by tick and kept across sittings; a long gap
 * (the process stopped) counts as two ticks only; a killed sitting keeps its time up to the last tick; a damaged file
 * is refused by name.
 */
class SittingLogTest {
    private static final long S = 1_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void countsRunningTimeAcrossSittings() throws IOException {
        AtomicLong now = new AtomicLong(5 * S);
        try (SittingLog log = new SittingLog(dir, now::get, false)) {
            now.addAndGet(30 * S);
            log.tick();
            now.addAndGet(3600 * S); // SIGSTOPped for an hour: counts as two ticks
            log.tick();
            now.addAndGet(10 * S);
            log.tick();
            assertEquals(30 + 2 * SittingLog.TICK_SECONDS + 10, log.totalSeconds(), 1e-9);
        }
        // a second sitting, killed after 45 s: only what its ticks saw is on disk
        SittingLog killed = new SittingLog(dir, now::get, false);
        now.addAndGet(45 * S);
        killed.tick();
        now.addAndGet(20 * S); // never ticked: lost with the process

        try (SittingLog third = new SittingLog(dir, now::get, false)) {
            now.addAndGet(7 * S);
            third.finished();
            List<Map<String, Object>> s = third.sittings();
            assertEquals(3, s.size());
            assertEquals(100.0, ((Number) s.get(0).get("active_seconds")).doubleValue(), 1e-9);
            assertEquals(45.0, ((Number) s.get(1).get("active_seconds")).doubleValue(), 1e-9);
            assertEquals(false, s.get(1).get("finished"));
            assertEquals(true, s.get(2).get("finished"));
            assertEquals(152, third.totalSeconds(), 1e-9);
            String machine = String.valueOf(s.get(2).get("machine"));
            assertTrue(machine.matches(".+, " + Runtime.getRuntime().availableProcessors()
                    + " hardware threads, (128|256|512)-bit vectors"), "each sitting names its machine: " + machine);
        }
        List<?> onDisk = (List<?>) Json.parseObject(Files.readString(dir.resolve("sittings.json"))).get("sittings");
        assertEquals(3, onDisk.size());
    }

    @Test
    void refusesADamagedFile() throws IOException {
        Files.writeString(dir.resolve("sittings.json"), "{\"sittings\": 3}");
        IOException e = assertThrows(IOException.class, () -> new SittingLog(dir, System::nanoTime, false));
        assertTrue(e.getMessage().contains("sittings.json") && e.getMessage().contains("\"sittings\" list"),
                e.getMessage());
    }
}
