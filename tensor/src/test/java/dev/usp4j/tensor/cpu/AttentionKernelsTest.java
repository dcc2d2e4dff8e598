package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.AttentionResult;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fused attention kernels against the naive composition softmax(q·kᵀ·scale)·v and its textbook gradient
 * (dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P∘(dP − rowsum(dP∘P)), dQ = dS·K·scale, dK = dSᵀ·Q·scale) evaluated in double, on
 * awkward sizes (N = 1, 7, 17, 64; head_dim 8, 16, 64; Nq ≠ Nk; Dv ≠ D; several query blocks with a partial one;
 * blocks shortened by long key sequences; the packed-GEMM path; no keys), on timm's strided qkv views, with only
 * some gradients asked for, and bit-identical for 1 and 2 threads.
 */
class AttentionKernelsTest {
    private static final double TOL = 1e-5;
    private final int savedThreads = Parallel.threads();
    private final Generator gen = new Generator(77);

    @AfterEach
    void restore() {
        Parallel.setThreads(savedThreads);
    }

    /** {out, lse, dq, dk, dv} of the composition in double for [units, n, d] arrays. */
    private static NDArray[] reference(NDArray q, NDArray k, NDArray v, NDArray g, double scale) {
        int[] qs = q.shape();
        int r = qs.length;
        int nq = qs[r - 2];
        int d = qs[r - 1];
        int nk = k.size(-2);
        int dv = v.size(-1);
        int units = dev.usp4j.tensor.Shape.numel(java.util.Arrays.copyOf(qs, r - 2));
        float[] qa = q.contiguous().toFloatArray();
        float[] ka = k.contiguous().toFloatArray();
        float[] va = v.contiguous().toFloatArray();
        float[] ga = g.contiguous().toFloatArray();
        double[] out = new double[units * nq * dv];
        double[] lse = new double[units * nq];
        double[] dq = new double[qa.length];
        double[] dk = new double[ka.length];
        double[] dvv = new double[va.length];
        double[] p = new double[nk];
        double[] dp = new double[nk];
        for (int u = 0; u < units; u++) {
            for (int i = 0; i < nq; i++) {
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < nk; j++) {
                    double s = 0;
                    for (int c = 0; c < d; c++) {
                        s += (double) qa[(u * nq + i) * d + c] * ka[(u * nk + j) * d + c];
                    }
                    p[j] = s * scale;
                    m = Math.max(m, p[j]);
                }
                double sum = 0;
                for (int j = 0; j < nk; j++) {
                    p[j] = Math.exp(p[j] - m);
                    sum += p[j];
                }
                lse[u * nq + i] = m + Math.log(sum);
                double rowDot = 0;
                for (int j = 0; j < nk; j++) {
                    p[j] /= sum;
                    double acc = 0;
                    for (int c = 0; c < dv; c++) {
                        out[(u * nq + i) * dv + c] += p[j] * va[(u * nk + j) * dv + c];
                        acc += (double) ga[(u * nq + i) * dv + c] * va[(u * nk + j) * dv + c];
                        dvv[(u * nk + j) * dv + c] += p[j] * ga[(u * nq + i) * dv + c];
                    }
                    dp[j] = acc;
                    rowDot += dp[j] * p[j];
                }
                for (int j = 0; j < nk; j++) {
                    double ds = p[j] * (dp[j] - rowDot) * scale;
                    for (int c = 0; c < d; c++) {
                        dq[(u * nq + i) * d + c] += ds * ka[(u * nk + j) * d + c];
                        dk[(u * nk + j) * d + c] += ds * qa[(u * nq + i) * d + c];
                    }
                }
            }
        }
        int[] outShape = qs.clone();
        outShape[r - 1] = dv;
        return new NDArray[] {of(out, outShape), of(lse, java.util.Arrays.copyOf(qs, r - 1)), of(dq, qs),
            of(dk, k.shape()), of(dvv, v.shape())};
    }

    private static NDArray of(double[] v, int... shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) v[i];
        }
        return NDArray.of(f, shape);
    }

    /** Forward and backward of the kernel, checked against the reference; returns every result for bit tests. */
    private NDArray[] check(String label, NDArray q, NDArray k, NDArray v, double scale) {
        NDArray g = NDArray.randn(gen, outShape(q, v));
        AttentionResult r = Functional.attentionWithStats(q, k, v, scale);
        NDArray[] grads = Functional.attentionBackward(g, q, k, v, r.out(), r.logsumexp(), scale, true, true, true);
        NDArray[] ref = reference(q, k, v, g, scale);
        Compare.assertClose(r.out(), ref[0], TOL, label + "/out");
        Compare.assertClose(r.logsumexp(), ref[1], TOL, label + "/lse");
        Compare.assertClose(grads[0], ref[2], TOL, label + "/dq");
        Compare.assertClose(grads[1], ref[3], TOL, label + "/dk");
        Compare.assertClose(grads[2], ref[4], TOL, label + "/dv");
        return new NDArray[] {r.out(), r.logsumexp(), grads[0], grads[1], grads[2]};
    }

    private static int[] outShape(NDArray q, NDArray v) {
        int[] s = q.shape();
        s[s.length - 1] = v.size(-1);
        return s;
    }

    private NDArray[] check(int b, int h, int nq, int nk, int d, int dv) {
        NDArray q = NDArray.randn(gen, b, h, nq, d);
        NDArray k = NDArray.randn(gen, b, h, nk, d);
        NDArray v = NDArray.randn(gen, b, h, nk, dv);
        return check(b + "x" + h + " nq=" + nq + " nk=" + nk + " d=" + d + " dv=" + dv, q, k, v,
                1 / Math.sqrt(Math.max(d, 1)));
    }

    @Test
    void awkwardSizes() {
        for (int n : new int[] {1, 7, 17, 64}) {
            for (int d : new int[] {8, 16, 64}) {
                check(2, 3, n, n, d, d);
            }
        }
    }

    @Test
    void unequalLengthsAndWidths() {
        check(1, 2, 7, 17, 16, 8);
        check(2, 1, 17, 1, 8, 16);
        check(1, 1, 1, 64, 64, 3);
        check(3, 1, 33, 5, 5, 33);
    }

    @Test
    void severalQueryBlocksAndPackedGemms() {
        // Three query blocks, the last one partial.
        check(1, 2, 150, 130, 16, 16);
        // 64×300×64 products: past the small-GEMM threshold, so the packed path runs.
        check(1, 1, 70, 300, 64, 64);
        // 2000 keys shorten the query blocks to keep the scores per block bounded.
        assertTrue(AttentionKernels.queryBlock(40, 2000) < AttentionKernels.BLOCK_Q);
        check(1, 1, 40, 2000, 8, 8);
    }

    @Test
    void largeScoresAndOtherScales() {
        NDArray q = NDArray.randn(gen, 2, 9, 8).mul(6);
        NDArray k = NDArray.randn(gen, 2, 11, 8).mul(6);
        NDArray v = NDArray.randn(gen, 2, 11, 8);
        check("large scores", q, k, v, 0.35);
        check("negative scale", q.div(6), k.div(6), v, -0.5);
        check("unbatched 2-D", q.select(0, 0).div(6), k.select(0, 1).div(6), v.select(0, 0), 1.0);
    }

    @Test
    void timmStridedViews() {
        // qkv [B, N, 3, H, D] permuted to [3, B, H, N, D] as timm's Attention does: q, k, v are strided views.
        int b = 2;
        int n = 17;
        int h = 3;
        int d = 16;
        NDArray qkv = NDArray.randn(gen, b, n, 3, h, d).permute(2, 0, 3, 1, 4);
        NDArray q = qkv.select(0, 0);
        NDArray k = qkv.select(0, 1);
        NDArray v = qkv.select(0, 2);
        check("timm views", q, k, v, 0.25);
        // A gradient that is itself a transposed view, and inputs of rank 5.
        NDArray g = NDArray.randn(gen, b, n, h, d).transpose(1, 2);
        AttentionResult r = Functional.attentionWithStats(q, k, v, 0.25);
        NDArray[] got = Functional.attentionBackward(g, q, k, v, r.out(), r.logsumexp(), 0.25, true, true, true);
        NDArray[] ref = reference(q, k, v, g, 0.25);
        for (int i = 0; i < 3; i++) {
            Compare.assertClose(got[i], ref[i + 2], TOL, "strided gradient " + i);
        }
        NDArray q5 = NDArray.randn(gen, 2, 2, 2, 5, 8);
        check("rank 5", q5, NDArray.randn(gen, 2, 2, 2, 6, 8), NDArray.randn(gen, 2, 2, 2, 6, 4), 0.3);
    }

    @Test
    void onlyRequestedGradients() {
        NDArray q = NDArray.randn(gen, 1, 2, 9, 8);
        NDArray k = NDArray.randn(gen, 1, 2, 12, 8);
        NDArray v = NDArray.randn(gen, 1, 2, 12, 8);
        NDArray g = NDArray.randn(gen, 1, 2, 9, 8);
        AttentionResult r = Functional.attentionWithStats(q, k, v, 0.4);
        NDArray[] ref = reference(q, k, v, g, 0.4);
        for (int mask = 0; mask < 8; mask++) {
            boolean[] need = {(mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0};
            NDArray[] got = Functional.attentionBackward(g, q, k, v, r.out(), r.logsumexp(), 0.4, need[0], need[1],
                    need[2]);
            for (int i = 0; i < 3; i++) {
                if (need[i]) {
                    Compare.assertClose(got[i], ref[i + 2], TOL, "mask " + mask + " grad " + i);
                } else {
                    assertNull(got[i]);
                }
            }
        }
    }

    @Test
    void emptySequences() {
        NDArray q = NDArray.randn(gen, 2, 3, 4);
        AttentionResult none = Functional.attentionWithStats(q, NDArray.zeros(2, 0, 4), NDArray.zeros(2, 0, 5), 1);
        assertArrayEquals(new int[] {2, 3, 5}, none.out().shape());
        assertArrayEquals(new float[30], none.out().toFloatArray());
        assertTrue(Float.isInfinite(none.logsumexp().toFloatArray()[0]));
        NDArray[] g = Functional.attentionBackward(NDArray.ones(2, 3, 5), q, NDArray.zeros(2, 0, 4),
                NDArray.zeros(2, 0, 5), none.out(), none.logsumexp(), 1, true, true, true);
        assertArrayEquals(new float[24], g[0].toFloatArray());
        NDArray k = NDArray.randn(gen, 2, 4, 4);
        NDArray v = NDArray.randn(gen, 2, 4, 5);
        AttentionResult noQueries = Functional.attentionWithStats(NDArray.zeros(2, 0, 4), k, v, 1);
        NDArray[] g2 = Functional.attentionBackward(NDArray.zeros(2, 0, 5), NDArray.zeros(2, 0, 4), k, v,
                noQueries.out(), noQueries.logsumexp(), 1, true, true, true);
        assertArrayEquals(new float[32], g2[1].toFloatArray());
        assertArrayEquals(new float[40], g2[2].toFloatArray());
    }

    @Test
    void shortKeySequences() {
        // At most ShortAttention.MAX_KEYS keys take the direct path: MAE's encoder on 8×8 latents (5 tokens, timm's
        // strided qkv), a partial group of query rows, large scores with a negative scale, head dims that are not
        // whole vectors, and only some gradients.
        assertTrue(KernelPath.SCALAR || ShortAttention.applies(5, 5) && !ShortAttention.applies(17, 17));
        NDArray qkv = NDArray.randn(gen, 3, 5, 3, 2, 64).permute(2, 0, 3, 1, 4);
        check("MAE encoder views", qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2), 0.125);
        NDArray q = NDArray.randn(gen, 2, 9, 8).mul(6);
        NDArray k = NDArray.randn(gen, 2, 8, 8).mul(6);
        NDArray v = NDArray.randn(gen, 2, 8, 40);
        check("short, large scores", q, k, v, 0.35);
        check("short, negative scale", q.div(6), k.div(6), v, -0.5);
        check(1, 3, 6, 3, 17, 5);
        NDArray g = NDArray.randn(gen, 2, 9, 40);
        AttentionResult r = Functional.attentionWithStats(q, k, v, 0.35);
        NDArray[] ref = reference(q, k, v, g, 0.35);
        for (int mask = 0; mask < 8; mask++) {
            NDArray[] got = Functional.attentionBackward(g, q, k, v, r.out(), r.logsumexp(), 0.35, (mask & 1) != 0,
                    (mask & 2) != 0, (mask & 4) != 0);
            for (int i = 0; i < 3; i++) {
                if ((mask & (1 << i)) != 0) {
                    Compare.assertClose(got[i], ref[i + 2], TOL, "short, mask " + mask + " grad " + i);
                } else {
                    assertNull(got[i]);
                }
            }
        }
    }

    @Test
    void bitIdenticalForOneAndTwoThreads() {
        int[][] sizes = {{2, 3, 150, 130, 16, 16}, {1, 1, 70, 300, 64, 64}, {1, 1, 40, 2000, 8, 8},
            {4, 2, 17, 17, 64, 64}, {64, 6, 5, 5, 64, 64}};
        for (int[] s : sizes) {
            Generator seeded = new Generator(s[2] * 1000L + s[3]);
            NDArray q = NDArray.randn(seeded, s[0], s[1], s[2], s[4]);
            NDArray k = NDArray.randn(seeded, s[0], s[1], s[3], s[4]);
            NDArray v = NDArray.randn(seeded, s[0], s[1], s[3], s[5]);
            NDArray g = NDArray.randn(seeded, s[0], s[1], s[2], s[5]);
            float[][] one = run(1, q, k, v, g);
            float[][] two = run(2, q, k, v, g);
            for (int i = 0; i < one.length; i++) {
                assertArrayEquals(one[i], two[i], "result " + i + " of sizes " + java.util.Arrays.toString(s));
            }
        }
    }

    private static float[][] run(int threads, NDArray q, NDArray k, NDArray v, NDArray g) {
        Parallel.setThreads(threads);
        AttentionResult r = Functional.attentionWithStats(q, k, v, 0.125);
        NDArray[] gr = Functional.attentionBackward(g, q, k, v, r.out(), r.logsumexp(), 0.125, true, true, true);
        return new float[][] {r.out().toFloatArray(), r.logsumexp().toFloatArray(), gr[0].toFloatArray(),
            gr[1].toFloatArray(), gr[2].toFloatArray()};
    }

    @Test
    void errorsNameTheOpAndShapes() {
        NDArray q = NDArray.randn(gen, 2, 5, 8);
        String m = assertThrows(IllegalArgumentException.class, () -> Functional.scaledDotProductAttention(q,
                NDArray.randn(gen, 2, 6, 7), NDArray.randn(gen, 2, 6, 8), 1)).getMessage();
        assertTrue(m.contains("scaled_dot_product_attention") && m.contains("[2, 5, 8]") && m.contains("[2, 6, 7]"),
                m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.scaledDotProductAttention(q,
                NDArray.randn(gen, 3, 6, 8), NDArray.randn(gen, 3, 6, 8), 1)).getMessage();
        assertTrue(m.contains("same leading dims"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.scaledDotProductAttention(q,
                NDArray.randn(gen, 2, 6, 8), NDArray.randn(gen, 2, 5, 8), 1)).getMessage();
        assertTrue(m.contains("[2, 5, 8]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.scaledDotProductAttention(
                NDArray.zeros(DType.I64, 2, 5, 8), q, q, 1)).getMessage();
        assertTrue(m.contains("floating") && m.contains("I64"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.scaledDotProductAttention(
                NDArray.randn(gen, 8), NDArray.randn(gen, 8), NDArray.randn(gen, 8), 1)).getMessage();
        assertTrue(m.contains("[8]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.scaledDotProductAttention(q, q, q,
                Double.NaN)).getMessage();
        assertTrue(m.contains("scale"), m);
        AttentionResult r = Functional.attentionWithStats(q, q, q, 1);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.attentionBackward(NDArray.zeros(2, 5, 7),
                q, q, q, r.out(), r.logsumexp(), 1, true, true, true)).getMessage();
        assertTrue(m.contains("scaled_dot_product_attention_backward") && m.contains("[2, 5, 7]"), m);
    }
}
