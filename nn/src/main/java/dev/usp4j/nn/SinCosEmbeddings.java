package dev.usp4j.nn;

import dev.usp4j.tensor.NDArray;

/**
 * The fixed sinusoidal embeddings of MAE and DiT (usp-spec §3.1), computed in double and rounded to F32 once, as
 * the originals compute them in float64 NumPy and cast:
 * <ul>
 *   <li>{@link #pos2d}: MAE/DiT's {@code get_2d_sincos_pos_embed}. Each half of the D dims is a 1-D embedding
 *       [sin(m·ω_k) for all k, then cos(m·ω_k)] with ω_k = 10000^(−k/(D/4)); the first half encodes the column
 *       (w) index and the second the row (h) index (NumPy's meshgrid(w, h) order), tokens in row-major order, and
 *       with a cls token a leading row of zeros.</li>
 *   <li>{@link #timestep}: DiT's {@code timestep_embedding}: with half = dim/2 and f_i = exp(−ln(max_period)·i/half),
 *       [cos(t·f_i) for all i, then sin(t·f_i)] (cos first), a zero column appended for odd dims. DiT computes it
 *       in float32 PyTorch, whose rounding of t·f_i moves values by up to ~1e-4 for t near 1000; this is the exact
 *       value rounded once.</li>
 * </ul>
 */
public final class SinCosEmbeddings {
    /** DiT's default max_period. */
    public static final double MAX_PERIOD = 10000;

    private SinCosEmbeddings() {
    }

    /** The 2-D embedding of a square grid: [G·G (+1), D]. */
    public static NDArray pos2d(int embedDim, int gridSize, boolean clsToken) {
        return pos2d(embedDim, gridSize, gridSize, clsToken);
    }

    /** The 2-D embedding of a gridH × gridW grid, tokens row-major: [gridH·gridW (+1 cls row of zeros), D]. */
    public static NDArray pos2d(int embedDim, int gridH, int gridW, boolean clsToken) {
        if (embedDim <= 0 || embedDim % 4 != 0) {
            throw new IllegalArgumentException("pos2d: the embedding dim must be a positive multiple of 4 (two"
                    + " halves of sin and cos blocks), got " + embedDim);
        }
        if (gridH <= 0 || gridW <= 0) {
            throw new IllegalArgumentException("pos2d: grid " + gridH + "x" + gridW + " must be positive");
        }
        int half = embedDim / 2;
        int lead = clsToken ? 1 : 0;
        float[] out = new float[(lead + gridH * gridW) * embedDim];
        double[] row = new double[half];
        for (int h = 0; h < gridH; h++) {
            for (int w = 0; w < gridW; w++) {
                int base = (lead + h * gridW + w) * embedDim;
                oneD(w, row);
                copy(row, out, base);
                oneD(h, row);
                copy(row, out, base + half);
            }
        }
        return NDArray.of(out, lead + gridH * gridW, embedDim);
    }

    /**
     * MAE's {@code get_1d_sincos_pos_embed_from_grid} for one position m into {@code out} (length d, even):
     * [sin(m·ω_k), then cos(m·ω_k)] for ω_k = 1/10000^(k/(d/2)).
     */
    private static void oneD(double m, double[] out) {
        int quarter = out.length / 2;
        for (int k = 0; k < quarter; k++) {
            double omega = 1 / StrictMath.pow(10000, (double) k / quarter);
            out[k] = StrictMath.sin(m * omega);
            out[quarter + k] = StrictMath.cos(m * omega);
        }
    }

    private static void copy(double[] src, float[] dst, int off) {
        for (int i = 0; i < src.length; i++) {
            dst[off + i] = (float) src[i];
        }
    }

    /** The timestep embedding with max_period 10000. */
    public static NDArray timestep(NDArray t, int dim) {
        return timestep(t, dim, MAX_PERIOD);
    }

    /**
     * The timestep embedding [N, dim] (F32) of N timesteps {@code t} (1-D, any numeric dtype, may be fractional),
     * evaluated in double where t lives: no read of t back from a device.
     */
    public static NDArray timestep(NDArray t, int dim, double maxPeriod) {
        return dev.usp4j.tensor.Functional.timestepEmbedding(t, dim, maxPeriod);
    }
}
