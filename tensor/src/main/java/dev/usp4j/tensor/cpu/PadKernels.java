package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.HalfFloats;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import java.util.Arrays;

/**
 * F.pad over any number of trailing dims, for every dtype: CONSTANT (negative pads crop), REFLECT, REPLICATE and
 * CIRCULAR.
 *
 * <p>Each dim gets a map from output coordinate to input coordinate (−1 for "the constant"); unpadded dims map to
 * themselves. The output is walked row by row along its last dim: the leading coordinates pick the input row (or
 * make the whole row constant), the part of the row that is a shifted copy of the input row moves with one
 * {@code System.arraycopy}, and only the border goes through the map. Parallel over output rows.
 */
final class PadKernels {
    private PadKernels() {
    }

    static void pad(NDArray x, int[] pads, PadMode mode, double value, NDArray out) {
        Object xa = CopyKernels.array(x);
        Object oa = CopyKernels.array(out);
        DType t = out.dtype();
        int rank = x.rank();
        if (out.numel() == 0) {
            return;
        }
        if (rank == 0) {
            System.arraycopy(xa, x.offset(), oa, out.offset(), 1);
            return;
        }
        int[] in = x.shape();
        int[] os = out.shape();
        int[][] map = new int[rank][];
        for (int d = 0; d < rank; d++) {
            int k = rank - 1 - d;
            int lo = 2 * k < pads.length ? pads[2 * k] : 0;
            map[d] = mode.axisMap(in[d], lo, os[d]);
        }
        int[] inStrides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--) {
            inStrides[d] = s;
            s *= in[d];
        }
        int last = os[rank - 1];
        int lo = pads.length > 0 ? pads[0] : 0;
        // Output columns [cStart, cEnd) are input columns shifted by lo.
        int cStart = Math.clamp(lo, 0, last);
        int cEnd = Math.clamp((long) lo + in[rank - 1], cStart, last);
        int[] lastMap = map[rank - 1];
        int rows = out.numel() / last;
        Parallel.forRange(rows, Math.max(1, 16384 / last), (r0, r1) -> {
            int[] coord = new int[rank];
            for (int d = rank - 2, r = r0; d >= 0; d--) {
                coord[d] = r % os[d];
                r /= os[d];
            }
            for (int r = r0; r < r1; r++) {
                int dst = out.offset() + r * last;
                int src = x.offset();
                for (int d = 0; d < rank - 1 && src >= 0; d++) {
                    int i = map[d][coord[d]];
                    src = i < 0 ? -1 : src + i * inStrides[d];
                }
                if (src < 0) {
                    fill(t, oa, dst, last, value);
                } else {
                    if (cEnd > cStart) {
                        System.arraycopy(xa, src + cStart - lo, oa, dst + cStart, cEnd - cStart);
                    }
                    gather(t, xa, src, lastMap, 0, cStart, oa, dst, value);
                    gather(t, xa, src, lastMap, cEnd, last, oa, dst, value);
                }
                for (int d = rank - 2; d >= 0; d--) {
                    if (++coord[d] < os[d]) {
                        break;
                    }
                    coord[d] = 0;
                }
            }
        });
    }

    private static void fill(DType t, Object oa, int dst, int len, double value) {
        switch (t) {
            case F32 -> Arrays.fill((float[]) oa, dst, dst + len, (float) value);
            case BF16 -> Arrays.fill((short[]) oa, dst, dst + len, HalfFloats.floatToBf16((float) value));
            case F16 -> Arrays.fill((short[]) oa, dst, dst + len, HalfFloats.floatToF16((float) value));
            case I32 -> Arrays.fill((int[]) oa, dst, dst + len, (int) value);
            case I64 -> Arrays.fill((long[]) oa, dst, dst + len, (long) value);
            case BOOL -> Arrays.fill((boolean[]) oa, dst, dst + len, value != 0);
        }
    }

    /** out[dst + o] = x[src + map[o]] (or the value where map[o] &lt; 0) for o in [from, to). */
    private static void gather(DType t, Object xa, int src, int[] map, int from, int to, Object oa, int dst,
                               double value) {
        for (int o = from; o < to; o++) {
            int i = map[o];
            if (i < 0) {
                int end = o;
                while (end < to && map[end] < 0) {
                    end++;
                }
                fill(t, oa, dst + o, end - o, value);
                o = end - 1;
                continue;
            }
            switch (t) {
                case F32 -> ((float[]) oa)[dst + o] = ((float[]) xa)[src + i];
                case BF16, F16 -> ((short[]) oa)[dst + o] = ((short[]) xa)[src + i];
                case I32 -> ((int[]) oa)[dst + o] = ((int[]) xa)[src + i];
                case I64 -> ((long[]) oa)[dst + o] = ((long[]) xa)[src + i];
                case BOOL -> ((boolean[]) oa)[dst + o] = ((boolean[]) xa)[src + i];
            }
        }
    }
}
