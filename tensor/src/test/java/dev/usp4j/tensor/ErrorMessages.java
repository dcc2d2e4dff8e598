package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** Assertions for the rule that every bad input fails with a message naming the op, the shapes and the limit. */
public final class ErrorMessages {
    private ErrorMessages() {
    }

    /** The call throws {@code type} whose message contains every one of {@code parts}. */
    public static <T extends Throwable> T assertFails(Class<T> type, Executable call, String... parts) {
        T e = assertThrows(type, call);
        for (String p : parts) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(p),
                    "message '" + e.getMessage() + "' should mention '" + p + "'");
        }
        return e;
    }

    /** The call throws an IllegalArgumentException whose message contains every one of {@code parts}. */
    public static IllegalArgumentException assertFails(Executable call, String... parts) {
        return assertFails(IllegalArgumentException.class, call, parts);
    }
}
