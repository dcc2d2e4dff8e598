package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.tensor.cpu.Parallel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The index and sort kernels on inputs large enough to be split across threads: results are bit-identical for one
 * and two threads and equal to plain reference loops written here (scatter_add accumulating in index order, a
 * boxed stable sort with NaN last).
 */
class IndexKernelsTest {

    /** Runs the computation with 1 and with 2 threads and checks both give the same bits. */
    private static NDArray sameForAnyThreads(Supplier<NDArray> f) {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            NDArray one = f.get();
            Parallel.setThreads(2);
            NDArray two = f.get();
            assertArrayEquals(one.shape(), two.shape());
            if (one.dtype() == DType.F32) {
                assertArrayEquals(one.toFloatArray(), two.toFloatArray(), 0f, "1 vs 2 threads");
            } else {
                assertArrayEquals(one.toLongArray(), two.toLongArray(), "1 vs 2 threads");
            }
            return two;
        } finally {
            Parallel.setThreads(saved);
        }
    }

    private static float[] randn(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void indexSelectMatchesLoops() {
        Random r = new Random(1);
        for (int inner : new int[] {1, 3, 40}) {
            int outer = 60;
            int n = 50;
            int k = 700;
            float[] xv = randn(r, outer * n * inner);
            long[] idx = new long[k];
            for (int j = 0; j < k; j++) {
                idx[j] = r.nextInt(n);
            }
            NDArray x = NDArray.of(xv, outer, n, inner);
            NDArray out = sameForAnyThreads(() -> x.indexSelect(1, NDArray.of(idx)));
            float[] want = new float[outer * k * inner];
            for (int o = 0; o < outer; o++) {
                for (int j = 0; j < k; j++) {
                    for (int i = 0; i < inner; i++) {
                        want[(o * k + j) * inner + i] = xv[(o * n + (int) idx[j]) * inner + i];
                    }
                }
            }
            assertArrayEquals(want, out.toFloatArray(), 0f, "inner " + inner);
        }
    }

    @Test
    void gatherMatchesLoops() {
        Random r = new Random(2);
        int a = 70;
        int b = 90;
        int c = 11;
        float[] xv = randn(r, a * b * c);
        NDArray x = NDArray.of(xv, a, b, c);
        int[] ishape = {a - 3, 120, c - 2};
        long[] idx = new long[ishape[0] * ishape[1] * ishape[2]];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = r.nextInt(b);
        }
        NDArray out = sameForAnyThreads(() -> x.gather(1, NDArray.of(idx, ishape)));
        float[] got = out.toFloatArray();
        for (int i = 0; i < ishape[0]; i++) {
            for (int j = 0; j < ishape[1]; j++) {
                for (int l = 0; l < ishape[2]; l++) {
                    int p = (i * ishape[1] + j) * ishape[2] + l;
                    assertEquals(xv[(i * b + (int) idx[p]) * c + l], got[p]);
                }
            }
        }
    }

    @Test
    void scatterAddAccumulatesInIndexOrder() {
        Random r = new Random(3);
        for (int dim = 0; dim < 3; dim++) {
            int[] self = {40, 50, 30};
            self[dim] = 5;  // few targets along dim: many collisions
            int[] ishape = {40, 50, 30};
            ishape[dim] = 200;
            int[] sshape = ishape.clone();
            float[] src = new float[DenseModel.count(sshape)];
            for (int i = 0; i < src.length; i++) {
                // Wide range of magnitudes so that the order of float additions shows in the result.
                src[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4));
            }
            long[] idx = new long[src.length];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = r.nextInt(5);
            }
            int d = dim;
            NDArray out = sameForAnyThreads(() -> NDArray.zeros(self).scatterAdd(d, NDArray.of(idx, ishape),
                    NDArray.of(src, sshape)));
            float[] want = new float[DenseModel.count(self)];
            int[] st = {self[1] * self[2], self[2], 1};
            int[] c = new int[3];
            for (int p = 0; p < idx.length; p++) {
                int[] t = c.clone();
                t[dim] = (int) idx[p];
                want[t[0] * st[0] + t[1] * st[1] + t[2]] += src[p];
                for (int q = 2; q >= 0; q--) {
                    if (++c[q] < ishape[q]) {
                        break;
                    }
                    c[q] = 0;
                }
            }
            assertArrayEquals(want, out.toFloatArray(), 0f, "dim " + dim + ": sums must be bit-identical");
        }
    }

    /**
     * A row index broadcast along the inner dims (MAE's {@code ids.unsqueeze(-1).expand(n, k, d)}, never
     * materialised on the CPU) gives the same bits as the same index made contiguous, for gather and for
     * scatter_add with many collisions; I64 and I32 indices, an index shorter than the operand in an outer dim, two
     * inner dims, and the range check still names the offending value.
     */
    @Test
    void rowBroadcastIndexMatchesMaterialisedIndex() {
        Random r = new Random(5);
        int n = 6;
        int l = 9;
        int k = 40;
        int[][] inners = {{33}, {3, 7}};
        for (int[] inner : inners) {
            int[] xshape = new int[2 + inner.length];
            xshape[0] = n;
            xshape[1] = l;
            System.arraycopy(inner, 0, xshape, 2, inner.length);
            NDArray x = NDArray.of(randn(r, DenseModel.count(xshape)), xshape);
            long[] ids = new long[(n - 1) * k];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = r.nextInt(l);
            }
            int[] rowShape = new int[xshape.length];
            java.util.Arrays.fill(rowShape, 1);
            rowShape[0] = n - 1;
            rowShape[1] = k;
            int[] full = xshape.clone();
            full[0] = n - 1;
            full[1] = k;
            for (DType t : new DType[] {DType.I64, DType.I32}) {
                NDArray rows = NDArray.of(ids, rowShape).to(t);
                NDArray expanded = rows.expand(full);
                NDArray dense = expanded.contiguous();
                String what = t + " index, inner " + java.util.Arrays.toString(inner);
                NDArray got = sameForAnyThreads(() -> x.gather(1, expanded));
                assertArrayEquals(x.gather(1, dense).toFloatArray(), got.toFloatArray(), 0f, "gather, " + what);
                int[] targets = xshape.clone();
                targets[0] = n - 1;
                NDArray src = NDArray.of(randn(r, DenseModel.count(full)), full);
                NDArray sums = sameForAnyThreads(() -> NDArray.zeros(targets).scatterAdd(1, expanded, src));
                assertArrayEquals(NDArray.zeros(targets).scatterAdd(1, dense, src).toFloatArray(),
                        sums.toFloatArray(), 0f, "scatter_add, " + what);
            }
        }
        NDArray bad = NDArray.of(new long[] {0, 9}, 1, 2, 1).expand(1, 2, 33);
        NDArray x = NDArray.zeros(1, 9, 33);
        IndexOutOfBoundsException e = org.junit.jupiter.api.Assertions.assertThrows(
                IndexOutOfBoundsException.class, () -> x.gather(1, bad));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("index 9"), e.getMessage());
    }

    @Test
    void sortIsStableWithNanLast() {
        Random r = new Random(4);
        int rows = 40;
        int n = 1500;
        float[] v = new float[rows * n];
        for (int i = 0; i < v.length; i++) {
            int kind = r.nextInt(20);
            v[i] = kind == 0 ? Float.NaN : kind == 1 ? -0.0f : Math.round(r.nextGaussian() * 30) / 4f;
        }
        NDArray x = NDArray.of(v, n, rows).t();  // sort along a strided dim
        for (boolean desc : new boolean[] {false, true}) {
            ValuesIndices[] got = new ValuesIndices[1];
            NDArray idx = sameForAnyThreads(() -> {
                got[0] = x.sort(1, desc);
                return got[0].indices();
            });
            float[] vals = got[0].values().toFloatArray();
            long[] ix = idx.toLongArray();
            for (int row = 0; row < rows; row++) {
                List<Integer> order = new ArrayList<>();
                for (int p = 0; p < n; p++) {
                    order.add(p);
                }
                int rr = row;
                Comparator<Integer> byValue = (p, q) -> Float.compare(canon(v[p * rows + rr]), canon(v[q * rows + rr]));
                order.sort(desc ? byValue.reversed() : byValue);  // List.sort is stable
                for (int p = 0; p < n; p++) {
                    assertEquals((long) order.get(p), ix[row * n + p], "row " + row + " position " + p);
                    assertEquals(Float.floatToIntBits(v[order.get(p) * rows + row]),
                            Float.floatToIntBits(vals[row * n + p]));
                }
            }
        }
    }

    /** -0.0 as 0.0, so that Float.compare treats them as ties, as torch does; NaN stays largest. */
    private static float canon(float f) {
        return f == 0 ? 0f : f;
    }

    @Test
    void sortI64IsStable() {
        Random r = new Random(5);
        int n = 3001;
        long[] v = new long[2 * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(7) == 0 ? Long.MIN_VALUE + r.nextInt(3) : (r.nextInt(200) - 100) * (1L << 40);
        }
        NDArray x = NDArray.of(v, 2, n);
        for (boolean desc : new boolean[] {false, true}) {
            NDArray idx = sameForAnyThreads(() -> x.argsort(1, desc));
            long[] ix = idx.toLongArray();
            for (int row = 0; row < 2; row++) {
                List<Integer> order = new ArrayList<>();
                for (int p = 0; p < n; p++) {
                    order.add(p);
                }
                int rr = row;
                Comparator<Integer> byValue = Comparator.comparingLong(p -> v[rr * n + p]);
                order.sort(desc ? byValue.reversed() : byValue);
                for (int p = 0; p < n; p++) {
                    assertEquals((long) order.get(p), ix[row * n + p]);
                }
            }
        }
    }

    @Test
    void topkEqualsThePrefixOfTheSort() {
        Random r = new Random(6);
        int rows = 30;
        int n = 2000;
        float[] v = new float[rows * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();  // continuous: no ties
        }
        NDArray x = NDArray.of(v, rows, n);
        for (int k : new int[] {1, 7, 500, n}) {
            for (boolean largest : new boolean[] {true, false}) {
                NDArray idx = sameForAnyThreads(() -> x.topk(k, 1, largest, true).indices());
                NDArray sorted = x.argsort(1, largest).narrow(1, 0, k);
                assertArrayEquals(sorted.toLongArray(), idx.toLongArray(), "k " + k + " largest " + largest);
                NDArray unsorted = x.topk(k, 1, largest, false).indices();
                NDArray resorted = unsorted.sort(1, false).values();
                assertArrayEquals(sorted.sort(1, false).values().toLongArray(), resorted.toLongArray(),
                        "unsorted top-k holds the same elements");
            }
        }
    }
}
