package dev.usp4j.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Random view ops valid for a given shape, each as a pair: the {@link NDArray} call and the same op on a
 * {@link DenseModel}, whose arithmetic (slice bounds, negative dims, -1 extents) is written out here independently
 * of NDArray's.
 */
final class RandomViewSteps {
    /** Upper bound on the elements a step may create (expand can grow arrays). */
    static final int MAX_NUMEL = 400;

    /** One view op: on arrays, on the model, and whether it is a {@code view} (which may refuse a layout). */
    record Step(String name, UnaryOperator<NDArray> array, UnaryOperator<DenseModel> model, int[] viewShape) {
        boolean isView() {
            return name.startsWith("view");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private RandomViewSteps() {
    }

    static Step pick(Random r, int[] s) {
        int rank = s.length;
        int wrap = Math.max(rank, 1);
        int n = DenseModel.count(s);
        while (true) {
            switch (r.nextInt(13)) {
                case 0 -> {
                    int a = r.nextInt(2 * wrap) - wrap;
                    int b = r.nextInt(2 * wrap) - wrap;
                    return new Step("transpose(" + a + "," + b + ")", t -> t.transpose(a, b), m -> m.transpose(a, b),
                            null);
                }
                case 1 -> {
                    List<Integer> p = new ArrayList<>();
                    for (int i = 0; i < rank; i++) {
                        p.add(i);
                    }
                    Collections.shuffle(p, r);
                    int[] dims = new int[rank];
                    for (int i = 0; i < rank; i++) {
                        dims[i] = r.nextInt(3) == 0 ? p.get(i) - rank : p.get(i);
                    }
                    return new Step("permute" + Arrays.toString(dims), t -> t.permute(dims), m -> m.permute(dims),
                            null);
                }
                case 2 -> {
                    if (rank == 0) {
                        continue;
                    }
                    int d = r.nextInt(rank);
                    int start = r.nextInt(s[d] + 1);
                    int len = r.nextInt(s[d] - start + 1);
                    int arg = start > 0 && start < s[d] && r.nextBoolean() ? start - s[d] : start;
                    return new Step("narrow(" + d + "," + arg + "," + len + ")", t -> t.narrow(d, arg, len),
                            m -> m.slice(d, start, len, 1), null);
                }
                case 3, 4 -> {
                    if (rank == 0) {
                        continue;
                    }
                    int d = r.nextInt(rank);
                    int e = s[d];
                    Integer start = r.nextInt(4) == 0 ? null : r.nextInt(2 * e + 5) - e - 2;
                    Integer end = r.nextInt(4) == 0 ? null : r.nextInt(2 * e + 5) - e - 2;
                    int step = 1 + r.nextInt(3);
                    // Python's rules: negative bounds count from the end, then clamp into [0, e].
                    int lo = start == null ? 0 : Math.clamp(start < 0 ? start + e : start, 0, e);
                    int hi = end == null ? e : Math.clamp(end < 0 ? end + e : end, 0, e);
                    int count = hi > lo ? (hi - lo + step - 1) / step : 0;
                    int a = start == null ? 0 : start;
                    int b = end == null ? Integer.MAX_VALUE : end;
                    return new Step("slice(" + d + "," + start + "," + end + "," + step + ")",
                            t -> t.slice(d, a, b, step), m -> m.slice(d, lo, count, step), null);
                }
                case 5 -> {
                    List<Integer> nonEmpty = new ArrayList<>();
                    for (int i = 0; i < rank; i++) {
                        if (s[i] > 0) {
                            nonEmpty.add(i);
                        }
                    }
                    if (nonEmpty.isEmpty()) {
                        continue;
                    }
                    int d = nonEmpty.get(r.nextInt(nonEmpty.size()));
                    int idx = r.nextInt(2 * s[d]) - s[d];
                    int resolved = idx < 0 ? idx + s[d] : idx;
                    return new Step("select(" + d + "," + idx + ")", t -> t.select(d, idx), m -> m.select(d, resolved),
                            null);
                }
                case 6 -> {
                    int lead = r.nextInt(3) == 0 ? 1 + r.nextInt(2) : 0;
                    int[] target = new int[lead + rank];
                    int[] resolved = new int[lead + rank];
                    for (int i = 0; i < lead; i++) {
                        target[i] = resolved[i] = 1 + r.nextInt(3);
                    }
                    for (int i = 0; i < rank; i++) {
                        boolean grow = s[i] == 1 && r.nextInt(10) < 7;
                        resolved[lead + i] = grow ? r.nextInt(5) : s[i];
                        target[lead + i] = !grow && r.nextInt(3) == 0 ? -1 : resolved[lead + i];
                    }
                    if (DenseModel.count(resolved) > MAX_NUMEL) {
                        continue;
                    }
                    return new Step("expand" + Arrays.toString(target), t -> t.expand(target),
                            m -> m.broadcastTo(resolved), null);
                }
                case 7 -> {
                    int d = r.nextInt(2 * rank + 2) - rank - 1;
                    int at = d < 0 ? d + rank + 1 : d;
                    int[] out = insert(s, at, 1);
                    return new Step("unsqueeze(" + d + ")", t -> t.unsqueeze(d), m -> m.reshape(out), null);
                }
                case 8 -> {
                    int[] out = Arrays.stream(s).filter(e -> e != 1).toArray();
                    return new Step("squeeze()", NDArray::squeeze, m -> m.reshape(out), null);
                }
                case 9 -> {
                    int d = r.nextInt(2 * wrap) - wrap;
                    int at = d < 0 ? d + wrap : d;
                    int[] out = rank > 0 && s[at] == 1 ? remove(s, at) : s;
                    return new Step("squeeze(" + d + ")", t -> t.squeeze(d), m -> m.reshape(out), null);
                }
                case 10 -> {
                    int a = r.nextInt(wrap);
                    int b = a + r.nextInt(wrap - a);
                    int[] out = flattened(s, a, b);
                    int sa = r.nextBoolean() ? a - wrap : a;
                    int sb = r.nextBoolean() ? b - wrap : b;
                    return new Step("flatten(" + sa + "," + sb + ")", t -> t.flatten(sa, sb), m -> m.reshape(out),
                            null);
                }
                default -> {
                    int[] out = newShape(r, s, n);
                    int[] arg = out.clone();
                    if (n > 0 && arg.length > 0 && r.nextInt(10) < 3) {
                        arg[r.nextInt(arg.length)] = -1;
                    }
                    boolean view = r.nextBoolean();
                    String name = (view ? "view" : "reshape") + Arrays.toString(arg);
                    return new Step(name, view ? t -> t.view(arg) : t -> t.reshape(arg), m -> m.reshape(out),
                            view ? out : null);
                }
            }
        }
    }

    /** A shape with n elements: two neighbours merged, one dim split, or a random factorisation. */
    static int[] newShape(Random r, int[] s, int n) {
        if (n == 0) {
            List<Integer> l = new ArrayList<>();
            for (int e : s) {
                l.add(e);
            }
            Collections.shuffle(l, r);
            if (r.nextBoolean()) {
                l.add(r.nextInt(3));
            }
            return l.stream().mapToInt(Integer::intValue).toArray();
        }
        int choice = r.nextInt(3);
        if (choice == 0 && s.length >= 2) {
            int i = r.nextInt(s.length - 1);
            int[] out = remove(s, i + 1);
            out[i] = s[i] * s[i + 1];
            return out;
        }
        if (choice == 1 && s.length >= 1) {
            int i = r.nextInt(s.length);
            int[] two = factorise(r, s[i], 2);
            int[] out = insert(s, i + 1, two[1]);
            out[i] = two[0];
            return out;
        }
        return factorise(r, n, n == 1 ? r.nextInt(4) : 1 + r.nextInt(4));
    }

    /** A random shape of {@code rank} dims (in random order) with n elements. */
    static int[] factorise(Random r, int n, int rank) {
        if (rank == 0) {
            return new int[0];
        }
        int[] out = new int[rank];
        for (int i = 0; i < rank - 1; i++) {
            List<Integer> divisors = new ArrayList<>();
            for (int d = 1; d <= Math.min(n, 6); d++) {
                if (n % d == 0) {
                    divisors.add(d);
                }
            }
            out[i] = divisors.get(r.nextInt(divisors.size()));
            n /= out[i];
        }
        out[rank - 1] = n;
        for (int i = rank - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int v = out[i];
            out[i] = out[j];
            out[j] = v;
        }
        return out;
    }

    static int[] flattened(int[] s, int a, int b) {
        if (s.length == 0) {
            return new int[] {1};
        }
        int[] out = new int[s.length - (b - a)];
        System.arraycopy(s, 0, out, 0, a);
        int m = 1;
        for (int i = a; i <= b; i++) {
            m *= s[i];
        }
        out[a] = m;
        System.arraycopy(s, b + 1, out, a + 1, s.length - b - 1);
        return out;
    }

    static int[] insert(int[] a, int i, int v) {
        int[] r = new int[a.length + 1];
        System.arraycopy(a, 0, r, 0, i);
        r[i] = v;
        System.arraycopy(a, i, r, i + 1, a.length - i);
        return r;
    }

    static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }
}
