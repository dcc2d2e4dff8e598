package dev.usp4j.usp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Test helper: runs {@code ./usp ARGS} in-process and returns what it printed, failing the test (with its error output) on a non-zero status. */
public final class UspCli {
    private UspCli() {
    }

    public static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, status, err.toString());
        return out.toString();
    }
}
