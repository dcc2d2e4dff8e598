package dev.usp4j.nn.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.LoadReport;
import dev.usp4j.nn.testing.FormulaWeights;
import dev.usp4j.nn.testing.ModelGolden;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * The ViT/MAE models against the plain-PyTorch reference of gen_mae.py (float64 answers from float32 weights and
 * inputs): the small MAE's loss, prediction, mask, ids_restore, the latent's gradient and every trainable
 * parameter's gradient for upstream gradients on loss and pred, with PyTorch's masking noise fed in; the ViT
 * classifier (average pooling + fc_norm, cls token + norm, the linear probe's BatchNorm head) forward and backward;
 * the load report of MAE weights going into the classifier; MAE's pos-embed interpolation; and two full-size blocks
 * (ViT-B, and ViT-XL's 72-wide heads) with formula weights. Outputs at relative error 1e-4, gradients at 1e-3
 * (BRIEF-MODELS), integers exactly. The whole MAE-ViT-B/2 with formula weights runs in the "slow" test.
 */
class MaeGoldenTest {

    @TestFactory
    Stream<DynamicTest> small() {
        return tests("mae", c -> true);
    }

    @TestFactory
    Stream<DynamicTest> fullSizeBlocks() {
        return tests("mae_full", c -> c.op().equals("block_formula"));
    }

    @Tag("slow")
    @TestFactory
    Stream<DynamicTest> fullSizeMaeBase() {
        return tests("mae_full", c -> c.op().equals("mae_formula"));
    }

    static Stream<DynamicTest> tests(String group, Predicate<GoldenCase> which) {
        return GoldenFile.load(group).stream().filter(which).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Map<String, NDArray> got = run(c);
            ModelGolden.assertMatches(c, got);
        }));
    }

    static Map<String, NDArray> run(GoldenCase c) {
        Map<String, NDArray> got = new LinkedHashMap<>();
        switch (c.op()) {
            case "mae" -> runMae(c, got);
            case "vit" -> runVit(c, got);
            case "vit_load" -> runVitLoad(c);
            case "pos_embed_interpolate" -> got.put("out", PosEmbedInterpolation.resize(c.in("pos_embed"),
                    c.intArg("extra_tokens"), c.intArg("grid")));
            case "block_formula" -> runBlock(c, got);
            case "mae_formula" -> runMaeFormula(c, got);
            case "param_counts" -> { }
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        }
        return got;
    }

    static MaeConfig maeConfig(Map<String, Object> args) {
        Map<String, Object> m = new LinkedHashMap<>(args);
        m.keySet().retainAll(List.of("img_size", "patch_size", "in_chans", "embed_dim", "depth", "num_heads",
                "decoder_embed_dim", "decoder_depth", "decoder_num_heads", "mlp_ratio", "norm_pix_loss",
                "mask_ratio"));
        return MaeConfigs.fromMap(m);
    }

    private static void runMae(GoldenCase c, Map<String, NDArray> got) {
        MaskedAutoencoderViT mae = new MaskedAutoencoderViT(maeConfig(c.args()));
        // The fixed tables the constructor computes, before the checkpoint's replace them.
        got.put("sincos/pos_embed", mae.posEmbed.data().copy());
        got.put("sincos/decoder_pos_embed", mae.decoderPosEmbed.data().copy());
        mae.loadStateDict(ModelGolden.state(c), true);
        NDArray imgs = c.in("imgs");
        Tensor x = Tensor.of(imgs.copy(), true);
        MaeOutput out = mae.forward(x, c.doubleArg("mask_ratio"), c.in("noise"));
        Tensor.backward(List.of(out.loss(), out.pred()), List.of(c.in("gloss"), c.in("gpred")), false);
        got.put("loss", out.loss().data());
        got.put("pred", out.pred().data());
        got.put("mask", out.mask());
        got.put("ids_restore", out.idsRestore());
        got.put("grad/imgs", x.grad());
        got.put("patchify", mae.patchify(Tensor.of(imgs)).data());
        for (Map.Entry<String, Tensor> p : mae.namedParameters().entrySet()) {
            if (p.getValue().requiresGrad()) {
                got.put("grad/" + p.getKey(), p.getValue().grad());
            } else {
                assertNull(p.getValue().grad(), p.getKey() + " is frozen and must get no gradient");
            }
        }
        assertEquals(List.of("pos_embed", "decoder_pos_embed"), mae.namedParameters().entrySet().stream()
                .filter(e -> !e.getValue().requiresGrad()).map(Map.Entry::getKey).toList());
    }

    static VitConfig vitConfig(Map<String, Object> args) {
        return new VitConfig(((Number) args.get("img_size")).intValue(), ((Number) args.get("patch_size")).intValue(),
                ((Number) args.get("in_chans")).intValue(), ((Number) args.get("num_classes")).intValue(),
                ((Number) args.get("embed_dim")).intValue(), ((Number) args.get("depth")).intValue(),
                ((Number) args.get("num_heads")).intValue(), 4.0,
                "avg".equals(args.get("global_pool")) ? VitConfig.GlobalPool.AVG : VitConfig.GlobalPool.TOKEN, 0,
                Boolean.TRUE.equals(args.get("linprobe_head")));
    }

    private static void runVit(GoldenCase c, Map<String, NDArray> got) {
        VisionTransformer vit = new VisionTransformer(vitConfig(c.args()));
        vit.loadStateDict(ModelGolden.state(c), true);
        vit.train(true);
        Tensor x = Tensor.of(c.in("imgs").copy(), true);
        Tensor logits = vit.forward(x);
        logits.backward(c.in("gout"));
        got.put("logits", logits.data());
        got.put("grad/imgs", x.grad());
        for (Map.Entry<String, Tensor> p : vit.namedParameters().entrySet()) {
            got.put("grad/" + p.getKey(), p.getValue().grad());
        }
        for (Map.Entry<String, NDArray> b : vit.namedBuffers().entrySet()) {
            got.put("state/" + b.getKey(), b.getValue());
        }
    }

    @SuppressWarnings("unchecked")
    private static void runVitLoad(GoldenCase c) {
        MaskedAutoencoderViT mae = new MaskedAutoencoderViT(maeConfig((Map<String, Object>) c.args().get("mae")));
        VisionTransformer vit = new VisionTransformer(vitConfig(c.args()));
        LoadReport r = vit.loadPretrained(mae.stateDict());
        assertEquals(c.listArg("missing"), r.missing(), "missing keys as PyTorch reports them");
        // PyTorch lists a module's unexpected keys when it visits that module (the root's decoder_* first, then
        // norm.* inside the identity norm); usp4j lists them in checkpoint order: the same keys.
        assertEquals(c.listArg("unexpected").stream().map(String::valueOf).sorted().toList(),
                r.unexpected().stream().sorted().toList(), "unexpected keys as PyTorch reports them");
        assertTrue(r.shapeMismatches().isEmpty());
        assertEquals(vit.expectedMissingFromMae(), r.missing());
        assertFalse(r.unexpected().stream().anyMatch(k -> k.startsWith("blocks.") || k.startsWith("patch_embed.")));
        // The encoder's weights arrived.
        Compare.assertClose(vit.stateDict().get("blocks.0.attn.qkv.weight"),
                mae.stateDict().get("blocks.0.attn.qkv.weight"), 0, "copied qkv weight");
        Compare.assertClose(vit.posEmbed.data(), mae.posEmbed.data(), 0, "copied pos_embed");
    }

    private static void runBlock(GoldenCase c, Map<String, NDArray> got) {
        Block blk = FormulaWeights.fill(new Block(c.intArg("dim"), c.intArg("heads"), 4.0));
        Tensor x = Tensor.of(c.in("x").copy(), true);
        Tensor out = blk.forward(x);
        out.backward(c.in("gout"));
        got.put("out", out.data());
        got.put("grad/x", x.grad());
    }

    private static void runMaeFormula(GoldenCase c, Map<String, NDArray> got) {
        MaskedAutoencoderViT mae = FormulaWeights.fill(new MaskedAutoencoderViT(
                MaeConfigs.named(c.stringArg("name"), c.intArg("img_size"))));
        Tensor x = Tensor.of(c.in("imgs").copy(), true);
        MaeOutput out = mae.forward(x, c.doubleArg("mask_ratio"), c.in("noise"));
        out.loss().backward();
        got.put("loss", out.loss().data());
        got.put("pred", out.pred().data());
        got.put("mask", out.mask());
        got.put("ids_restore", out.idsRestore());
        got.put("grad/imgs", x.grad());
    }
}
