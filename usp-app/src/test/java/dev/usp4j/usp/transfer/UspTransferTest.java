package dev.usp4j.usp.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * USP's transfer against its PyTorch reference (gen_transfer.py, the --finetune branch written out): the same
 * tensors land in the same DiT names (pos_embed resized by F.interpolate's bicubic when the grids differ), the keys
 * PyTorch's non-strict load reports as missing are exactly the ones left at DiT's init, and the ignored ones exactly
 * its unexpected keys; the transferred DiT starts as the identity its adaLN-Zero gates make (output 0).
 */
class UspTransferTest {
    private static DiTConfig config(GoldenCase c) {
        return new DiTConfig(c.intArg("input_size"), c.intArg("patch_size"), c.intArg("in_channels"),
                c.intArg("hidden_size"), c.intArg("depth"), c.intArg("num_heads"), 4.0, 0.1, c.intArg("num_classes"),
                true, true);
    }

    private static Map<String, NDArray> mae(GoldenCase c) {
        Map<String, NDArray> m = new LinkedHashMap<>();
        c.inputs().forEach((k, v) -> {
            if (k.startsWith("mae/")) {
                m.put(k.substring(4), v);
            }
        });
        return m;
    }

    @TestFactory
    Stream<DynamicTest> matchesThePyTorchTransfer() {
        return GoldenFile.load("transfer").stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            DiT dit = new DiT(config(c), new Generator(3));
            TransferReport r = UspTransfer.intoDiT(mae(c), dit);
            Map<String, NDArray> sd = dit.stateDict();
            for (Map.Entry<String, NDArray> e : c.expected().entrySet()) {
                String key = e.getKey().substring(4);
                Compare.assertClose(sd.get(key), e.getValue(), key.equals("pos_embed") ? 1e-5 : 0, key);
            }
            assertEquals(c.listArg("missing"), r.leftAtInit().stream().sorted().toList(), "left at DiT init");
            List<String> ignored = new ArrayList<>();
            for (String s : r.ignored()) {
                ignored.add(s.split(" ")[0]);
            }
            assertEquals(c.listArg("unexpected"), ignored.stream().sorted().toList(), "ignored");
            assertEquals(c.intArg("input_size") != 8, !r.resized().isEmpty(), r.summary());
            // adaLN-Zero: the transferred network outputs exactly zero until the gates move
            try (GradMode.Scope s = GradMode.noGrad()) {
                dit.eval();
                int side = c.intArg("input_size");
                Tensor out = dit.forward(Tensor.of(NDArray.randn(new Generator(4), 2, 4, side, side)),
                        NDArray.of(new long[] {5, 900}, 2), NDArray.of(new long[] {1, 10}, 2));
                assertEquals(0.0, out.data().abs().max().item(), 0.0);
            }
        }));
    }

    @Test
    void sitUsesTheSameTransferAndLayersCanBeCut() {
        GoldenCase c = GoldenFile.load("transfer").getFirst();
        SiT sit = new SiT(config(c), new Generator(5));
        NDArray before = sit.stateDict().get("blocks.1.attn.qkv.weight").copy();
        TransferReport r = UspTransfer.intoDiT(mae(c), sit, 1);
        assertArrayEquals(c.out("dit/blocks.0.attn.qkv.weight").toFloatArray(),
                sit.stateDict().get("blocks.0.attn.qkv.weight").toFloatArray());
        assertArrayEquals(before.toFloatArray(), sit.stateDict().get("blocks.1.attn.qkv.weight").toFloatArray(),
                "block 1 cut by use-pretrain-layer 1");
        assertTrue(r.ignored().contains("blocks.1.attn.qkv.weight"), r.ignored().toString());
    }

    @Test
    void mismatchesAreNamedAndLoadNothing() {
        GoldenCase c = GoldenFile.load("transfer").getFirst();
        DiT plain = new DiT(config(c).withAffineNorm(false), new Generator(6));
        String noAffine = assertThrows(IllegalArgumentException.class, () -> UspTransfer.intoDiT(mae(c), plain))
                .getMessage();
        assertTrue(noAffine.contains("norm1.weight") && noAffine.contains("-VAE-simple"), noAffine);
        DiT wide = new DiT(new DiTConfig(12, 2, 4, 32, 2, 4, 4.0, 0.1, 10, true, true), new Generator(7));
        NDArray before = wide.stateDict().get("x_embedder.proj.weight").copy();
        String shape = assertThrows(IllegalArgumentException.class, () -> UspTransfer.intoDiT(mae(c), wide))
                .getMessage();
        assertTrue(shape.contains("pos_embed") && shape.contains("16") && shape.contains("32"), shape);
        assertArrayEquals(before.toFloatArray(), wide.stateDict().get("x_embedder.proj.weight").toFloatArray(),
                "nothing loaded");
        // another channel count: the patch conv stays at DiT's init, as USP's code does
        DiT rgb = new DiT(new DiTConfig(12, 2, 3, 16, 2, 2, 4.0, 0.1, 10, true, true), new Generator(8));
        TransferReport r = UspTransfer.intoDiT(mae(c), rgb);
        assertTrue(r.leftAtInit().contains("x_embedder.proj.weight"), r.summary());
        assertTrue(r.ignored().stream().anyMatch(s -> s.startsWith("patch_embed.proj.weight")), r.summary());
    }
}
