package dev.usp4j.nn.vit;

import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.List;

/**
 * MAE's {@code interpolate_pos_embed}: a position table (1, extra + G², D) trained on a G×G grid resized to another
 * grid side by bicubic interpolation (A = −0.75, align_corners false, no antialias, as F.interpolate) of its grid
 * part viewed as a (1, D, G, G) image, the leading extra rows (the cls token's) kept as they are. Used when a ViT
 * classifier loads MAE weights pretrained at another resolution, and by USP's weight transfer into DiT/SiT
 * (usp-spec §2.1, which drops the cls row instead).
 */
public final class PosEmbedInterpolation {
    private PosEmbedInterpolation() {
    }

    /** The table for a {@code newGrid}² grid; the input itself when the grid already matches. */
    public static NDArray resize(NDArray posEmbed, int extraTokens, int newGrid) {
        if (posEmbed.rank() != 3 || posEmbed.size(0) != 1 || extraTokens < 0 || newGrid <= 0
                || posEmbed.size(1) < extraTokens) {
            throw new IllegalArgumentException("interpolate_pos_embed: expects a table (1, extra + G², D) with extra = "
                    + extraTokens + " and a positive new grid (got " + newGrid + "), got " + Shape.str(posEmbed.shape()));
        }
        int d = posEmbed.size(2);
        int n = posEmbed.size(1) - extraTokens;
        int grid = (int) Math.round(Math.sqrt(n));
        if (grid * grid != n) {
            throw new IllegalArgumentException("interpolate_pos_embed: " + n + " grid rows in "
                    + Shape.str(posEmbed.shape()) + " (after " + extraTokens + " extra) are not a square grid");
        }
        if (grid == newGrid) {
            return posEmbed;
        }
        NDArray extra = posEmbed.narrow(1, 0, extraTokens);
        NDArray img = posEmbed.narrow(1, extraTokens, n).reshape(1, grid, grid, d).permute(0, 3, 1, 2);
        NDArray resized = Functional.interpolate(img, newGrid, newGrid, InterpolationMode.BICUBIC, false);
        NDArray tokens = resized.permute(0, 2, 3, 1).reshape(1, newGrid * newGrid, d);
        return NDArray.cat(List.of(extra, tokens), 1);
    }
}
