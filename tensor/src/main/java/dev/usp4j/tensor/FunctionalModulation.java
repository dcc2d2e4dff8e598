package dev.usp4j.tensor;

/**
 * Checks and dispatch of DiT's adaLN ops for {@link Functional}: the modulated LayerNorm
 * LN(x)·(1 + scale) + shift and the gated residual x + gate·branch, for tokens x [N, T, D] and per-sample vectors
 * [N, D], with their gradients. Errors name the op and every shape involved.
 */
final class FunctionalModulation {
    private FunctionalModulation() {
    }

    private static void expectTokens(String op, NDArray x) {
        if (x.rank() != 3) {
            throw new IllegalArgumentException(op + ": expects tokens of shape [N, T, D], got "
                    + Shape.str(x.shape()));
        }
    }

    /** Each non-null {@code vectors} array must be [N, D] for tokens [N, T, D]. */
    private static void expectPerSample(String op, NDArray x, String[] names, NDArray... vectors) {
        for (int i = 0; i < vectors.length; i++) {
            NDArray v = vectors[i];
            if (v != null && (v.rank() != 2 || v.size(0) != x.size(0) || v.size(1) != x.size(2))) {
                throw new IllegalArgumentException(op + ": " + names[i] + " must have shape [" + x.size(0) + ", "
                        + x.size(2) + "] for tokens of shape " + Shape.str(x.shape()) + ", got "
                        + Shape.str(v.shape()));
            }
        }
    }

    private static void expectChannels(String op, NDArray x, NDArray weight, NDArray bias) {
        for (NDArray p : new NDArray[] {weight, bias}) {
            if (p != null && (p.rank() != 1 || p.size(0) != x.size(2))) {
                throw new IllegalArgumentException(op + ": weight and bias must have shape [" + x.size(2)
                        + "] for tokens of shape " + Shape.str(x.shape()) + ", got " + Shape.str(p.shape()));
            }
        }
    }

    private static void expectLike(String op, String what, NDArray a, NDArray x) {
        if (!java.util.Arrays.equals(a.shape(), x.shape())) {
            throw new IllegalArgumentException(op + ": " + what + " of shape " + Shape.str(a.shape())
                    + " does not match the tokens' shape " + Shape.str(x.shape()));
        }
    }

    static NormResult layerNormModulate(NDArray x, NDArray weight, NDArray bias, NDArray shift, NDArray scale,
                                        double eps) {
        String op = "layer_norm_modulate";
        Functional.sameDevice(op, x, weight, bias, shift, scale);
        expectTokens(op, x);
        expectChannels(op, x, weight, bias);
        expectPerSample(op, x, new String[] {"shift", "scale"}, shift, scale);
        NDArray out = Creation.output(DType.F32, x.device(), x.shape());
        NDArray mean = Creation.output(DType.F32, x.device(), x.size(0), x.size(1));
        NDArray rstd = Creation.output(DType.F32, x.device(), x.size(0), x.size(1));
        x.backend().layerNormModulate(Functional.f32(op, x), Functional.f32(op, weight), Functional.f32(op, bias),
                Functional.f32(op, shift), Functional.f32(op, scale), (float) eps, out, mean, rstd);
        return new NormResult(out, mean, rstd);
    }

    static NDArray[] layerNormModulateBackward(NDArray gradOut, NDArray x, NDArray mean, NDArray rstd,
                                               NDArray weight, NDArray bias, NDArray scale, double eps,
                                               boolean[] needs) {
        String op = "layer_norm_modulate_backward";
        Functional.sameDevice(op, x, gradOut, mean, rstd, weight, bias, scale);
        expectTokens(op, x);
        expectLike(op, "output gradient", gradOut, x);
        expectChannels(op, x, weight, bias);
        expectPerSample(op, x, new String[] {"scale"}, scale);
        if (mean.numel() != x.size(0) * x.size(1) || rstd.numel() != mean.numel()) {
            throw new IllegalArgumentException(op + ": mean " + Shape.str(mean.shape()) + " and rstd "
                    + Shape.str(rstd.shape()) + " must be [N, T] for tokens of shape " + Shape.str(x.shape()));
        }
        Device dev = x.device();
        int n = x.size(0);
        int d = x.size(2);
        NDArray[] g = {
            needs[0] ? Creation.output(DType.F32, dev, x.shape()) : null,
            needs[1] && weight != null ? Creation.output(DType.F32, dev, d) : null,
            needs[2] && bias != null ? Creation.output(DType.F32, dev, d) : null,
            needs[3] ? Creation.output(DType.F32, dev, n, d) : null,
            needs[4] ? Creation.output(DType.F32, dev, n, d) : null,
        };
        if (g[0] != null || g[1] != null || g[2] != null || g[3] != null || g[4] != null) {
            x.backend().layerNormModulateBackward(Functional.f32(op, x), Functional.f32(op, gradOut),
                    Functional.f32(op, mean), Functional.f32(op, rstd), Functional.f32(op, weight),
                    Functional.f32(op, bias), Functional.f32(op, scale), (float) eps, g[0], g[1], g[2], g[3], g[4]);
        }
        return g;
    }

    static NDArray gatedAdd(NDArray x, NDArray branch, NDArray gate) {
        String op = "gated_add";
        Functional.sameDevice(op, x, branch, gate);
        expectTokens(op, x);
        expectLike(op, "branch", branch, x);
        expectPerSample(op, x, new String[] {"gate"}, gate);
        NDArray out = Creation.output(DType.F32, x.device(), x.shape());
        x.backend().gatedAdd(Functional.f32(op, x), Functional.f32(op, branch), Functional.f32(op, gate), out);
        return out;
    }

    static NDArray[] gatedAddBackward(NDArray gradOut, NDArray branch, NDArray gate, boolean branchGrad,
                                      boolean gateGrad) {
        String op = "gated_add_backward";
        Functional.sameDevice(op, branch, gradOut, gate);
        expectTokens(op, branch);
        expectLike(op, "output gradient", gradOut, branch);
        expectPerSample(op, branch, new String[] {"gate"}, gate);
        Device dev = branch.device();
        NDArray gb = branchGrad ? Creation.output(DType.F32, dev, branch.shape()) : null;
        NDArray gg = gateGrad ? Creation.output(DType.F32, dev, gate.shape()) : null;
        if (gb != null || gg != null) {
            branch.backend().gatedAddBackward(Functional.f32(op, gradOut), Functional.f32(op, branch),
                    Functional.f32(op, gate), gb, gg);
        }
        return new NDArray[] {gb, gg};
    }
}
