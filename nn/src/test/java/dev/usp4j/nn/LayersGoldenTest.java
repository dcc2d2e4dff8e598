package dev.usp4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every layer against PyTorch (gen_layers.py): the Java layer is built from the case's arguments, loads PyTorch's
 * state dict with strict=true (so parameter and buffer names and shapes must match PyTorch's), prints as PyTorch's
 * repr, runs forward on the fixture input and backward with the fixture's upstream gradient; the output, the input
 * gradient, every parameter gradient and the buffers after the pass (BatchNorm's running statistics) are compared
 * with float64 PyTorch results at relative error 1e-5. Also the fixed sin-cos embeddings against the NumPy formulas.
 */
class LayersGoldenTest {

    @TestFactory
    Stream<DynamicTest> layers() {
        return GoldenTests.of("layers", 1e-5, LayersGoldenTest::run);
    }

    private static Map<String, NDArray> run(GoldenCase c) {
        Map<String, NDArray> got = new LinkedHashMap<>();
        switch (c.op()) {
            case "pos_embed_2d" -> got.put("out", SinCosEmbeddings.pos2d(c.intArg("embed_dim"), c.intArg("grid_h"),
                    c.intArg("grid_w"), c.boolArg("cls")));
            case "timestep_embedding" -> got.put("out", SinCosEmbeddings.timestep(c.in("t"), c.intArg("dim"),
                    c.doubleArg("max_period")));
            default -> runLayer(c, got);
        }
        return got;
    }

    private static void runLayer(GoldenCase c, Map<String, NDArray> got) {
        Module m = build(c);
        Map<String, NDArray> state = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : c.inputs().entrySet()) {
            if (e.getKey().startsWith("sd/")) {
                state.put(e.getKey().substring(3), e.getValue());
            }
        }
        m.loadStateDict(state, true);
        if (c.has("repr")) {
            assertEquals(c.stringArg("repr"), m.toString(), c.name() + ": repr");
        }
        m.train(c.boolArg("train"));
        NDArray xa = c.in("x");
        Tensor x = Tensor.of(xa.copy(), xa.dtype().isFloating());
        Tensor out = m instanceof Embedding e ? e.forward(xa) : ((UnaryModule) m).forward(x);
        got.put("out", out.data());
        if (out.requiresGrad()) {
            out.backward(c.in("gout"));
        }
        if (xa.dtype().isFloating()) {
            got.put("grad/x", x.grad() == null ? NDArray.zeros(xa.shape()) : x.grad());
        }
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            NDArray g = p.getValue().grad();
            got.put("grad/" + p.getKey(), g == null ? NDArray.zeros(p.getValue().shape()) : g);
        }
        for (Map.Entry<String, NDArray> b : m.namedBuffers().entrySet()) {
            got.put("state/" + b.getKey(), b.getValue());
        }
    }

    private static Conv2dSpec spec(GoldenCase c) {
        int[] s = c.intsArg("stride");
        int[] p = c.intsArg("pad");
        int[] d = c.intsArg("dilation");
        int[] op = c.has("output_padding") ? c.intsArg("output_padding") : new int[2];
        return new Conv2dSpec(s[0], s[1], p[0], p[1], p[2], p[3], d[0], d[1], c.intArg("groups"), op[0], op[1]);
    }

    private static Module build(GoldenCase c) {
        return switch (c.op()) {
            case "linear" -> new Linear(c.intArg("in"), c.intArg("out"), c.boolArg("bias"));
            case "sequential" -> new Sequential(new Linear(6, 10), new GELU(), new Linear(10, 3));
            case "conv2d" -> new Conv2d(c.intArg("in"), c.intArg("out"), c.intsArg("kernel")[0],
                    c.intsArg("kernel")[1], spec(c), c.boolArg("bias"));
            case "conv_transpose2d" -> new ConvTranspose2d(c.intArg("in"), c.intArg("out"), c.intsArg("kernel")[0],
                    c.intsArg("kernel")[1], spec(c), c.boolArg("bias"));
            case "layer_norm" -> new LayerNorm(c.intsArg("shape"), c.doubleArg("eps"), c.boolArg("affine"));
            case "group_norm" -> new GroupNorm(c.intArg("groups"), c.intArg("channels"), c.doubleArg("eps"),
                    c.boolArg("affine"));
            case "batch_norm1d" -> new BatchNorm1d(c.intArg("features"), c.doubleArg("eps"),
                    c.has("momentum") ? c.doubleArg("momentum") : null, c.boolArg("affine"), c.boolArg("track"));
            case "embedding" -> new Embedding(c.intArg("num"), c.intArg("dim"));
            case "dropout" -> new Dropout(c.doubleArg("p"));
            case "gelu" -> new GELU(c.stringArg("approximate"));
            case "silu" -> new SiLU();
            case "relu" -> new ReLU();
            case "tanh" -> new Tanh();
            case "sigmoid" -> new Sigmoid();
            case "attention" -> new Attention(c.intArg("dim"), c.intArg("heads"), c.boolArg("qkv_bias"));
            case "mlp" -> new Mlp(c.intArg("in"), c.intArg("hidden"), c.intArg("out"),
                    c.stringArg("act").equals("gelu_tanh") ? () -> new GELU(true) : GELU::new, 0);
            case "patch_embed" -> new PatchEmbed(c.intArg("img"), c.intArg("patch"), c.intArg("in_chans"),
                    c.intArg("embed_dim"));
            default -> throw new IllegalArgumentException("unknown layer " + c.op());
        };
    }
}
