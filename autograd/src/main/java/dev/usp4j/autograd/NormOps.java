package dev.usp4j.autograd;

import static dev.usp4j.autograd.ConvOps.like;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.NormResult;
import java.util.ArrayList;
import java.util.List;

/**
 * LayerNorm and GroupNorm with their gradients: the forward keeps the per-row (per-group) mean and rstd, and the
 * backward is one fused backend kernel computing dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·w, and
 * dw = Σ g·x̂, db = Σ g, each only when that input needs it.
 */
final class NormOps {
    private NormOps() {
    }

    private static NDArray data(Tensor t) {
        return t == null ? null : t.data();
    }

    static Tensor layerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        NDArray x = input.data();
        NDArray w = data(weight);
        DType bt = bias == null ? null : bias.dtype();
        int[] shape = normalizedShape.clone();
        NormResult r = Functional.layerNormWithStats(x, shape, w, data(bias), eps);
        NDArray mean = r.mean();
        NDArray rstd = r.rstd();
        Backward rule = c -> {
            NDArray[] g = Functional.layerNormBackward(c.g(), x, shape, mean, rstd, w, c.needs(0), c.needs(1),
                    c.needs(2));
            return new NDArray[] {c.needs(0) ? like(g[0], x.dtype()) : null, c.needs(1) ? like(g[1], w.dtype()) : null,
                c.needs(2) ? like(g[2], bt) : null};
        };
        Tensor[] inputs = {input, weight, bias};
        return w == null ? Graph.record("layer_norm", r.out(), inputs, rule, x, mean, rstd)
                : Graph.record("layer_norm", r.out(), inputs, rule, x, w, mean, rstd);
    }

    /**
     * silu(groupNorm(x)) as one node: it keeps x and the statistics, not the normalised activation, and its
     * backward recomputes that (see tensor's {@code Functional.groupNormSiluBackward}).
     */
    static Tensor groupNormSilu(Tensor input, int groups, Tensor weight, Tensor bias, double eps) {
        NDArray x = input.data();
        NDArray w = data(weight);
        NDArray b = data(bias);
        DType wt = weight == null ? null : weight.dtype();
        DType bt = bias == null ? null : bias.dtype();
        NormResult r = Functional.groupNormSiluWithStats(x, groups, w, b, eps);
        NDArray mean = r.mean();
        NDArray rstd = r.rstd();
        Backward rule = c -> {
            NDArray[] g = Functional.groupNormSiluBackward(c.g(), x, groups, mean, rstd, w, b, eps, c.needs(0),
                    c.needs(1), c.needs(2));
            return new NDArray[] {c.needs(0) ? like(g[0], x.dtype()) : null, c.needs(1) ? like(g[1], wt) : null,
                c.needs(2) ? like(g[2], bt) : null};
        };
        Tensor[] inputs = {input, weight, bias};
        List<NDArray> saved = new ArrayList<>(List.of(x, mean, rstd));
        if (w != null) {
            saved.add(w);
        }
        if (b != null) {
            saved.add(b);
        }
        return Graph.record("group_norm_silu", r.out(), inputs, rule, saved.toArray(NDArray[]::new));
    }

    /**
     * modulate(layer_norm(x), shift, scale) as one node: it keeps x, the statistics and scale, not the normalised
     * tokens, which the backward recomputes row by row.
     */
    static Tensor layerNormModulate(Tensor input, Tensor weight, Tensor bias, Tensor shift, Tensor scale,
                                    double eps) {
        NDArray x = input.data();
        NDArray w = data(weight);
        NDArray b = data(bias);
        NDArray sc = scale.data();
        DType wt = weight == null ? null : weight.dtype();
        DType bt = bias == null ? null : bias.dtype();
        DType st = shift.dtype();
        NormResult r = Functional.layerNormModulateWithStats(x, w, b, shift.data(), sc, eps);
        NDArray mean = r.mean();
        NDArray rstd = r.rstd();
        Backward rule = c -> {
            NDArray[] g = Functional.layerNormModulateBackward(c.g(), x, mean, rstd, w, b, sc, eps, c.needs(0),
                    c.needs(1), c.needs(2), c.needs(3), c.needs(4));
            return new NDArray[] {c.needs(0) ? like(g[0], x.dtype()) : null, c.needs(1) ? like(g[1], wt) : null,
                c.needs(2) ? like(g[2], bt) : null, c.needs(3) ? like(g[3], st) : null,
                c.needs(4) ? like(g[4], sc.dtype()) : null};
        };
        Tensor[] inputs = {input, weight, bias, shift, scale};
        List<NDArray> saved = new ArrayList<>(List.of(x, mean, rstd, sc));
        if (w != null) {
            saved.add(w);
        }
        if (b != null) {
            saved.add(b);
        }
        return Graph.record("layer_norm_modulate", r.out(), inputs, rule, saved.toArray(NDArray[]::new));
    }

    /** x + gate·branch (DiT's gated residual) as one node: it keeps branch and gate. */
    static Tensor gatedAdd(Tensor x, Tensor branch, Tensor gate) {
        NDArray br = branch.data();
        NDArray gt = gate.data();
        NDArray out = Functional.gatedAdd(x.data(), br, gt);
        DType xt = x.dtype();
        Backward rule = c -> {
            NDArray[] g = Functional.gatedAddBackward(c.g(), br, gt, c.needs(1), c.needs(2));
            return new NDArray[] {c.needs(0) ? like(c.g(), xt) : null, c.needs(1) ? like(g[0], br.dtype()) : null,
                c.needs(2) ? like(g[1], gt.dtype()) : null};
        };
        return Graph.record("gated_add", out, new Tensor[] {x, branch, gate}, rule, br, gt);
    }

    static Tensor groupNorm(Tensor input, int groups, Tensor weight, Tensor bias, double eps) {
        NDArray x = input.data();
        NDArray w = data(weight);
        DType bt = bias == null ? null : bias.dtype();
        NormResult r = Functional.groupNormWithStats(x, groups, w, data(bias), eps);
        NDArray mean = r.mean();
        NDArray rstd = r.rstd();
        Backward rule = c -> {
            NDArray[] g = Functional.groupNormBackward(c.g(), x, groups, mean, rstd, w, c.needs(0), c.needs(1),
                    c.needs(2));
            return new NDArray[] {c.needs(0) ? like(g[0], x.dtype()) : null, c.needs(1) ? like(g[1], w.dtype()) : null,
                c.needs(2) ? like(g[2], bt) : null};
        };
        Tensor[] inputs = {input, weight, bias};
        return w == null ? Graph.record("group_norm", r.out(), inputs, rule, x, mean, rstd)
                : Graph.record("group_norm", r.out(), inputs, rule, x, w, mean, rstd);
    }
}
