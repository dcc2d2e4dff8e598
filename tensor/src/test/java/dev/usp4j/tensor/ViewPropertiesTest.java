package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random view chains on random shapes (ranks 0–4, extents 0–5) checked against {@link DenseModel}, which applies
 * each op by explicit index arithmetic. After every step: the shape and values match the model; {@code
 * isContiguous()} holds exactly when the elements sit at consecutive storage offsets; {@code view} succeeds exactly
 * when some strides address the new shape (checked by brute force on the offsets) and {@code reshape} shares the
 * storage in exactly those cases; {@code contiguous()} returns the array itself when it already owns a row-major
 * storage and otherwise a row-major copy.
 */
class ViewPropertiesTest {

    @Provide
    Arbitrary<int[]> shapes() {
        Arbitrary<Integer> extent = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0)), net.jqwik.api.Tuple.of(9, Arbitraries.integers()
                        .between(1, 5)));
        return extent.array(int[].class).ofMinSize(0).ofMaxSize(4);
    }

    @Property(tries = 400)
    void viewChainsMatchTheModel(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Random r = new Random(seed);
        NDArray t = NDArray.arange(DenseModel.count(shape)).reshape(shape);
        DenseModel m = DenseModel.arange(shape);
        List<String> chain = new ArrayList<>();
        int steps = 1 + r.nextInt(6);
        for (int i = 0; i < steps; i++) {
            RandomViewSteps.Step step = RandomViewSteps.pick(r, t.shape());
            chain.add(step.name());
            String where = "chain " + chain + " from " + Arrays.toString(shape);
            if (step.isView()) {
                boolean possible = stridesExist(t, step.viewShape());
                NDArray v = null;
                try {
                    v = step.array().apply(t);
                } catch (IllegalArgumentException e) {
                    assertTrue(!possible, where + ": view threw although strides exist: " + e.getMessage());
                }
                if (v == null) {
                    continue;
                }
                assertTrue(possible, where + ": view succeeded although no strides address the shape");
                assertSame(t.storage(), v.storage(), where + ": view must share the storage");
                t = v;
            } else {
                NDArray before = t;
                t = step.array().apply(t);
                if (step.name().startsWith("reshape")) {
                    boolean shares = t.storage() == before.storage();
                    assertEquals(stridesExist(before, t.shape()), shares, where + ": reshape shares storage exactly"
                            + " when a view is possible");
                }
            }
            m = step.model().apply(m);
            check(t, m, where);
        }
    }

    private static void check(NDArray t, DenseModel m, String where) {
        assertArrayEquals(m.shape, t.shape(), where + ": shape");
        assertArrayEquals(m.values, t.toLongArray(), where + ": values");
        assertEquals(consecutive(t), t.isContiguous(), where + ": isContiguous() of strides "
                + Arrays.toString(t.strides()));
        NDArray c = t.contiguous();
        if (t.isContiguous() && t.offset() == 0 && t.storage().size() == t.numel()) {
            assertSame(t, c, where + ": contiguous() of an array owning a row-major storage must return it");
        } else {
            assertTrue(c.isContiguous() && c.offset() == 0, where + ": contiguous() must give a row-major copy");
            assertArrayEquals(m.values, c.toLongArray(), where + ": contiguous() values");
        }
    }

    /** The storage offset of every element, in row-major order. */
    static long[] offsets(NDArray t) {
        int[] s = t.shape();
        int[] st = t.strides();
        long[] out = new long[DenseModel.count(s)];
        int[] c = new int[s.length];
        for (int p = 0; p < out.length; p++) {
            long o = t.offset();
            for (int i = 0; i < s.length; i++) {
                o += (long) c[i] * st[i];
            }
            out[p] = o;
            for (int q = s.length - 1; q >= 0; q--) {
                if (++c[q] < s[q]) {
                    break;
                }
                c[q] = 0;
            }
        }
        return out;
    }

    /** True when the elements, read row-major, sit at consecutive storage offsets. */
    static boolean consecutive(NDArray t) {
        long[] off = offsets(t);
        for (int p = 1; p < off.length; p++) {
            if (off[p] != off[0] + p) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether t's elements, read row-major and laid out in {@code shape}, can be addressed by one set of strides:
     * the candidate stride of each dim is the offset step to its first neighbour, then every element is checked.
     */
    static boolean stridesExist(NDArray t, int[] shape) {
        long[] off = offsets(t);
        if (off.length == 0) {
            return true;
        }
        int rank = shape.length;
        long[] cand = new long[rank];
        long unit = 1;
        for (int i = rank - 1; i >= 0; i--) {
            cand[i] = shape[i] > 1 ? off[(int) unit] - off[0] : 0;
            unit *= shape[i];
        }
        int[] c = new int[rank];
        for (int p = 0; p < off.length; p++) {
            long o = off[0];
            for (int i = 0; i < rank; i++) {
                o += c[i] * cand[i];
            }
            if (o != off[p]) {
                return false;
            }
            for (int q = rank - 1; q >= 0; q--) {
                if (++c[q] < shape[q]) {
                    break;
                }
                c[q] = 0;
            }
        }
        return true;
    }

    @Property(tries = 200)
    void reshapeOfAContiguousArrayIsAView(@ForAll("shapes") int[] shape, @ForAll long seed) {
        int n = DenseModel.count(shape);
        NDArray a = NDArray.arange(n).reshape(shape).contiguous();
        assertSame(a, a.contiguous(), "contiguous() of a fresh array");
        int[] target = RandomViewSteps.newShape(new Random(seed), shape, n);
        NDArray b = a.reshape(target);
        assertSame(a.storage(), b.storage(), "reshape " + Arrays.toString(shape) + " -> "
                + Arrays.toString(target) + " must not copy");
        assertArrayEquals(target, b.shape());
        assertArrayEquals(a.toLongArray(), b.toLongArray());
        assertTrue(b.isContiguous());
    }
}
