package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import dev.usp4j.tensor.golden.Views;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Random chains of view ops replayed on torch.arange(n).reshape(shape) (fixtures from gen_views.py): the final
 * values and shape must match PyTorch's, {@code isContiguous()} must agree with torch's {@code is_contiguous()},
 * and {@code view} must throw at exactly the steps where torch's raised (the chain then goes on unchanged).
 */
class ViewsGoldenTest {

    @TestFactory
    Stream<DynamicTest> views() {
        return GoldenTests.of("views", 0, c -> Map.of("out", replay(c)));
    }

    private static NDArray replay(GoldenCase c) {
        List<?> chain = c.listArg("chain");
        Set<Integer> raises = new HashSet<>();
        for (Object r : c.listArg("raises")) {
            raises.add(((Number) r).intValue());
        }
        NDArray t = c.in("x");
        for (int i = 0; i < chain.size(); i++) {
            List<?> step = List.of(chain.get(i));
            if (raises.contains(i)) {
                NDArray before = t;
                assertThrows(IllegalArgumentException.class, () -> Views.apply(before, step),
                        c.name() + ": step " + i + " " + chain.get(i) + " must throw as torch's view did, on shape "
                                + Shape.str(before.shape()) + " strides " + Arrays.toString(before.strides()));
            } else {
                t = Views.apply(t, step);
            }
        }
        assertEquals(c.boolArg("contiguous"), t.isContiguous(), c.name() + ": isContiguous() of shape "
                + Shape.str(t.shape()) + " strides " + Arrays.toString(t.strides()));
        return t;
    }
}
