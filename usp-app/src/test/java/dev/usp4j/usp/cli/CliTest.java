package dev.usp4j.usp.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.tensor.Backends;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./usp} as a user drives it: help for every subcommand, {@code info}, {@code forward} on a saved model (model
 * found from the weights' metadata, or named, or given by a config) compared with the model's own forward, and each
 * kind of bad input answered by one "usp: ..." line and exit status 2.
 */
class CliTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private static Run usp(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void helpForEverySubcommand() {
        Run top = usp("--help");
        assertEquals(0, top.status());
        for (String sub : new String[] {"demo", "info", "forward", "vae", "pretrain", "train", "sample", "fid",
                "probe", "finetune", "pipeline"}) {
            assertTrue(top.out().contains(sub), top.out());
            Run h = usp(sub, "--help");
            assertEquals(0, h.status(), sub);
            assertTrue(h.out().contains("Usage: usp " + sub), h.out());
        }
        assertTrue(usp("forward", "--help").out().contains("--weights"));
        assertTrue(usp("vae", "train", "--help").out().contains("--steps"));
        assertTrue(usp("vae", "encode", "--help").out().contains("--flip"));
        String ft = usp("finetune", "--help").out();
        for (String o : new String[] {"--pretrained", "--random-init", "--layer-decay", "--label-smoothing",
                "--drop-path", "--eval-cache"}) {
            assertTrue(ft.contains(o), ft);
        }
        for (String[] sub : new String[][] {{"vae", "train"}, {"vae", "encode"}, {"pretrain"}, {"train"}, {"sample"},
            {"fid"}, {"probe"}, {"finetune"}, {"forward"}, {"pipeline"}, {"experiment", "reproduce"}}) {
            String[] args = java.util.Arrays.copyOf(sub, sub.length + 1);
            args[sub.length] = "--help";
            String help = usp(args).out();
            assertTrue(help.contains("--device") && help.contains("cuda[:N]"), String.join(" ", sub) + ":\n" + help);
        }
        String pipe = usp("pipeline", "--help").out();
        assertTrue(pipe.contains("--set") && pipe.contains("gen_steps") && pipe.contains("fid_samples"), pipe);
    }

    /** Exit status 2 and exactly one "usp: ..." line on stderr holding every one of {@code words}. */
    private static void refused(Run r, String... words) {
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("usp: "), r.err());
        for (String w : words) {
            assertTrue(r.err().contains(w), w + " in " + r.err());
        }
    }

    @Test
    void infoListsModelsAndDevices() {
        Run r = usp("info");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("DiT-XL/2") && r.out().contains("675,129,632"), r.out());
        assertTrue(r.out().contains("MAE-ViT-B/2") && r.out().contains("VAE-f8"), r.out());
        assertTrue(r.out().contains("cpu:") && r.out().contains("cuda:"), r.out());
    }

    @Test
    void anUnavailableDeviceIsOneClearError() throws Exception {
        Assumptions.assumeTrue(Backends.unavailableReason(Device.cuda(0)) != null, "this machine has a GPU");
        refused(usp("train", "dit", "--cache", dir.resolve("none.safetensors").toString(), "--steps", "1", "--out",
                dir.resolve("t").toString(), "--device", "cuda"), "cuda:0", "Device.CPU");
        refused(usp("pretrain", "--cache", dir.resolve("none.safetensors").toString(), "--steps", "1", "--out",
                dir.resolve("p").toString(), "--device", "cuda:0"), "cuda:0");
        refused(usp("train", "dit", "--cache", "x", "--steps", "1", "--out", "y", "--device", "tpu"), "tpu");
        // every other command that computes says so before it reads, trains or writes anything
        String none = dir.resolve("none.safetensors").toString();
        String[][] commands = {
            {"sample", "--checkpoint", none, "--vae", none, "--out", dir.resolve("s.png").toString()},
            {"fid", "--checkpoint", none, "--vae", none, "--classifier", dir.resolve("clf").toString()},
            {"probe", "--pretrained", none, "--cache", none, "--eval-cache", none, "--steps", "1", "--out",
                dir.resolve("probe").toString()},
            {"finetune", "--pretrained", none, "--cache", none, "--eval-cache", none, "--steps", "1", "--out",
                dir.resolve("ft").toString()},
            {"forward", "--weights", none, "--inputs", none, "--out", dir.resolve("o.safetensors").toString()},
            {"vae", "encode", "--vae", none, "--dataset", "synthetic:4", "--out", dir.resolve("z").toString()},
            {"pipeline", "--preset", "tiny", "--out", dir.resolve("run").toString()},
            {"experiment", "reproduce", "--budget", "tiny", "--out", dir.resolve("study").toString()},
        };
        for (String[] c : commands) {
            String[] args = java.util.Arrays.copyOf(c, c.length + 2);
            args[c.length] = "--device";
            args[c.length + 1] = "cuda:0";
            refused(usp(args), "--device cuda:0", "no backend for cuda:0");
        }
        try (var left = Files.list(dir)) {
            assertEquals(java.util.List.of(), left.toList(), "nothing written");
        }
    }

    @Test
    void forwardMatchesTheModel() throws Exception {
        DiT dit = (DiT) ModelRegistry.create("DiT-N/4");
        Generator gen = new Generator(3);
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Tensor p : dit.parameters()) {
                p.data().copyFrom(NDArray.randn(gen, p.shape()).mul(0.05));
            }
        }
        Path folder = dir.resolve("dit");
        ModelRegistry.save(dit, folder);
        NDArray x = NDArray.randn(gen, 2, 4, 32, 32);
        NDArray t = NDArray.of(new long[] {10, 700}, 2);
        NDArray y = NDArray.of(new long[] {3, 1000}, 2);
        Path in = dir.resolve("in.safetensors");
        Safetensors.save(in, Map.of("x", x, "t", t, "y", y), Map.of());
        dit.eval();
        NDArray want;
        try (GradMode.Scope s = GradMode.noGrad()) {
            want = dit.forward(Tensor.of(x), t, y).data();
        }
        Path weights = folder.resolve("model.safetensors");
        for (String[] how : new String[][] {{}, {"--model", "DiT-N/4"}, {"--config",
                folder.resolve("config.json").toString()}}) {
            Path out = dir.resolve("out" + how.length + ".safetensors");
            String[] args = new String[8 + how.length];
            String[] base = {"forward", "--weights", weights.toString(), "--inputs", in.toString(), "--out",
                    out.toString()};
            System.arraycopy(base, 0, args, 0, base.length);
            System.arraycopy(how, 0, args, base.length, how.length);
            Run r = usp(java.util.Arrays.copyOf(args, base.length + how.length));
            assertEquals(0, r.status(), r.err());
            assertArrayEquals(want.toFloatArray(), Safetensors.load(out).get("out").toFloatArray());
        }
        // an MAE by its metadata: loss, pred and mask
        MaskedAutoencoderViT mae = (MaskedAutoencoderViT) ModelRegistry.create("MAE", Map.of("img_size", 8,
                "patch_size", 2, "in_chans", 4, "embed_dim", 16, "depth", 1, "num_heads", 2,
                "decoder_embed_dim", 8, "decoder_depth", 1, "decoder_num_heads", 2));
        ModelRegistry.save(mae, dir.resolve("mae"));
        Path maeIn = dir.resolve("mae_in.safetensors");
        Safetensors.save(maeIn, Map.of("x", NDArray.randn(gen, 2, 4, 8, 8), "noise", NDArray.rand(gen, 2, 16)),
                Map.of());
        Run r = usp("forward", "--weights", dir.resolve("mae/model.safetensors").toString(), "--inputs",
                maeIn.toString(), "--out", dir.resolve("mae_out.safetensors").toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(java.util.Set.of("loss", "pred", "mask"),
                Safetensors.load(dir.resolve("mae_out.safetensors")).keySet());
    }

    @Test
    void vaeTrainResumesAndEncodeBuildsThenReusesTheCache() {
        String out = dir.resolve("vae").toString();
        Run first = usp("vae", "train", "--dataset", "synthetic:16", "--steps", "2", "--batch", "4", "--out", out);
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("scaling factor"), first.out());
        Run more = usp("vae", "train", "--dataset", "synthetic:16", "--steps", "3", "--batch", "4", "--out", out);
        assertEquals(0, more.status(), more.err());
        assertTrue(more.out().contains("resuming") && more.out().contains("step 2"), more.out());
        String cache = dir.resolve("latents.safetensors").toString();
        Run enc = usp("vae", "encode", "--vae", dir.resolve("vae/model").toString(), "--dataset", "synthetic:16",
                "--flip", "--out", cache);
        assertEquals(0, enc.status(), enc.err());
        assertTrue(enc.out().contains("16 latents [4, 8, 8]"), enc.out());
        Run again = usp("vae", "encode", "--vae", dir.resolve("vae/model").toString(), "--dataset", "synthetic:16",
                "--flip", "--out", cache);
        assertTrue(again.out().contains("reusing"), again.out());
        Run noFlip = usp("vae", "encode", "--vae", dir.resolve("vae/model").toString(), "--dataset", "synthetic:16",
                "--out", cache);
        assertTrue(noFlip.out().contains("rebuilding") && noFlip.out().contains("flip"), noFlip.out());
        Run bad = usp("vae", "encode", "--vae", dir.resolve("vae/model").toString(), "--dataset", "cifar10",
                "--out", cache);
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("cifar10") && bad.err().contains("folder"), bad.err());
    }

    @Test
    void trainFromScratchAndFromUspThenSample() throws Exception {
        String vaeOut = dir.resolve("vae").toString();
        assertEquals(0, usp("vae", "train", "--dataset", "synthetic:16", "--steps", "1", "--batch", "4", "--out",
                vaeOut).status());
        String cache = dir.resolve("z.safetensors").toString();
        assertEquals(0, usp("vae", "encode", "--vae", vaeOut + "/model", "--dataset", "synthetic:16", "--out", cache)
                .status());
        String run = dir.resolve("dit").toString();
        Run t = usp("train", "dit", "--cache", cache, "--model", "N/2", "--steps", "2", "--batch", "4", "--out", run);
        assertEquals(0, t.status(), t.err());
        Run more = usp("train", "dit", "--cache", cache, "--model", "N/2", "--steps", "3", "--batch", "4", "--out",
                run);
        assertEquals(0, more.status(), more.err());
        assertTrue(more.out().contains("resuming") && more.out().contains("step 2"), more.out());
        // USP: an MAE of DiT-N/2's width and depth on the cache's 4×8×8 latents, transferred into SiT-N/2-VAE-simple
        MaskedAutoencoderViT mae = (MaskedAutoencoderViT) ModelRegistry.create("MAE", Map.of("img_size", 8,
                "patch_size", 2, "in_chans", 4, "embed_dim", 128, "depth", 4, "num_heads", 4,
                "decoder_embed_dim", 16, "decoder_depth", 1, "decoder_num_heads", 2));
        Path maeFile = dir.resolve("mae.safetensors");
        Safetensors.save(maeFile, mae.stateDict(), Map.of());
        Run u = usp("train", "sit", "--cache", cache, "--model", "N/2", "--init", "usp:" + maeFile, "--steps", "2",
                "--batch", "4", "--out", dir.resolve("sit").toString());
        assertEquals(0, u.status(), u.err());
        assertTrue(u.out().contains("USP transfer: copied"), u.out());
        Path grid = dir.resolve("samples.png");
        Run s = usp("sample", "--checkpoint", run + "/train.ckpt.safetensors", "--vae", vaeOut + "/model",
                "--sampler", "ddpm:5", "-n", "4", "--out", grid.toString(), "--npz",
                dir.resolve("samples.npz").toString());
        assertEquals(0, s.status(), s.err());
        assertTrue(Files.size(grid) > 0 && Files.size(dir.resolve("samples.npz")) > 4 * 32 * 32);
        Run fid = usp("fid", "--checkpoint", run + "/train.ckpt.safetensors", "--vae", vaeOut + "/model",
                "--dataset", "synthetic:16", "--classifier", dir.resolve("clf.safetensors").toString(),
                "--classifier-steps", "3", "--sampler",
                "ddim:4", "-n", "8");
        assertEquals(0, fid.status(), fid.err());
        assertTrue(fid.out().contains("FID (synthetic:16 classifier features)") && fid.out().contains("accuracy"),
                fid.out());
        // a run folder of another model is not resumed as if it were the one asked for, nor overwritten
        Path dCkpt = Path.of(run, "train.ckpt.safetensors");
        byte[] before = Files.readAllBytes(dCkpt);
        refused(usp("train", "sit", "--cache", cache, "--model", "N/2", "--steps", "4", "--batch", "4", "--out",
                run), "holds a DiT run", "SiT-N/2", "another --out");
        refused(usp("train", "dit", "--cache", cache, "--model", "Ti/2", "--steps", "4", "--batch", "4", "--out",
                run), "hidden 128", "DiT-Ti/2");
        assertArrayEquals(before, Files.readAllBytes(dCkpt), "the earlier checkpoint is unchanged");
        // --init usp: given the VAE's weights
        refused(usp("train", "dit", "--cache", cache, "--model", "N/2", "--init", "usp:" + vaeOut
                + "/model/diffusion_pytorch_model.safetensors", "--steps", "1", "--batch", "4", "--out",
                dir.resolve("dit-vae").toString()), "no tensor of it fits", "./usp pretrain checkpoint");
        assertFalse(Files.exists(dir.resolve("dit-vae")), "no run folder for a refused run");
        // samplers of the other model family
        refused(usp("sample", "--checkpoint", run + "/train.ckpt.safetensors", "--vae", vaeOut + "/model",
                "--sampler", "sde:euler:3", "-n", "2", "--out", dir.resolve("x.png").toString()), "holds a DiT",
                "ddpm");
        refused(usp("sample", "--checkpoint", dir.resolve("sit/train.ckpt.safetensors").toString(), "--vae", vaeOut
                + "/model", "--sampler", "ddim:3", "-n", "2", "--out", dir.resolve("x.png").toString()),
                "holds a SiT", "sde");
        assertFalse(Files.exists(dir.resolve("x.png")));
        Run bad = usp("train", "gan", "--cache", cache, "--steps", "1", "--out", run);
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("dit or sit"), bad.err());
    }

    @Test
    void pretrainResumesThenProbesAndInitialisesSit() {
        String vaeOut = dir.resolve("vae").toString();
        assertEquals(0, usp("vae", "train", "--dataset", "synthetic:16", "--steps", "1", "--batch", "4", "--out",
                vaeOut).status());
        String cache = dir.resolve("z.safetensors").toString();
        String evalCache = dir.resolve("z_test.safetensors").toString();
        assertEquals(0, usp("vae", "encode", "--vae", vaeOut + "/model", "--dataset", "synthetic:16", "--out", cache)
                .status());
        assertEquals(0, usp("vae", "encode", "--vae", vaeOut + "/model", "--dataset", "synthetic:16", "--split",
                "test", "--out", evalCache).status());
        String run = dir.resolve("pre").toString();
        Run p = usp("pretrain", "--cache", cache, "--model", "MAE-ViT-T/2", "--steps", "2", "--batch", "4", "--out",
                run);
        assertEquals(0, p.status(), p.err());
        Run more = usp("pretrain", "--cache", cache, "--model", "MAE-ViT-T/2", "--steps", "3", "--batch", "4",
                "--out", run);
        assertEquals(0, more.status(), more.err());
        assertTrue(more.out().contains("resuming") && more.out().contains("step 2"), more.out());
        String ckpt = run + "/pretrain.ckpt.safetensors";
        for (String[] extra : new String[][] {{}, {"--random-init"}}) {
            String[] base = {"probe", "--pretrained", ckpt, "--cache", cache, "--eval-cache", evalCache, "--steps",
                "2", "--batch", "4", "--out", dir.resolve("probe" + extra.length).toString()};
            String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
            System.arraycopy(extra, 0, args, base.length, extra.length);
            Run r = usp(args);
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("linear probe top-1"), r.out());
        }
        // fine-tuning: runs, resumes, refuses other hyperparameters on its checkpoint, and from a random init
        String ft = dir.resolve("ft").toString();
        String[] ftArgs = {"finetune", "--pretrained", ckpt, "--cache", cache, "--eval-cache", evalCache, "--steps",
            "2", "--batch", "4", "--out", ft};
        Run f = usp(ftArgs);
        assertEquals(0, f.status(), f.err());
        assertTrue(f.out().contains("fine-tuning the pretrained ViT (dim 192, depth 12)")
                && f.out().contains("finetune step 2/2") && f.out().contains("fine-tune top-1"), f.out());
        ftArgs[8] = "3";
        Run f2 = usp(ftArgs);
        assertEquals(0, f2.status(), f2.err());
        assertTrue(f2.out().contains("resuming") && f2.out().contains("at step 2")
                && f2.out().contains("finetune step 3/3") && !f2.out().contains("step 1/"), f2.out());
        Path ftCkpt = Path.of(ft, "finetune.ckpt.safetensors");
        byte[] ftBytes;
        try {
            ftBytes = Files.readAllBytes(ftCkpt);
            String[] other = java.util.Arrays.copyOf(ftArgs, ftArgs.length + 2);
            other[ftArgs.length] = "--layer-decay";
            other[ftArgs.length + 1] = "0.5";
            refused(usp(other), "--layer-decay 0.75 (asked 0.5)", "another --out");
            assertArrayEquals(ftBytes, Files.readAllBytes(ftCkpt));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Run fr = usp("finetune", "--pretrained", ckpt, "--random-init", "--cache", cache, "--eval-cache", evalCache,
                "--steps", "1", "--batch", "4", "--drop-path", "0", "--out", dir.resolve("ft-random").toString());
        assertEquals(0, fr.status(), fr.err());
        assertTrue(fr.out().contains("fine-tuning a random ViT"), fr.out());
        // wrong checkpoints for the model asked for
        refused(usp("finetune", "--pretrained", cache, "--cache", cache, "--eval-cache", evalCache, "--steps", "1",
                "--out", dir.resolve("ft-bad").toString()), "not a usp4j training checkpoint");
        refused(usp("train", "dit", "--cache", cache, "--model", "N/2", "--init", "usp:" + ckpt, "--steps", "1",
                "--batch", "4", "--out", dir.resolve("dit-t").toString()), "no counterpart in DiT");
        refused(usp("pretrain", "--cache", cache, "--model", "MAE-ViT-S/2", "--steps", "4", "--batch", "4", "--out",
                run), "another MAE", "MAE-ViT-S/2", "another --out");
        Run sit = usp("train", "sit", "--cache", cache, "--model", "Ti/2", "--init", "usp:" + ckpt, "--steps", "1",
                "--batch", "4", "--out", dir.resolve("sit").toString());
        assertEquals(0, sit.status(), sit.err());
        assertTrue(sit.out().contains("USP transfer: copied"), sit.out());
    }

    @Test
    void badInputsGetOneLineAndStatusTwo() throws Exception {
        DiT dit = (DiT) ModelRegistry.create("DiT-N/4");
        ModelRegistry.save(dit, dir.resolve("dit"));
        Path weights = dir.resolve("dit/model.safetensors");
        Path in = dir.resolve("in.safetensors");
        Safetensors.save(in, Map.of("x", NDArray.zeros(1, 4, 32, 32), "t", NDArray.of(new long[] {1}, 1)), Map.of());
        Path out = dir.resolve("o.safetensors");
        String[][] cases = {
            {"Unknown option", "forward", "--weights", weights.toString(), "--inputs", in.toString(), "--out",
                out.toString(), "--colour"},
            {"no weights file", "forward", "--weights", dir.resolve("none.safetensors").toString(), "--inputs",
                in.toString(), "--out", out.toString()},
            {"lack 'y'", "forward", "--weights", weights.toString(), "--inputs", in.toString(), "--out",
                out.toString()},
            {"does not fit", "forward", "--model", "DiT-N/2", "--weights", weights.toString(), "--inputs",
                in.toString(), "--out", out.toString()},
            {"unknown model", "forward", "--model", "DiT-Q/2", "--weights", weights.toString(), "--inputs",
                in.toString(), "--out", out.toString()},
            {"Missing required option", "forward", "--weights", weights.toString()},
            {"Unmatched argument", "train-everything"},
        };
        for (String[] c : cases) {
            Run r = usp(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals(2, r.status(), c[0] + ": " + r.err());
            assertTrue(r.err().startsWith("usp: ") && r.err().contains(c[0]), c[0] + ": " + r.err());
            assertFalse(r.err().contains("\tat "), c[0] + ": no stack trace for bad input");
        }
        assertFalse(Files.exists(out), "nothing written on failure");
        // weights of another model named by --model; a dataset folder that does not exist
        MaskedAutoencoderViT mae = (MaskedAutoencoderViT) ModelRegistry.create("MAE", Map.of("img_size", 8,
                "patch_size", 2, "in_chans", 4, "embed_dim", 16, "depth", 1, "num_heads", 2,
                "decoder_embed_dim", 8, "decoder_depth", 1, "decoder_num_heads", 2));
        ModelRegistry.save(mae, dir.resolve("mae"));
        refused(usp("forward", "--model", "DiT-N/4", "--weights", dir.resolve("mae/model.safetensors").toString(),
                "--inputs", in.toString(), "--out", out.toString()), "does not fit DiT", "give weights saved from");
        refused(usp("vae", "train", "--dataset", "mnist:" + dir.resolve("nope"), "--steps", "1", "--out",
                dir.resolve("v").toString()), "does not exist", "MNIST");
        assertFalse(Files.exists(out) || Files.exists(dir.resolve("v")), "nothing written on failure");
        // preset overrides
        refused(usp("pipeline", "--preset", "tiny", "--set", "gen_stepz=3", "--out", dir.resolve("p").toString()),
                "unknown preset setting 'gen_stepz'", "gen_steps", "fid_samples", "eval_steps");
        refused(usp("pipeline", "--preset", "tiny", "--set", "gen_steps=lots", "--out", dir.resolve("p").toString()),
                "gen_steps=lots", "not a number");
        refused(usp("pipeline", "--preset", "tiny", "--set", "ema_decay", "--out", dir.resolve("p").toString()),
                "KEY=VALUE");
        assertFalse(Files.exists(dir.resolve("p")));
        // a run folder whose earlier results must stay: another preset's run, or a folder that is not a run
        Path old = Files.createDirectories(dir.resolve("old"));
        Files.writeString(old.resolve("preset.json"), "{\"name\": \"quick\"}\n");
        Files.writeString(old.resolve("report.md"), "earlier results\n");
        refused(usp("pipeline", "--preset", "tiny", "--out", old.toString()), "a run of preset 'quick'",
                "another --out");
        Path notRun = Files.createDirectories(dir.resolve("docs"));
        Files.writeString(notRun.resolve("notes.txt"), "mine\n");
        refused(usp("pipeline", "--preset", "tiny", "--out", notRun.toString()), "holds no pipeline run");
        try (var files = Files.list(old)) {
            assertEquals(2, files.count());
        }
        assertEquals("earlier results\n", Files.readString(old.resolve("report.md")));
        assertEquals(java.util.List.of(notRun.resolve("notes.txt")), Files.list(notRun).toList());
    }
}
