package dev.usp4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads the {@code .pt} files gen_pt.py saved with Debian's torch and compares every tensor (values, dtype, strides,
 * offsets, storage sharing) and every non-tensor value with what torch recorded; and refuses the pickles that would
 * run code, naming the global, with the payload's side-effect file never appearing.
 */
class PtFileTest {
    static final Path DIR = Path.of("src/test/resources/pt");
    private static Map<String, NDArray> expected;
    private static Map<String, Map<String, Object>> meta;

    @BeforeAll
    static void loadExpected() throws IOException {
        try (SafetensorsFile f = Safetensors.open(DIR.resolve("expected.safetensors"))) {
            expected = f.all();
            meta = new LinkedHashMap<>();
            f.metadata().forEach((k, v) -> meta.put(k, Json.parseObject(v)));
        }
    }

    static void assertSameValues(NDArray want, NDArray got, String name) {
        assertEquals(want.dtype(), got.dtype(), name);
        assertArrayEquals(want.shape(), got.shape(), name);
        switch (want.dtype()) {
            case I64 -> assertArrayEquals(want.toLongArray(), got.toLongArray(), name);
            case I32 -> assertArrayEquals(want.toIntArray(), got.toIntArray(), name);
            case BOOL -> assertArrayEquals(want.toBooleanArray(), got.toBooleanArray(), name);
            default -> assertArrayEquals(want.toFloatArray(), got.toFloatArray(), name);
        }
    }

    /** Every tensor of {@code got} equals expected[fixture/name], and there are as many. */
    private static void assertMatches(String fixture, Map<String, NDArray> got) {
        int n = 0;
        for (Map.Entry<String, NDArray> e : expected.entrySet()) {
            if (e.getKey().startsWith(fixture + "/")) {
                String name = e.getKey().substring(fixture.length() + 1);
                NDArray a = got.get(name);
                assertTrue(a != null, fixture + ": missing " + name + " in " + got.keySet());
                assertSameValues(e.getValue(), a, fixture + "/" + name);
                n++;
            }
        }
        assertEquals(n, got.size(), fixture + ": " + got.keySet());
        assertTrue(n > 0);
    }

