package dev.usp4j.data.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import dev.usp4j.tensor.random.Generator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every deterministic transform against PIL 9.4 (fixture from data/src/test/python/gen_transforms.py): resizes with
 * each filter up and down, torchvision's shorter-side resize, pad, center crop, ADM's center crop, mode conversion,
 * flip and RandomResizedCrop's crop-and-resize at fixed parameters. Sizes must match exactly and pixels within one
 * grey level; the largest difference per filter/op is printed at the end.
 */
class TransformsGoldenTest {
    private static final int TOLERANCE = 1;
    private static final Map<String, Integer> MAX_DIFF = new TreeMap<>();

    @TestFactory
    Stream<DynamicTest> againstPil() throws Exception {
        Path path = Path.of(TransformsGoldenTest.class.getResource("/golden/transforms.safetensors").toURI());
        List<DynamicTest> tests = new ArrayList<>();
        try (SafetensorsFile f = Safetensors.open(path)) {
            for (Map.Entry<String, String> e : f.metadata().entrySet()) {
                String name = e.getKey();
                Map<String, Object> spec = Json.parseObject(e.getValue());
                Image input = image(f.get("input/" + spec.get("input")));
                Image expected = image(f.get(name + "/out"));
                @SuppressWarnings("unchecked")
                Map<String, Object> args = (Map<String, Object>) spec.get("args");
                String op = (String) spec.get("op");
                tests.add(DynamicTest.dynamicTest(name, () -> check(name, category(op, args), run(op, args, input),
                        expected)));
            }
        }
        assertTrue(tests.size() > 100, "fixture has only " + tests.size() + " cases");
        return tests.stream();
    }

    @AfterAll
    static void report() {
        System.out.println("TransformsGoldenTest: max |Java − PIL| per filter/op: " + MAX_DIFF);
    }

    private static void check(String name, String category, Image actual, Image expected) {
        assertEquals(expected.width() + "×" + expected.height() + "×" + expected.channels(),
                actual.width() + "×" + actual.height() + "×" + actual.channels(), name + ": size");
        byte[] a = actual.pixels();
        byte[] b = expected.pixels();
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
        }
        synchronized (MAX_DIFF) {
            MAX_DIFF.merge(category, max, Math::max);
        }
        assertTrue(max <= TOLERANCE, name + ": max difference " + max + " grey levels");
    }

    private static String category(String op, Map<String, Object> args) {
        return op.equals("resize") ? "resize " + Filter.ofPilCode(intArg(args, "filter")) : op;
    }

    private static Image run(String op, Map<String, Object> args, Image in) {
        Generator gen = new Generator(0);
        Transform t = switch (op) {
            case "resize" -> Resize.to(intArg(args, "width"), intArg(args, "height"),
                    Filter.ofPilCode(intArg(args, "filter")));
            case "resize_short" -> Resize.shorterSide(intArg(args, "size"), Filter.ofPilCode(intArg(args, "filter")));
            case "pad" -> Pad.of(intArg(args, "left"), intArg(args, "top"), intArg(args, "right"),
                    intArg(args, "bottom"), ints(args.get("fill")));
            case "center_crop" -> CenterCrop.of(intArg(args, "width"), intArg(args, "height"));
            case "adm" -> new AdmCenterCrop(intArg(args, "size"));
            case "grey" -> ConvertMode.toGrey();
            case "rgb" -> ConvertMode.toRgb();
            case "flip" -> RandomHorizontalFlip.always();
            case "resized_crop" -> (image, g) -> new RandomResizedCrop(intArg(args, "out_width"),
                    intArg(args, "out_height"), 0.2, 1.0, 0.75, 4.0 / 3.0, Filter.ofPilCode(intArg(args, "filter")))
                    .cropAndResize(image, new RandomResizedCrop.Params(intArg(args, "top"), intArg(args, "left"),
                            intArg(args, "height"), intArg(args, "width")));
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
        return t.apply(in, gen);
    }

    private static int intArg(Map<String, Object> args, String key) {
        return ((Number) args.get(key)).intValue();
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }

    /** A [H, W, C] float16 tensor of integral values 0…255 back to an 8-bit image. */
    static Image image(NDArray a) {
        int[] s = a.shape();
        float[] v = a.toFloatArray();
        byte[] px = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            px[i] = (byte) Math.round(v[i]);
        }
        return new Image(s[1], s[0], s[2], px);
    }
}
