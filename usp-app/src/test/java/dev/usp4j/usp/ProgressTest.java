package dev.usp4j.usp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bar's arithmetic and format on a fake clock, the plain (non-terminal) throttling and the terminal redraw. */
class ProgressTest {
    private final StringWriter text = new StringWriter();
    private final PrintWriter out = new PrintWriter(text);
    private long now;

    private Progress bar(long total, long initial, boolean terminal) {
        return Progress.withClock("train", total, initial, "it", out, terminal, () -> now);
    }

    private static long sec(double s) {
        return Math.round(s * 1e9);
    }

    @Test
    void percentRateAndEta() {
        Progress p = bar(400, 0, false);
        assertEquals("train    0%|          | 0/400 [00:00<?, ? it/s]", p.line(now));
        now = sec(31.1);
        p.update(168, "loss 0.812");
        // 168 steps in 31.1 s: 5.40 it/s; 232 left: 42.9 s → 00:43; 42% = 4.2 cells → 4 full and one eighth
        assertEquals("train   42%|████▏     | 168/400 [00:31<00:43, 5.40 it/s] loss 0.812", p.line(now));
    }

    @Test
    void slowLoopsShowSecondsPerStepAndLongEtasShowHours() {
        Progress p = bar(10_000, 0, false);
        now = sec(5);
        p.update(2);
        // 2.5 s/it, 9998 left → 24995 s = 6:56:35
        assertEquals("train    0%|          | 2/10000 [00:05<6:56:35, 2.50 s/it]", p.line(now));
    }

    @Test
    void resumedRunCountsOnlyNewSteps() {
        Progress p = bar(100, 60, false);
        assertTrue(p.line(now).contains("60/100 [00:00<?, ? it/s]"), p.line(now));
        now = sec(10);
        p.update(80);
        // 20 new steps in 10 s: 2 it/s, 20 left: 10 s
        assertTrue(p.line(now).contains("80/100 [00:10<00:10, 2.00 it/s]"), p.line(now));
    }

    @Test
    void clockFormats() {
        assertEquals("00:00", Progress.clock(0));
        assertEquals("01:05", Progress.clock(65));
        assertEquals("59:59", Progress.clock(3599));
        assertEquals("1:00:00", Progress.clock(3600));
        assertEquals("12:03:04", Progress.clock(12 * 3600 + 184));
        assertEquals("?", Progress.clock(Double.NaN));
    }

    @Test
    void plainOutputPrintsEachTenthAndTheEndOnly() {
        try (Progress p = bar(400, 0, false)) {
            for (int i = 1; i <= 400; i++) {
                now += sec(0.1);
                p.update(i, "loss " + i);
            }
        }
        List<String> lines = text.toString().lines().toList();
        assertEquals(10, lines.size(), text.toString());
        assertTrue(lines.get(0).startsWith("train   10%|█         | 40/400"), lines.get(0));
        assertTrue(lines.get(9).startsWith("train  100%|██████████| 400/400 [00:40<00:00, 10.00 it/s] loss 400"),
                lines.get(9));
        assertTrue(text.toString().indexOf('\r') < 0);
    }

    @Test
    void plainOutputOfAStoppedRunEndsWithItsLastState() {
        Progress p = bar(100, 0, false);
        now = sec(1);
        p.update(15);
        p.update(17);
        p.close();
        p.close();
        List<String> lines = text.toString().lines().toList();
        assertEquals(2, lines.size(), text.toString());
        assertTrue(lines.get(1).contains(" 17/100 "), lines.get(1));
    }

    @Test
    void terminalRedrawsOneLineAtMostEveryTenthOfASecond() {
        try (Progress p = bar(100, 0, true)) {
            for (int i = 1; i <= 100; i++) {
                now += sec(0.01);
                p.update(i);
            }
        }
        String s = text.toString();
        long redraws = s.chars().filter(c -> c == '\r').count();
        assertTrue(redraws >= 10 && redraws <= 12, redraws + " redraws");
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "one line, ended once");
        assertTrue(s.endsWith("100/100 [00:01<00:00, 100.00 it/s]" + System.lineSeparator()), s);
    }

    @Test
    void badSizesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> bar(-1, 0, false));
        assertTrue(e.getMessage().contains("train") && e.getMessage().contains("-1"), e.getMessage());
    }
}
