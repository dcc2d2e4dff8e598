package dev.usp4j.usp.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.UspCli;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} on the commands that sample, measure, probe, fine-tune, encode and run a model, each run once on
 * the CPU and once on the emulated device (CPU kernels behind a device boundary, registered as
 * {@link EmulatedDevice#DEVICE}, so a host array mixed into the device's work fails as on a GPU): the device gives the
 * CPU's samples (to one grey level), FIDs, accuracies, losses and outputs (to float rounding). The VAE, latent caches,
 * DiT and MAE checkpoints they start from are made once, small, on the CPU.
 */
class DeviceCommandsTest {
    @TempDir
    static Path dir;

    private static String vae;
    private static String cache;
    private static String evalCache;
    private static String dit;
    private static String mae;
    private static String device;

    @BeforeAll
    static void artifacts() {
        device = EmulatedDevice.register().toString();
        vae = dir.resolve("vae").toString();
        UspCli.run("vae", "train", "--dataset", "synthetic:16", "--steps", "1", "--batch", "4", "--out", vae);
        vae += "/model";
        cache = dir.resolve("z.safetensors").toString();
        evalCache = dir.resolve("z_test.safetensors").toString();
        UspCli.run("vae", "encode", "--vae", vae, "--dataset", "synthetic:16", "--out", cache);
        UspCli.run("vae", "encode", "--vae", vae, "--dataset", "synthetic:16", "--split", "test", "--out", evalCache);
        String run = dir.resolve("dit").toString();
        UspCli.run("train", "dit", "--cache", cache, "--model", "N/2", "--steps", "1", "--batch", "4", "--out", run);
        dit = run + "/train.ckpt.safetensors";
        String pre = dir.resolve("pre").toString();
        UspCli.run("pretrain", "--cache", cache, "--model", "MAE-ViT-N/2", "--steps", "1", "--batch", "4", "--out",
                pre);
        mae = pre + "/pretrain.ckpt.safetensors";
    }

    /** {@code args} with {@code --device} naming the emulated device. */
    private static String[] onDevice(String... args) {
        String[] a = java.util.Arrays.copyOf(args, args.length + 2);
        a[args.length] = "--device";
        a[args.length + 1] = device;
        return a;
    }

    private static String[] withOut(String[] args, String out) {
        String[] a = java.util.Arrays.copyOf(args, args.length + 2);
        a[args.length] = "--out";
        a[args.length + 1] = out;
        return a;
    }

    @Test
    void vaeEncodeOnADeviceWritesTheCpuCache() throws Exception {
        String onDevice = dir.resolve("z_dev.safetensors").toString();
        UspCli.run("vae", "encode", "--vae", vae, "--dataset", "synthetic:16", "--out", onDevice, "--device", device);
        Map<String, NDArray> a = Safetensors.load(Path.of(cache));
        Map<String, NDArray> b = Safetensors.load(Path.of(onDevice));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            close(a.get(k), b.get(k), 1e-5, "cache tensor " + k);
        }
    }

    @Test
    void sampleOnADeviceGivesTheCpuSamples() throws Exception {
        List<byte[]> pixels = new ArrayList<>();
        for (String dev : new String[] {"cpu", device}) {
            Path npz = dir.resolve("samples-" + pixels.size() + ".npz");
            String out = UspCli.run("sample", "--checkpoint", dit, "--vae", vae, "--sampler", "ddpm:4", "-n", "3",
                    "--out", dir.resolve("grid-" + pixels.size() + ".png").toString(), "--npz", npz.toString(),
                    "--device", dev);
            assertTrue(out.contains("3 samples (ddpm:4"), out);
            pixels.add(arr0(npz));
        }
        byte[] a = pixels.get(0);
        byte[] b = pixels.get(1);
        assertEquals(a.length, b.length);
        int differ = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
            assertTrue(d <= 1, "byte " + i + " differs by " + d);
            differ += d;
        }
        assertTrue(differ <= a.length / 100, differ + " of " + a.length + " bytes off by one");
    }

    /** The arr_0.npy entry of an npz (header and uint8 data). */
    private static byte[] arr0(Path npz) throws Exception {
        try (InputStream in = Files.newInputStream(npz); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                if (e.getName().equals("arr_0.npy")) {
                    return z.readAllBytes();
                }
            }
        }
        throw new AssertionError("no arr_0.npy in " + npz);
    }

    @Test
    void fidOnADeviceGivesTheCpuFid() {
        String[] args = {"fid", "--checkpoint", dit, "--vae", vae, "--dataset", "synthetic:16", "--classifier",
            dir.resolve("clf.safetensors").toString(), "--classifier-steps", "3", "--sampler", "ddim:3", "-n", "8"};
        double[] cpu = fid(UspCli.run(args));
        String reused = UspCli.run(onDevice(args));
        assertTrue(reused.contains("reusing"), "the CPU's classifier file serves the device: " + reused);
        double[] dev = fid(reused);
        assertEquals(cpu[0], dev[0], 1e-3 * Math.max(1, cpu[0]), "FID");
        assertEquals(cpu[1], dev[1], "sample accuracy");
        // a classifier trained on the device: the same settings, so about the same FID
        args[8] = dir.resolve("clf-dev.safetensors").toString();
        String trained = UspCli.run(onDevice(args));
        assertTrue(trained.contains("feature classifier: step 3/3"), trained);
        assertEquals(cpu[0], fid(trained)[0], 1e-2 * Math.max(1, cpu[0]), "FID with a device-trained classifier");
    }

    /** FID and sample accuracy from fid's output line. */
    private static double[] fid(String out) {
        Matcher m = Pattern.compile("classifier features\\) (\\S+) over .* sample accuracy (\\S+)").matcher(out);
        assertTrue(m.find(), out);
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }

    @Test
    void probeOnADeviceGivesTheCpuTop1() {
        String[] args = {"probe", "--pretrained", mae, "--cache", cache, "--eval-cache", evalCache, "--steps", "2",
            "--batch", "4"};
        String a = UspCli.run(withOut(args, dir.resolve("probe-cpu").toString()));
        String b = UspCli.run(onDevice(withOut(args, dir.resolve("probe-dev").toString())));
        assertEquals(top1(a), top1(b));
    }

    @Test
    void finetuneOnADeviceTakesTheCpuStepsAndResumesThere() {
        String[] args = {"finetune", "--pretrained", mae, "--cache", cache, "--eval-cache", evalCache, "--steps", "2",
            "--batch", "4", "--device", "cpu"};
        String a = UspCli.run(withOut(args, dir.resolve("ft-cpu").toString()));
        args[args.length - 1] = device;
        String out = dir.resolve("ft-dev").toString();
        String b = UspCli.run(withOut(args, out));
        assertEquals(losses(a), losses(b), "step losses as printed (4 decimals)");
        assertEquals(top1(a), top1(b));
        args[8] = "3";
        String more = UspCli.run(withOut(args, out));
        assertTrue(more.contains("resuming") && more.contains("finetune step 3/3"), more);
    }

    private static List<String> losses(String out) {
        return out.lines().filter(l -> l.startsWith("finetune step")).map(l -> l.replaceAll(", lr.*", "")).toList();
    }

    private static String top1(String out) {
        Matcher m = Pattern.compile("top-1 (\\S+)").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    @Test
    void forwardOnADeviceWritesTheCpuOutputs() throws Exception {
        DiT net = (DiT) ModelRegistry.create("DiT-N/4");
        Generator gen = new Generator(3);
        ModelRegistry.save(net, dir.resolve("fwd-dit"));
        Path in = dir.resolve("fwd-in.safetensors");
        Safetensors.save(in, Map.of("x", NDArray.randn(gen, 2, 4, 32, 32), "t", NDArray.of(new long[] {10, 700}, 2),
                "y", NDArray.of(new long[] {3, 1000}, 2)), Map.of());
        MaskedAutoencoderViT m = (MaskedAutoencoderViT) ModelRegistry.create("MAE", Map.of("img_size", 8,
                "patch_size", 2, "in_chans", 4, "embed_dim", 16, "depth", 1, "num_heads", 2,
                "decoder_embed_dim", 8, "decoder_depth", 1, "decoder_num_heads", 2));
        ModelRegistry.save(m, dir.resolve("fwd-mae"));
        Path maeIn = dir.resolve("fwd-mae-in.safetensors");
        Safetensors.save(maeIn, Map.of("x", NDArray.randn(gen, 2, 4, 8, 8)), Map.of());  // noise drawn by forward
        Path vaeIn = dir.resolve("fwd-vae-in.safetensors");
        Safetensors.save(vaeIn, Map.of("x", NDArray.rand(gen, 2, 1, 32, 32).mul(2).sub(1), "eps",
                NDArray.randn(gen, 2, 4, 8, 8)), Map.of());
        String[][] cases = {
            {dir.resolve("fwd-dit/model.safetensors").toString(), in.toString()},
            {dir.resolve("fwd-mae/model.safetensors").toString(), maeIn.toString()},
            {vae + "/diffusion_pytorch_model.safetensors", vaeIn.toString(), "--config", vae + "/config.json"},
        };
        for (String[] c : cases) {
            List<Map<String, NDArray>> outs = new ArrayList<>();
            for (String dev : new String[] {"cpu", device}) {
                Path out = dir.resolve("fwd-out-" + outs.size() + ".safetensors");
                List<String> args = new ArrayList<>(List.of("forward", "--weights", c[0], "--inputs", c[1], "--out",
                        out.toString(), "--device", dev));
                args.addAll(List.of(c).subList(2, c.length));
                UspCli.run(args.toArray(String[]::new));
                outs.add(Safetensors.load(out));
            }
            assertEquals(outs.get(0).keySet(), outs.get(1).keySet());
            for (String k : outs.get(0).keySet()) {
                close(outs.get(0).get(k), outs.get(1).get(k), 1e-4, c[0] + " output " + k);
            }
        }
    }

    private static void close(NDArray want, NDArray got, double tol, String what) {
        assertNotNull(got, what);
        assertArrayEquals(want.shape(), got.shape(), what);
        assertEquals(Device.CPU, got.device(), what);
        float[] a = want.toFloatArray();
        float[] b = got.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], tol * (1 + Math.abs(a[i])), what + ", element " + i);
        }
    }
}
