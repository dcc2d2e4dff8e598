package dev.usp4j.tensor;

import java.util.Arrays;

/**
 * Shape checks and layout for the fused attention entries of {@link Functional}: q [..., Nq, D], k [..., Nk, D] and
 * v [..., Nk, Dv] with identical leading dims are viewed as [B, H, N, D] arrays (no copy for rank 2 to 4 F32 inputs
 * whose last stride is 1, such as timm's permuted qkv), and the backend kernel is called once. The packed entries
 * take timm's qkv projection [B, N, 3·H·D] whole and give the heads' outputs side by side, [B, N, H·D], with the
 * gradient as one [B, N, 3·H·D] array: where the backend writes strided outputs, neither direction copies.
 */
final class FunctionalAttention {
    private FunctionalAttention() {
    }

    private static void checkInputs(String op, NDArray q, NDArray k, NDArray v, double scale) {
        Functional.sameDevice(op, q, k, v);
        for (NDArray x : new NDArray[] {q, k, v}) {
            if (!x.dtype().isFloating()) {
                throw new IllegalArgumentException(op + ": needs floating query, key and value, got " + x.dtype()
                        + " of shape " + Shape.str(x.shape()));
            }
        }
        int[] qs = q.shape();
        int[] ks = k.shape();
        int[] vs = v.shape();
        int r = qs.length;
        boolean ok = r >= 2 && ks.length == r && vs.length == r
                && Arrays.equals(Arrays.copyOf(qs, r - 2), Arrays.copyOf(ks, r - 2))
                && Arrays.equals(Arrays.copyOf(qs, r - 2), Arrays.copyOf(vs, r - 2))
                && qs[r - 1] == ks[r - 1] && ks[r - 2] == vs[r - 2];
        if (!ok) {
            throw new IllegalArgumentException(op + ": expects query [..., Nq, D], key [..., Nk, D] and value"
                    + " [..., Nk, Dv] with the same leading dims, got " + Shape.str(qs) + ", " + Shape.str(ks) + ", "
                    + Shape.str(vs));
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException(op + ": scale must be finite, got " + scale);
        }
    }

    /** [B, H, N, D] F32 view of a [..., N, D] input, copied only when it cannot be viewed with unit last stride. */
    private static NDArray heads(NDArray x) {
        NDArray f = Elementwise.asCompute(x, DType.F32);
        int[] s = f.shape();
        int r = s.length;
        NDArray h = switch (r) {
            case 2 -> f.unsqueeze(0).unsqueeze(0);
            case 3 -> f.unsqueeze(0);
            case 4 -> f;
            default -> f.reshape(Shape.numel(Arrays.copyOf(s, r - 3)), s[r - 3], s[r - 2], s[r - 1]);
        };
        return h.stride(3) == 1 || h.size(3) <= 1 ? h : h.contiguous();
    }

    /** [B, H, N, *] view of a contiguous result whose leading dims are {@code lead}. */
    private static NDArray as4d(NDArray x, int[] lead, int rank) {
        int[] s = x.shape();
        int b = lead.length <= 1 ? 1 : Shape.numel(Arrays.copyOf(lead, lead.length - 1));
        int h = lead.length == 0 ? 1 : lead[lead.length - 1];
        return rank == 4 ? x.reshape(b, h, s[s.length - 2], s[s.length - 1]) : x.reshape(b, h, s[s.length - 1]);
    }

    static AttentionResult forward(NDArray q, NDArray k, NDArray v, double scale) {
        String op = "scaled_dot_product_attention";
        checkInputs(op, q, k, v, scale);
        int[] qs = q.shape();
        int r = qs.length;
        int[] lead = Arrays.copyOf(qs, r - 2);
        int[] outShape = Arrays.copyOf(qs, r);
        outShape[r - 1] = v.size(-1);
        NDArray out = Creation.output(DType.F32, q.device(), outShape);
        NDArray lse = Creation.output(DType.F32, q.device(), Arrays.copyOf(qs, r - 1));
        q.backend().attention(heads(q), heads(k), heads(v), (float) scale, as4d(out, lead, 4), as4d(lse, lead, 3));
        return new AttentionResult(out, lse);
    }

    static NDArray[] backward(NDArray gradOut, NDArray q, NDArray k, NDArray v, NDArray out, NDArray lse,
                              double scale, boolean needQ, boolean needK, boolean needV) {
        String op = "scaled_dot_product_attention_backward";
        checkInputs(op, q, k, v, scale);
        Functional.sameDevice(op, q, gradOut, out, lse);
        int[] qs = q.shape();
        int r = qs.length;
        int[] outShape = Arrays.copyOf(qs, r);
        outShape[r - 1] = v.size(-1);
        int[] lseShape = Arrays.copyOf(qs, r - 1);
        if (!Arrays.equals(gradOut.shape(), outShape) || !Arrays.equals(out.shape(), outShape)
                || !Arrays.equals(lse.shape(), lseShape)) {
            throw new IllegalArgumentException(op + ": for query " + Shape.str(qs) + ", key " + Shape.str(k.shape())
                    + " and value " + Shape.str(v.shape()) + " expects output and its gradient of shape "
                    + Shape.str(outShape) + " and logsumexp " + Shape.str(lseShape) + ", got "
                    + Shape.str(out.shape()) + ", " + Shape.str(gradOut.shape()) + " and " + Shape.str(lse.shape()));
        }
        for (NDArray x : new NDArray[] {gradOut, out, lse}) {
            if (!x.dtype().isFloating()) {
                throw new IllegalArgumentException(op + ": needs floating output, gradient and logsumexp, got "
                        + x.dtype());
            }
        }
        int[] lead = Arrays.copyOf(qs, r - 2);
        NDArray gq = needQ ? Creation.output(DType.F32, q.device(), qs) : null;
        NDArray gk = needK ? Creation.output(DType.F32, q.device(), k.shape()) : null;
        NDArray gv = needV ? Creation.output(DType.F32, q.device(), v.shape()) : null;
        if (needQ || needK || needV) {
            NDArray lse3 = as4d(Elementwise.asCompute(lse, DType.F32).contiguous(), lead, 3);
            q.backend().attentionBackward(heads(q), heads(k), heads(v), heads(out), heads(gradOut), lse3,
                    (float) scale, gq == null ? null : as4d(gq, lead, 4), gk == null ? null : as4d(gk, lead, 4),
                    gv == null ? null : as4d(gv, lead, 4));
        }
        return new NDArray[] {gq, gk, gv};
    }

