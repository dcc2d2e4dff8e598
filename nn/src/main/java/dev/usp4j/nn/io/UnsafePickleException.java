package dev.usp4j.nn.io;

import java.io.IOException;

/**
 * Thrown when a pickle names a global outside the allow-list of {@link PtFile} (such as {@code os.system} or
 * {@code builtins.eval}) or uses an opcode that could reach one (the extension registry). The refusal happens when
 * the name is read, before anything it names could be called; nothing in usp4j's unpickler ever calls Python code.
 */
public final class UnsafePickleException extends IOException {
    private final String global;

    public UnsafePickleException(String message, String global) {
        super(message);
        this.global = global;
    }

    /** The refused global as {@code module.name}. */
    public String global() {
        return global;
    }
}
