package dev.usp4j.tensor;

import java.util.Arrays;

/**
 * How {@code pad} fills the border, as the {@code mode} argument of {@code F.pad}, with the index rule of each mode
 * in one place: every backend maps output coordinates to input coordinates through {@link #axisMap}, and pad's
 * gradient walks the inverse, {@link #preimages}.
 */
public enum PadMode {
    /** A given value; negative pads crop. */
    CONSTANT,
    /** Mirror without repeating the edge (a b c → c b | a b c | b a). */
    REFLECT,
    /** Repeat the edge. */
    REPLICATE,
    /** Wrap around. */
    CIRCULAR;

    /**
     * The input coordinate of each of the {@code m} output coordinates along one dim of extent {@code n} padded by
     * {@code lo} before it; −1 where the output holds the constant.
     */
    public int[] axisMap(int n, int lo, int m) {
        int[] map = new int[m];
        for (int o = 0; o < m; o++) {
            int i = o - lo;
            map[o] = switch (this) {
                case CONSTANT -> i >= 0 && i < n ? i : -1;
                case REFLECT -> i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);
                case REPLICATE -> Math.clamp(i, 0, n - 1);
                case CIRCULAR -> Math.floorMod(i, n);
            };
        }
        return map;
    }

    /**
     * The inverse of an {@link #axisMap} onto {@code n} input coordinates, as compressed rows: the output
     * coordinates copied from input coordinate i are {@code list[from[i]] .. list[from[i+1] - 1]}, ascending.
     * Returns {from, list}.
     */
    public static int[][] preimages(int[] map, int n) {
        int[] from = new int[n + 1];
        for (int i : map) {
            if (i >= 0) {
                from[i + 1]++;
            }
        }
        for (int i = 0; i < n; i++) {
            from[i + 1] += from[i];
        }
        int[] list = new int[from[n]];
        int[] fill = Arrays.copyOf(from, n);
        for (int o = 0; o < map.length; o++) {
            if (map[o] >= 0) {
                list[fill[map[o]]++] = o;
            }
        }
        return new int[][] {from, list};
    }
}
