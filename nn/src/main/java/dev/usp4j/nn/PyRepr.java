package dev.usp4j.nn;

import java.math.BigDecimal;

/**
 * Python's {@code repr} of the values layers show in {@link Module#toString()} ({@code eps=1e-06},
 * {@code kernel_size=(3, 3)}, {@code bias=True}), so that a printed usp4j model reads like the PyTorch original.
 */
final class PyRepr {
    private PyRepr() {
    }

    /** repr(float): the shortest round-trip digits, fixed notation for exponents -4..15, else d.ddde±XX. */
    static String of(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        // Java's Double.toString gives the shortest digits that round-trip, as Python's repr does.
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exp = digits.length() - 1 - d.scale();
        StringBuilder sb = new StringBuilder(v < 0 ? "-" : "");
        if (exp < -4 || exp >= 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            sb.append(a < 10 ? "0" : "").append(a);
        } else if (exp < 0) {
            sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
        } else if (digits.length() <= exp + 1) {
            sb.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
        }
        return sb.toString();
    }

    /** repr of a tuple of ints: {@code (3, 3)}, {@code (384,)}. */
    static String tuple(int... v) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(v[i]);
        }
        return sb.append(v.length == 1 ? ",)" : ")").toString();
    }

    static String of(boolean b) {
        return b ? "True" : "False";
    }
}
