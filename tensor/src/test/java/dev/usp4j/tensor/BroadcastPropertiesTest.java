package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Broadcasting properties on random shape pairs (mostly compatible: one shape derived from the other by dropping
 * leading dims and setting extents to 1, sometimes perturbed): the broadcast shape is commutative and follows the
 * NumPy rule dim by dim; {@code a.add(b)} equals the element-by-element sum of explicitly broadcast dense copies;
 * {@code expand} never copies.
 */
class BroadcastPropertiesTest {

    /** Two shapes, usually broadcastable, from a seed. */
    static int[][] pair(long seed) {
        Random r = new Random(seed);
        int[] base = new int[r.nextInt(5)];
        for (int i = 0; i < base.length; i++) {
            base[i] = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(5);
        }
        int[] a = derive(r, base);
        int[] b = derive(r, base);
        if (r.nextInt(5) == 0 && a.length > 0) {
            a[r.nextInt(a.length)] = r.nextInt(6);
        }
        return r.nextBoolean() ? new int[][] {a, b} : new int[][] {b, a};
    }

    private static int[] derive(Random r, int[] base) {
        int drop = r.nextInt(base.length + 1);
        int[] s = Arrays.copyOfRange(base, drop, base.length);
        for (int i = 0; i < s.length; i++) {
            if (r.nextInt(3) == 0) {
                s[i] = 1;
            }
        }
        return s;
    }

    /** NumPy's rule written out: right-aligned, equal or one of them 1; null when incompatible. */
    static int[] expected(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 1; i <= rank; i++) {
            int da = i <= a.length ? a[a.length - i] : 1;
            int db = i <= b.length ? b[b.length - i] : 1;
            if (da != db && da != 1 && db != 1) {
                return null;
            }
            out[rank - i] = da == 1 ? db : da;
        }
        return out;
    }

    @Property(tries = 300)
    void broadcastShapeIsCommutativeAndFollowsTheRule(@ForAll long seed) {
        int[][] p = pair(seed);
        int[] want = expected(p[0], p[1]);
        if (want == null) {
            assertThrows(IllegalArgumentException.class, () -> Shape.broadcast("test", p[0], p[1]));
            assertThrows(IllegalArgumentException.class, () -> Shape.broadcast("test", p[1], p[0]));
            return;
        }
        assertArrayEquals(want, Shape.broadcast("test", p[0], p[1]));
        assertArrayEquals(want, Shape.broadcast("test", p[1], p[0]));
    }

    @Property(tries = 200)
    void addEqualsTheSumOfExplicitlyBroadcastCopies(@ForAll long seed) {
        int[][] p = pair(seed);
        int[] out = expected(p[0], p[1]);
        if (out == null) {
            assertThrows(IllegalArgumentException.class, () -> NDArray.zeros(p[0]).add(NDArray.zeros(p[1])));
            return;
        }
        Random r = new Random(seed ^ 0x5DEECE66DL);
        NDArray a = randomFloats(r, p[0]);
        NDArray b = randomFloats(r, p[1]);
        float[] av = a.toFloatArray();
        float[] bv = b.toFloatArray();
        // Dense broadcast copies by index arithmetic (DenseModel carries indices; values are looked up).
        long[] ai = DenseModel.arange(p[0]).broadcastTo(out).values;
        long[] bi = DenseModel.arange(p[1]).broadcastTo(out).values;
        float[] want = new float[ai.length];
        for (int i = 0; i < want.length; i++) {
            want[i] = av[(int) ai[i]] + bv[(int) bi[i]];
        }
        NDArray sum = a.add(b);
        assertArrayEquals(out, sum.shape(), "shape of " + Arrays.toString(p[0]) + " + " + Arrays.toString(p[1]));
        assertArrayEquals(want, sum.toFloatArray(), 0f, "values of " + Arrays.toString(p[0]) + " + "
                + Arrays.toString(p[1]));
        NDArray viaExpand = a.expand(out).contiguous().add(b.expand(out).contiguous());
        assertArrayEquals(want, viaExpand.toFloatArray(), 0f, "expanded copies");
    }

    @Property(tries = 200)
    void expandNeverCopies(@ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int lead) {
        Random r = new Random(seed);
        int[] s = new int[r.nextInt(4)];
        for (int i = 0; i < s.length; i++) {
            s[i] = r.nextInt(3) == 0 ? 1 + r.nextInt(4) : 1;
        }
        int[] target = new int[lead + s.length];
        for (int i = 0; i < target.length; i++) {
            int have = i < lead ? 1 : s[i - lead];
            target[i] = have == 1 ? r.nextInt(4) : have;
        }
        NDArray a = NDArray.arange(DenseModel.count(s)).reshape(s);
        NDArray e = a.expand(target);
        assertSame(a.storage(), e.storage(), "expand " + Arrays.toString(s) + " -> " + Arrays.toString(target));
        assertArrayEquals(target, e.shape());
        assertArrayEquals(DenseModel.arange(s).broadcastTo(target).values, e.toLongArray());
        for (int i = 0; i < target.length; i++) {
            if (target[i] > 1 && (i < lead || s[i - lead] == 1)) {
                assertEquals(0, e.stride(i), "broadcast dims have stride 0");
            }
        }
    }

    private static NDArray randomFloats(Random r, int[] shape) {
        float[] v = new float[DenseModel.count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return NDArray.of(v).reshape(shape);
    }
}
