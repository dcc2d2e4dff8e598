package dev.usp4j.tensor;

import java.util.Locale;

/**
 * Formats an array as PyTorch prints it ({@code tensor([[1.0000, 2.0000], ...], dtype=...)}), eliding the middle
 * of dims longer than six so that printing a large array stays cheap.
 */
final class Printer {
    private static final int EDGE = 3;

    private Printer() {
    }

    static String format(NDArray a) {
        StringBuilder sb = new StringBuilder("tensor(");
        NDArray host = a.to(Device.CPU);
        element(sb, host, 7);
        if (a.dtype() != DType.F32) {
            sb.append(", dtype=").append(a.dtype().torchName());
        }
        if (!a.device().equals(Device.CPU)) {
            sb.append(", device='").append(a.device()).append('\'');
        }
        if (a.numel() == 0) {
            sb.append(", size=").append(Shape.str(a.shape()));
        }
        return sb.append(')').toString();
    }

    private static void element(StringBuilder sb, NDArray a, int indent) {
        if (a.rank() == 0) {
            sb.append(value(a));
            return;
        }
        int n = a.size(0);
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (n > 2 * EDGE && i == EDGE) {
                sb.append("...");
                sb.append(a.rank() > 1 ? ",\n" + " ".repeat(indent + 1) : ", ");
                i = n - EDGE - 1;
                continue;
            }
            element(sb, a.select(0, i), indent + 1);
            if (i < n - 1) {
                sb.append(a.rank() > 1 ? ",\n" + " ".repeat(indent + 1) : ", ");
            }
        }
        sb.append(']');
    }

    private static String value(NDArray scalar) {
        return switch (scalar.dtype()) {
            case BOOL -> scalar.toBooleanArray()[0] ? "True" : "False";
            case I32, I64 -> Long.toString(scalar.toLongArray()[0]);
            default -> String.format(Locale.ROOT, "%.4f", scalar.toFloatArray()[0]);
        };
    }
}