    /** [B, N, 3, H, D] → the (3, B, H, N, D) view whose slices are q, k and v, for qkv [B, N, 3·H·D]. */
    private static NDArray qkvHeads(NDArray qkv, int heads) {
        int d = qkv.size(2) / (3 * heads);
        return qkv.reshape(qkv.size(0), qkv.size(1), 3, heads, d).permute(2, 0, 3, 1, 4);
    }

    /** The [B, H, N, D] view of tokens [B, N, H·D]. */
    private static NDArray tokenHeads(NDArray x, int heads) {
        return x.reshape(x.size(0), x.size(1), heads, x.size(2) / heads).permute(0, 2, 1, 3);
    }

    private static void checkPacked(String op, NDArray qkv, int heads, double scale) {
        if (qkv.rank() != 3 || heads <= 0 || qkv.size(2) % (3 * heads) != 0) {
            throw new IllegalArgumentException(op + ": expects a qkv projection of shape [B, N, 3·heads·head_dim]"
                    + " for " + heads + " heads, got " + Shape.str(qkv.shape()));
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException(op + ": scale must be finite, got " + scale);
        }
    }

    /** Calls the kernel straight on the strided view, or through a contiguous array where the backend needs one. */
    private static NDArray target(Backend backend, NDArray view) {
        return view == null || backend.stridedAttentionOutputs() ? view
                : Creation.output(DType.F32, view.device(), view.shape());
    }

    private static void settle(Backend backend, NDArray written, NDArray view) {
        if (written != view) {
            backend.copy(written, view);
        }
    }

    static AttentionResult packedForward(NDArray qkv, int heads, double scale) {
        return packedForward(qkv, heads, scale, null);
    }

    /** As {@link #packedForward(NDArray, int, double)} on {@code backend} when not null (tests), else qkv's. */
    static AttentionResult packedForward(NDArray qkv, int heads, double scale, Backend on) {
        String op = "packed_attention";
        checkPacked(op, qkv, heads, scale);
        NDArray x = Functional.f32(op, qkv);
        int b = x.size(0);
        int n = x.size(1);
        int hd = x.size(2) / 3;
        NDArray p = qkvHeads(x, heads);
        NDArray out = Creation.output(DType.F32, x.device(), b, n, hd);
        NDArray lse = Creation.output(DType.F32, x.device(), b, heads, n);
        Backend backend = on != null ? on : x.backend();
        NDArray view = tokenHeads(out, heads);
        NDArray o = target(backend, view);
        backend.attention(p.select(0, 0), p.select(0, 1), p.select(0, 2), (float) scale, o, lse);
        settle(backend, o, view);
        return new AttentionResult(out, lse);
    }

    static NDArray packedBackward(NDArray gradOut, NDArray qkv, NDArray out, NDArray lse, int heads, double scale) {
        return packedBackward(gradOut, qkv, out, lse, heads, scale, null);
    }

    /** As {@link #packedBackward(NDArray, NDArray, NDArray, NDArray, int, double)} on {@code on} when not null. */
    static NDArray packedBackward(NDArray gradOut, NDArray qkv, NDArray out, NDArray lse, int heads, double scale,
                                  Backend on) {
        String op = "packed_attention_backward";
        checkPacked(op, qkv, heads, scale);
        Functional.sameDevice(op, qkv, gradOut, out, lse);
        int b = qkv.size(0);
        int n = qkv.size(1);
        int[] outShape = {b, n, qkv.size(2) / 3};
        if (!Arrays.equals(gradOut.shape(), outShape) || !Arrays.equals(out.shape(), outShape)
                || !Arrays.equals(lse.shape(), new int[] {b, heads, n})) {
            throw new IllegalArgumentException(op + ": for qkv " + Shape.str(qkv.shape()) + " and " + heads
                    + " heads expects output and its gradient of shape " + Shape.str(outShape) + " and logsumexp ["
                    + b + ", " + heads + ", " + n + "], got " + Shape.str(out.shape()) + ", "
                    + Shape.str(gradOut.shape()) + " and " + Shape.str(lse.shape()));
        }
        NDArray x = Functional.f32(op, qkv);
        Backend backend = on != null ? on : x.backend();
        NDArray p = qkvHeads(x, heads);
        NDArray grad = Creation.output(DType.F32, x.device(), x.shape());
        NDArray gp = qkvHeads(grad, heads);
        NDArray[] views = {gp.select(0, 0), gp.select(0, 1), gp.select(0, 2)};
        NDArray[] written = {target(backend, views[0]), target(backend, views[1]), target(backend, views[2])};
        backend.attentionBackward(p.select(0, 0), p.select(0, 1), p.select(0, 2),
                tokenHeads(Functional.f32(op, out), heads), tokenHeads(Functional.f32(op, gradOut), heads),
                Functional.f32(op, lse), (float) scale, written[0], written[1], written[2]);
        for (int i = 0; i < 3; i++) {
            settle(backend, written[i], views[i]);
        }
        return grad;
    }
}
