package dev.usp4j.tensor.golden;

import dev.usp4j.tensor.NDArray;
import java.util.List;

/**
 * Replays a view chain recorded by golden.py's apply_views, so Java sees the same non-contiguous layouts. The chain
 * is interpreted once here for any type that offers the view operations ({@link Viewer}): NDArray below, the
 * autograd Tensor in that module's tests.
 */
public final class Views {
    private Views() {
    }

    /** The view operations a replayable type offers. */
    public interface Viewer<T> {
        T transpose(T t, int d0, int d1);

        T permute(T t, int[] dims);

        T narrow(T t, int dim, int start, int length);

        T slice(T t, int dim, int start, int end, int step);

        T select(T t, int dim, int index);

        T expand(T t, int[] sizes);

        T unsqueeze(T t, int dim);

        T squeeze(T t);

        T squeeze(T t, int dim);

        T reshape(T t, int[] shape);

        T view(T t, int[] shape);

        T flatten(T t, int start, int end);
    }

    private static final Viewer<NDArray> NDARRAY = new Viewer<>() {
        public NDArray transpose(NDArray t, int d0, int d1) {
            return t.transpose(d0, d1);
        }

        public NDArray permute(NDArray t, int[] dims) {
            return t.permute(dims);
        }

        public NDArray narrow(NDArray t, int dim, int start, int length) {
            return t.narrow(dim, start, length);
        }

        public NDArray slice(NDArray t, int dim, int start, int end, int step) {
            return t.slice(dim, start, end, step);
        }

        public NDArray select(NDArray t, int dim, int index) {
            return t.select(dim, index);
        }

        public NDArray expand(NDArray t, int[] sizes) {
            return t.expand(sizes);
        }

        public NDArray unsqueeze(NDArray t, int dim) {
            return t.unsqueeze(dim);
        }

        public NDArray squeeze(NDArray t) {
            return t.squeeze();
        }

        public NDArray squeeze(NDArray t, int dim) {
            return t.squeeze(dim);
        }

        public NDArray reshape(NDArray t, int[] shape) {
            return t.reshape(shape);
        }

        public NDArray view(NDArray t, int[] shape) {
            return t.view(shape);
        }

        public NDArray flatten(NDArray t, int start, int end) {
            return t.flatten(start, end);
        }
    };

    public static NDArray apply(NDArray t, List<?> chain) {
        return apply(t, chain, NDARRAY);
    }

    public static <T> T apply(T t, List<?> chain, Viewer<T> v) {
        if (chain == null) {
            return t;
        }
        for (Object stepObj : chain) {
            List<?> step = (List<?>) stepObj;
            String op = (String) step.get(0);
            t = switch (op) {
                case "transpose" -> v.transpose(t, i(step, 1), i(step, 2));
                case "permute" -> v.permute(t, ints(step.get(1)));
                case "narrow" -> v.narrow(t, i(step, 1), i(step, 2), i(step, 3));
                case "slice" -> v.slice(t, i(step, 1), step.get(2) == null ? 0 : i(step, 2),
                        step.get(3) == null ? Integer.MAX_VALUE : i(step, 3), step.get(4) == null ? 1 : i(step, 4));
                case "select" -> v.select(t, i(step, 1), i(step, 2));
                case "expand" -> v.expand(t, ints(step.get(1)));
                case "unsqueeze" -> v.unsqueeze(t, i(step, 1));
                case "squeeze" -> step.size() > 1 ? v.squeeze(t, i(step, 1)) : v.squeeze(t);
                case "reshape" -> v.reshape(t, ints(step.get(1)));
                case "view" -> v.view(t, ints(step.get(1)));
                case "flatten" -> v.flatten(t, i(step, 1), i(step, 2));
                default -> throw new IllegalArgumentException("unknown view op " + op);
            };
        }
        return t;
    }

    private static int i(List<?> step, int k) {
        return ((Number) step.get(k)).intValue();
    }

    static int[] ints(Object o) {
        List<?> l = (List<?>) o;
        int[] r = new int[l.size()];
        for (int k = 0; k < r.length; k++) {
            r[k] = ((Number) l.get(k)).intValue();
        }
        return r;
    }
}
