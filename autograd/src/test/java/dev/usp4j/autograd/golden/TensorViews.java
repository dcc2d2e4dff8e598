package dev.usp4j.autograd.golden;

import dev.usp4j.autograd.Tensor;
import java.util.List;

/** golden.py's view chains replayed on {@link Tensor}s, so gradients flow back through the same views. */
public final class TensorViews {
    private TensorViews() {
    }

    public static Tensor apply(Tensor t, List<?> chain) {
        if (chain == null) {
            return t;
        }
        for (Object stepObj : chain) {
            List<?> step = (List<?>) stepObj;
            String op = (String) step.get(0);
            t = switch (op) {
                case "transpose" -> t.transpose(i(step, 1), i(step, 2));
                case "permute" -> t.permute(ints(step.get(1)));
                case "narrow" -> t.narrow(i(step, 1), i(step, 2), i(step, 3));
                case "slice" -> t.slice(i(step, 1), step.get(2) == null ? 0 : i(step, 2),
                        step.get(3) == null ? Integer.MAX_VALUE : i(step, 3), step.get(4) == null ? 1 : i(step, 4));
                case "select" -> t.select(i(step, 1), i(step, 2));
                case "expand" -> t.expand(ints(step.get(1)));
                case "unsqueeze" -> t.unsqueeze(i(step, 1));
                case "squeeze" -> step.size() > 1 ? t.squeeze(i(step, 1)) : t.squeeze();
                case "reshape" -> t.reshape(ints(step.get(1)));
                case "view" -> t.view(ints(step.get(1)));
                case "flatten" -> t.flatten(i(step, 1), i(step, 2));
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
