package dev.usp4j.diffusion.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.nn.testing.ModelGolden;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * DiT and SiT against the plain-PyTorch reference (gen_dit.py, following DiT's and SiT's models.py): each case
 * builds the model from the original constructor arguments through the registry, loads PyTorch's state dict with
 * strict=true (so every name and shape must match), runs forward (or forward_with_cfg) with the fixture's labels,
 * timesteps and label-drop decisions, then backward with the fixture's upstream gradient, and compares the output
 * (relative error 1e-4), the input gradient and every parameter gradient (1e-3, ModelGolden) with float64 PyTorch. Also the
 * parameter counts of full-size models, by arithmetic, against the counts of the reference's built models.
 */
class DitGoldenTest {

    @TestFactory
    Stream<DynamicTest> models() {
        return GoldenFile.load("dit").stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    private static void run(GoldenCase c) {
        if (c.op().equals("param_counts")) {
            List<?> names = c.listArg("names");
            long[] expected = c.out("counts").toLongArray();
            for (int i = 0; i < names.size(); i++) {
                String name = (String) names.get(i);
                assertEquals(expected[i], ModelRegistry.parameterCount(name), name);
            }
            return;
        }
        Map<String, NDArray> got = runModel(c);
        ModelGolden.assertMatches(c, got);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, NDArray> runModel(GoldenCase c) {
        DiT model = (DiT) ModelRegistry.create(c.stringArg("family"), (Map<String, Object>) c.args().get("config"));
        assertEquals(c.stringArg("family"), model.getClass().getSimpleName(), c.name() + ": class");
        model.loadStateDict(ModelGolden.state(c), true);
        model.train(c.boolArg("train"));
        Tensor x = Tensor.of(c.in("x").copy(), true);
        NDArray t = c.in("t");
        NDArray y = c.in("y");
        Tensor out = c.stringArg("mode").equals("cfg")
                ? model.forwardWithCfg(x, t, y, c.doubleArg("cfg_scale"))
                : model.forward(x, t, y, c.inputs().get("force_drop_ids"));
        out.backward(c.in("gout"));
        Map<String, NDArray> got = new LinkedHashMap<>();
        got.put("out", out.data());
        got.put("grad/x", x.grad());
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
            NDArray g = p.getValue().grad();
            got.put("grad/" + p.getKey(), g == null ? NDArray.zeros(p.getValue().shape()) : g);
        }
        return got;
    }

    /** The fixture's configs exercise what they claim (guards against a generator edit that quietly drops one). */
    @TestFactory
    Stream<DynamicTest> fixtureCoversTheVariants() {
        List<GoldenCase> cases = GoldenFile.load("dit");
        return Stream.of(
                DynamicTest.dynamicTest("forced drops in training", () -> assertEquals(true, cases.stream().anyMatch(
                        c -> c.inputs().containsKey("force_drop_ids") && c.boolArg("train")))),
                DynamicTest.dynamicTest("cfg for both families", () -> assertEquals(2, cases.stream().filter(
                        c -> c.has("mode") && c.stringArg("mode").equals("cfg")).count())),
                DynamicTest.dynamicTest("affine norms", () -> assertEquals(true, cases.stream().anyMatch(
                        c -> c.has("config") && Boolean.TRUE.equals(((Map<?, ?>) c.args().get("config"))
                                .get("affine_norm"))))));
    }

}
