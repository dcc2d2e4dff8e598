package dev.usp4j.usp.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.UspCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline and the reproduction study on a device (the emulated one: CPU kernels behind a device boundary, so a
 * host array mixed into any stage's work fails as on a GPU), at the smallest sizes that run every stage: {@code
 * ./usp pipeline --device} runs every stage there, and each stage of the study (the pipeline's stages and its own:
 * pixel MAE, fine-tunes, logistic regression) records the CPU run's inputs hash (the device is not a setting) and
 * its numbers — losses, scales, accuracies, FIDs — to float rounding.
 */
class PipelineOnADeviceTest {
    @TempDir
    Path dir;

    /** The tiny preset cut to one or two steps of N-sized models on 16 synthetic images. */
    private static final String[] SMALL = {"--set", "dataset=synthetic:16", "--set", "vae_steps=1", "--set",
        "vae_batch=4", "--set", "mae=MAE-ViT-N/2", "--set", "pretrain_steps=1", "--set", "pretrain_batch=4", "--set",
        "dit_size=N/2", "--set", "gen_steps=2", "--set", "gen_batch=4", "--set", "fid_samples=4", "--set",
        "probe_steps=1", "--set", "probe_batch=4", "--set", "classifier_steps=2"};

    /** The command hands its device to every stage (their numbers against the CPU's: the study below). */
    @Test
    void pipelineCommandRunsEveryStageOnADevice() {
        String device = EmulatedDevice.register().toString();
        List<String> args = new java.util.ArrayList<>(List.of("pipeline", "--preset", "tiny", "--out",
                dir.resolve("run").toString(), "--device", device));
        args.addAll(List.of(SMALL));
        int calls = EmulatedDevice.calls();
        String out = UspCli.run(args.toArray(String[]::new));
        for (String stage : new String[] {"vae", "latents", "pretrain", "classifier", "dit-scratch", "dit-usp",
            "sit-scratch", "sit-usp", "probe"}) {
            assertTrue(out.contains("stage " + stage + ": running"), out);
        }
        assertTrue(EmulatedDevice.calls() - calls > 10_000, (EmulatedDevice.calls() - calls) + " device calls");
    }

    @Test
    void reproductionStagesRunOnADevice() throws Exception {
        Device device = EmulatedDevice.register();
        Preset p = new Preset("reproduce-device", "synthetic:16", "VAE-f4-small", 1, 4, "MAE-ViT-N/2", 2, 4, "N/2", 2,
                4, List.of(1L, 2L), 4, "ddim:2", "ode:euler:2", 0.5, 1, 4, 2, 0, false, 1e-3, 1.0);
        ReproductionBudget b = new ReproductionBudget("device", p, 1, List.of(0.75), List.of(), 1, 1);
        for (Device d : new Device[] {Device.CPU, device}) {
            Generator.manualSeed(0);  // the VAE draws its initial weights from it, as in a fresh process
            int calls = EmulatedDevice.calls();
            new Reproduction(dir.resolve(d.toString().replace(':', '-')), b, new PrintWriter(new StringWriter()), d)
                    .run();
            assertEquals(d.equals(Device.CPU), EmulatedDevice.calls() == calls, d + ": device calls");
        }
        sameStages(dir.resolve("cpu"), dir.resolve(device.toString().replace(':', '-')), 17);
    }

    /** Both runs finished the same {@code count} stages with the same inputs and, to float rounding, results. */
    private static void sameStages(Path cpu, Path onDevice, int count) throws Exception {
        List<String> stages;
        try (var files = Files.list(cpu.resolve("stages"))) {
            stages = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
        assertEquals(count, stages.size(), stages.toString());
        for (String s : stages) {
            Map<String, Object> a = Json.parseObject(Files.readString(cpu.resolve("stages").resolve(s)));
            Map<String, Object> b = Json.parseObject(Files.readString(onDevice.resolve("stages").resolve(s)));
            assertEquals(a.get("hash"), b.get("hash"), s + ": the device is not among a stage's inputs");
            same(a.get("results"), b.get("results"), s);
        }
    }

    private static void same(Object a, Object b, String where) {
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            assertEquals(x.keySet(), y.keySet(), where);
            for (Object k : x.keySet()) {
                if (!k.equals("seconds")) {
                    same(x.get(k), y.get(k), where + "." + k);
                }
            }
        } else if (a instanceof List<?> x && b instanceof List<?> y) {
            assertEquals(x.size(), y.size(), where);
            for (int i = 0; i < x.size(); i++) {
                same(x.get(i), y.get(i), where + "[" + i + "]");
            }
        } else if (a instanceof Number x && b instanceof Number y) {
            double u = x.doubleValue();
            double v = y.doubleValue();
            assertEquals(u, v, 1e-3 * Math.max(1, Math.abs(u)), where);
        } else {
            assertEquals(a, b, where);
        }
    }
}
