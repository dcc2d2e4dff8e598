package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Results must not change when the JIT compiles a kernel: runs {@link WarmupDeterminismProbe} in a fresh JVM
 * (so the first calls really are interpreted) and requires every op to give the same bits from its first call to
 * its 400th. A reduceLanes in the small GEMM's dot product once broke resumed training runs this way.
 */
class WarmupDeterminismTest {

    @Test
    void kernelsGiveTheSameBitsBeforeAndAfterCompilation() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), WarmupDeterminismProbe.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), "probe failed: " + lines);
        long stable = lines.stream().filter(l -> l.startsWith("STABLE")).count();
        List<String> changed = lines.stream().filter(l -> l.startsWith("CHANGED")).toList();
        assertTrue(changed.isEmpty(), "results changed after JIT compilation: " + changed);
        assertEquals(15, stable, "every probed op reports: " + lines);
    }
}