    @Test
    void readsAPlainStateDict() throws IOException {
        PtFile f = PtFile.read(DIR.resolve("state_dict.pt"));
        Map<String, NDArray> sd = f.stateDict();
        assertEquals(meta.get("state_dict").get("keys"), new ArrayList<>(sd.keySet()), "key order is kept");
        assertMatches("state_dict", sd);
        assertEquals(DType.I64, sd.get("1.num_batches_tracked").dtype());
        assertEquals(0, sd.get("1.num_batches_tracked").rank());
        assertTrue(f.notes().isEmpty(), f.notes().toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void readsADitCheckpointWithArgsAsANamespace() throws IOException {
        PtFile f = PtFile.read(DIR.resolve("dit_checkpoint.pt"));
        Map<String, NDArray> all = new LinkedHashMap<>();
        for (String part : List.of("model", "ema", "opt")) {
            f.stateDict(part).forEach((k, v) -> all.put(part + "." + k, v));
        }
        assertMatches("dit", all);
        assertEquals(PtFile.stateDict(DIR.resolve("dit_checkpoint.pt"), "ema").keySet(),
                f.stateDict("model").keySet());
        assertTrue(all.containsKey("opt.state.0.exp_avg"), all.keySet().toString());

        Map<String, Object> root = (Map<String, Object>) f.root();
        Map<String, Object> args = (Map<String, Object>) root.get("args");
        Map<String, Object> want = (Map<String, Object>) meta.get("dit").get("args");
        assertEquals(want.keySet(), args.keySet());
        for (String k : List.of("data_path", "model", "image_size", "num_classes", "global_batch_size", "lr",
                "use_ema", "vae", "betas", "size", "device")) {
            assertEquals(want.get(k), args.get(k), k);
        }
        assertNull(args.get("ckpt"));
        assertTrue(args.containsKey("ckpt"));
        assertEquals(Set.of("a"), args.get("tags"));
        assertArrayEquals(((String) want.get("blob")).getBytes(StandardCharsets.ISO_8859_1), (byte[]) args.get("blob"));

        Map<String, Object> opt = (Map<String, Object>) root.get("opt");
        List<Object> groups = (List<Object>) opt.get("param_groups");
        assertEquals(meta.get("dit").get("param_groups"), groups);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.stateDict("emma"));
        assertTrue(e.getMessage().contains("'emma'") && e.getMessage().contains("[model, ema, opt, args]"),
                e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void readsEveryDtypeConvertingFloat64WithANote() throws IOException {
        PtFile f = PtFile.read(DIR.resolve("dtypes.pt"));
        Map<String, NDArray> sd = f.stateDict();
        assertMatches("dtypes", sd);
        assertEquals(DType.F16, sd.get("f16").dtype());
        assertEquals(DType.BF16, sd.get("bf16").dtype());
        assertEquals(DType.F32, sd.get("f64").dtype());
        assertEquals(DType.I32, sd.get("u8").dtype());
        assertArrayEquals(new int[] {}, sd.get("scalar").shape());
        assertArrayEquals(new int[] {0, 3}, sd.get("empty").shape());
        assertEquals(4, f.notes().size(), f.notes().toString());
        assertTrue(f.notes().stream().anyMatch(n -> n.contains("float64 converted to float32")), f.notes().toString());

        Map<String, Object> nested = (Map<String, Object>) ((Map<String, Object>) f.root()).get("nested");
        List<Object> list = (List<Object>) nested.get("list");
        assertInstanceOf(NDArray.class, list.get(0));
        assertEquals(3L, list.get(1));
        assertEquals("text", list.get(2));
        assertNull(((List<Object>) nested.get("tuple")).get(1));
    }

    @Test
    void viewsShareStoragesAndKeepTheirLayout() throws IOException {
        checkViews("views", PtFile.read(DIR.resolve("views.pt")));
    }

    @Test
    void readsTheLegacyNonZipLayout() throws IOException {
        PtFile f = PtFile.read(DIR.resolve("legacy.pt"));
        checkViews("legacy", f);
        assertEquals(DType.F16, f.stateDict().get("half").dtype());
    }

    @SuppressWarnings("unchecked")
    private static void checkViews(String fixture, PtFile f) {
        Map<String, NDArray> sd = f.stateDict();
        assertMatches(fixture, sd);
        NDArray base = sd.get("base");
        for (Map.Entry<String, Object> e : meta.get(fixture).entrySet()) {
            Map<String, Object> info = (Map<String, Object>) e.getValue();
            NDArray a = sd.get(e.getKey());
            List<Long> stride = new ArrayList<>();
            for (int s : a.strides()) {
                stride.add((long) s);
            }
            assertEquals(info.get("stride"), stride, e.getKey());
            assertEquals(((Number) info.get("offset")).intValue(), a.offset(), e.getKey());
            assertEquals(info.get("contiguous"), a.isContiguous(), e.getKey());
            if ((Boolean) info.get("shares_base")) {
                assertSame(base.storage(), a.storage(), e.getKey() + " shares the base's storage");
            } else {
                assertNotSame(base.storage(), a.storage(), e.getKey());
            }
        }
        // A write through one view is seen through the others, as in torch.
        base.set(-7, 1, 2);
        assertEquals(-7, sd.get("t").get(2, 1));
        assertEquals(-7, sd.get("col").get(1));
        assertEquals(-7, sd.get("block").get(0, 0));
        assertFalse(sd.get("t").isContiguous());
    }

    private static void assertRefused(String file, String global, String flag) throws IOException {
        Path side = Path.of("/tmp/usp4j_pt_pwned_" + flag);
        Files.deleteIfExists(side);
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> PtFile.read(DIR.resolve(file)));
        assertEquals(global, e.global());
        assertTrue(e.getMessage().contains("'" + global + "'") && e.getMessage().contains(file), e.getMessage());
        assertFalse(Files.exists(side), "the payload of " + file + " ran");
    }

    @Test
    void refusesPicklesThatWouldRunCode() throws IOException {
        assertRefused("evil_os_system.pt", "os.system", "os_system");
        assertRefused("evil_eval.pt", "builtins.eval", "eval");
        assertRefused("evil_reduce.pt", "posix.system", "reduce");
        assertRefused("evil_legacy.pt", "posix.system", "legacy");
        assertRefused("evil_class.pt", "__main__.Thing", "class");
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> PtFile.read(DIR.resolve("evil_os_system.pt")));
        assertTrue(e.getMessage().contains("collections.OrderedDict") && e.getMessage().contains("nothing was"
                + " executed"), e.getMessage());
    }
}
