package dev.usp4j.tensor;

import java.util.Arrays;

/**
 * torch.matmul's shape rules on top of the backend's batched GEMM: 1-D operands gain and then lose a dim, batch
 * dims broadcast, and a batch of matrices times one matrix folds the batch into the rows for one larger GEMM.
 */
final class LinearAlgebra {
    private LinearAlgebra() {
    }

    static NDArray matmul(NDArray a, NDArray b) {
        Elementwise.checkDevices("matmul", a, b);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException("matmul: both operands need at least 1 dim, got shapes "
                    + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        if (!a.dtype().isFloating() || !b.dtype().isFloating()) {
            throw new IllegalArgumentException("matmul: needs floating operands, got " + a.dtype() + " and "
                    + b.dtype() + "; convert with to(DType.F32)");
        }
        a = Elementwise.asCompute(a, DType.F32);
        b = Elementwise.asCompute(b, DType.F32);
        boolean vecA = a.rank() == 1;
        boolean vecB = b.rank() == 1;
        NDArray a2 = vecA ? a.unsqueeze(0) : a;
        NDArray b2 = vecB ? b.unsqueeze(1) : b;
        int[] as = a2.shape();
        int[] bs = b2.shape();
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        if (bs[bs.length - 2] != k) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(a.shape()) + " and "
                    + Shape.str(b.shape()) + " cannot be multiplied (" + m + "x" + k + " and " + bs[bs.length - 2]
                    + "x" + n + ": inner extents differ)");
        }
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        int[] batch;
        try {
            batch = Shape.broadcast("matmul", batchA, batchB);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(a.shape()) + " and "
                    + Shape.str(b.shape()) + " cannot be multiplied: batch dims " + Shape.str(batchA) + " and "
                    + Shape.str(batchB) + " do not broadcast", e);
        }
        int nb = Shape.numel(batch);
        NDArray out3;
        NDArray foldedA = batchB.length == 0 && batchA.length > 0
                ? viewOrNull(a2, new int[] {1, nb * m, k}) : null;
        if (foldedA != null) {
            out3 = Creation.output(DType.F32, a.device(), 1, nb * m, n);
            a.backend().matmul(foldedA, b2.unsqueeze(0), out3);
        } else {
            NDArray a3 = batched(a2.expand(concat(batch, m, k)), nb, m, k);
            NDArray b3 = batched(b2.expand(concat(batch, k, n)), nb, k, n);
            out3 = Creation.output(DType.F32, a.device(), nb, m, n);
            a.backend().matmul(a3, b3, out3);
        }
        int[] outShape = concat(batch, m, n);
        NDArray out = out3.view(outShape);
        if (vecA) {
            out = out.squeeze(-2);
        }
        if (vecB) {
            out = out.squeeze(-1);
        }
        return out;
    }

    /**
     * F.linear: x [..., in] · weightᵀ + bias with weight [out, in] and bias [out] (or null). The leading dims fold
     * into the rows of one GEMM that reads the weight through a transposed view (no copy) and starts from the bias
     * (PyTorch's addmm), so no second pass adds it.
     */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        Elementwise.checkDevices("linear", x, weight);
        if (bias != null) {
            Elementwise.checkDevices("linear", x, bias);
        }
        if (x.rank() == 0 || weight.rank() != 2 || x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input " + Shape.str(x.shape()) + " and weight "
                    + Shape.str(weight.shape()) + " do not match: expected input [..., in] and weight [out, in]");
        }
        int in = weight.size(1);
        int outF = weight.size(0);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != outF)) {
            throw new IllegalArgumentException("linear: bias must have shape [" + outF + "], got "
                    + Shape.str(bias.shape()));
        }
        if (!x.dtype().isFloating() || !weight.dtype().isFloating() || bias != null && !bias.dtype().isFloating()) {
            throw new IllegalArgumentException("linear: needs floating operands, got " + x.dtype() + " and "
                    + weight.dtype() + "; convert with to(DType.F32)");
        }
        int[] lead = Arrays.copyOf(x.shape(), x.rank() - 1);
        int rows = Shape.numel(lead);
        NDArray x2 = Elementwise.asCompute(x, DType.F32).reshape(rows, in);
        NDArray out = Creation.output(DType.F32, x.device(), rows, outF);
        Backend backend = x.backend();
        NDArray bias32 = bias == null ? null : Elementwise.asCompute(bias, DType.F32).contiguous();
        int[] outShape = x.shape().clone();
        outShape[outShape.length - 1] = outF;
        if (weight.dtype() == DType.BF16) {
            // Half-width weights are read as they are, not widened to a float copy first.
            backend.linearBf16(x2.contiguous(), weight.contiguous(), bias32, out);
            return out.view(outShape);
        }
        NDArray wT = Elementwise.asCompute(weight, DType.F32).mT();
        if (bias == null) {
            backend.matmul(x2.unsqueeze(0), wT.unsqueeze(0), out.unsqueeze(0));
        } else {
            backend.matmulBias(x2.unsqueeze(0), wT.unsqueeze(0), bias32, out.unsqueeze(0));
        }
        return out.view(outShape);
    }

    /** [..., r, c] as [B, r, c]: a view when the batch dims fold (stride-0 dims included), else a copy. */
    private static NDArray batched(NDArray x, int nb, int r, int c) {
        if (x.rank() == 2) {
            return x.unsqueeze(0);
        }
        if (x.rank() == 3) {
            return x;
        }
        int[] shape = x.shape();
        int[] strides = x.strides();
        int rank = shape.length;
        // The batch dims fold into one when all are broadcast (stride 0) or they are mutually contiguous.
        boolean allZero = true;
        for (int i = 0; i < rank - 2; i++) {
            allZero &= strides[i] == 0 || shape[i] == 1;
        }
        if (allZero) {
            return x.view(new int[] {nb, r, c}, new int[] {0, strides[rank - 2], strides[rank - 1]}, x.offset());
        }
        NDArray v = viewOrNull(x, new int[] {nb, r, c});
        return v != null ? v : x.contiguous().view(nb, r, c);
    }

    private static NDArray viewOrNull(NDArray x, int[] shape) {
        int[] st = ViewRules.viewStrides(x.shape(), x.strides(), shape);
        return st == null ? null : x.view(shape, st, x.offset());
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
