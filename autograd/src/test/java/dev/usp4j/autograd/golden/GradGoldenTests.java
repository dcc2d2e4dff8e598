package dev.usp4j.autograd.golden;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * One dynamic test per gradient fixture case: the runner computes the op on {@link GradCase#t} inputs and returns
 * a {@link Tensor} (or a list for multi-output ops); the harness runs backward with PyTorch's upstream gradients and
 * compares the outputs and every input's gradient with PyTorch's.
 */
public final class GradGoldenTests {
    private GradGoldenTests() {
    }

    public static Stream<DynamicTest> of(String group, double tol, Function<GradCase, Object> runner) {
        return GoldenFile.load(group).stream().map(g -> DynamicTest.dynamicTest(g.name(), () -> run(g, tol, runner)));
    }

    private static void run(GoldenCase g, double defaultTol, Function<GradCase, Object> runner) {
        double tol = g.tol() != null ? g.tol() : defaultTol;
        GradCase c = new GradCase(g);
        Object result = runner.apply(c);
        boolean multi = Boolean.TRUE.equals(g.args().get("multi"));
        List<Tensor> outs = new ArrayList<>();
        if (result instanceof Tensor t) {
            outs.add(t);
        } else {
            for (Object o : (List<?>) result) {
                outs.add((Tensor) o);
            }
        }
        List<Tensor> roots = new ArrayList<>();
        List<NDArray> grads = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            String key = multi ? "out" + i : "out";
            NDArray expected = g.out(key);
            if (expected == null) {
                throw new AssertionError(g.name() + ": PyTorch gave " + (i) + " outputs, the runner more");
            }
            Compare.assertClose(outs.get(i).data(), expected, tol, g.name() + "/" + key);
            NDArray gout = g.inputs().get(multi ? "gout" + i : "gout");
            if (gout != null) {
                roots.add(outs.get(i));
                grads.add(gout);
            }
        }
        if (!roots.isEmpty()) {
            Tensor.backward(roots, grads, false);
        }
        for (Map.Entry<String, NDArray> e : g.expected().entrySet()) {
            if (!e.getKey().startsWith("grad/")) {
                continue;
            }
            String name = e.getKey().substring(5);
            Tensor leaf = c.leaves().get(name);
            if (leaf == null) {
                throw new AssertionError(g.name() + ": the runner never used differentiable input '" + name + "'");
            }
            NDArray got = leaf.grad() == null ? NDArray.zeros(leaf.shape()) : leaf.grad();
            Compare.assertClose(got, e.getValue(), tol, g.name() + "/grad/" + name);
        }
    }
}
