package dev.usp4j.diffusion.transport;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Looks up the transport's option enums by the names SiT's command line uses, case-insensitively. */
final class Labels {
    private Labels() {
    }

    /**
     * The constant of {@code values} whose label equals {@code name} ignoring case; otherwise an error naming
     * {@code what} ("ODE method"), the name and every valid label.
     */
    static <E extends Enum<E>> E parse(E[] values, Function<E, String> label, String name, String what) {
        for (E v : values) {
            if (label.apply(v).equalsIgnoreCase(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException(values[0].getDeclaringClass().getSimpleName() + ": unknown " + what + " '"
                + name + "', expected one of " + Arrays.stream(values).map(label).collect(Collectors.joining(", ")));
    }
}
