package dev.usp4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unpickler on hand-written pickles: values, refusals, malformed input, hostile nesting, and a fuzz run. */
class UnpicklerTest {
    @TempDir
    Path dir;

    private static Object load(String pickle) throws IOException {
        return load(pickle.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Object load(byte[] pickle) throws IOException {
        return new Unpickler("mem.pkl", MemorySegment.ofArray(pickle), 0, new TorchGlobals("mem.pkl")).load();
    }

    @Test
    void readsProtocolTwoValues() throws IOException {
        // {'a': [1, -2, 2**70, 1.5, True, None, 'x', (3,)], 'b': b'\x01'} in protocol 2 opcodes.
        String p = "\u0080\u0002}q\u0000(X\u0001\u0000\u0000\u0000a]q\u0001(K\u0001J\u00fe\u00ff\u00ff\u00ff"
                + "\u008a\u0009\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0040"
                + "G\u003f\u00f8\u0000\u0000\u0000\u0000\u0000\u0000\u0088NX\u0001\u0000\u0000\u0000xK\u0003\u0085e"
                + "X\u0001\u0000\u0000\u0000bC\u0001\u0001u.";
        Map<?, ?> m = (Map<?, ?>) load(p);
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2L, a.get(1));
        assertEquals(BigInteger.ONE.shiftLeft(70), a.get(2));
        assertEquals(1.5, a.get(3));
        assertEquals(Boolean.TRUE, a.get(4));
        assertEquals(null, a.get(5));
        assertEquals("x", a.get(6));
        assertEquals(List.of(3L), a.get(7));
        assertInstanceOf(Unpickler.Tuple.class, a.get(7));
        assertEquals(1, ((byte[]) m.get("b"))[0]);
        // Memo: BINPUT/BINGET give the same object twice.
        List<?> twice = (List<?>) load("\u0080\u0002](]q\u0000h\u0000e.");
        assertTrue(twice.get(0) == twice.get(1));
        assertEquals(Set.of(1L, 2L), load("\u0080\u0004\u008f(K\u0001K\u0002\u0090."));
    }

    @Test
    void refusesGlobalsOutsideTheAllowList() {
        UnsafePickleException a = assertThrows(UnsafePickleException.class,
                () -> load("\u0080\u0004\u008c\u0008builtins\u0094\u008c\u0004exec\u0094\u0093."));
        assertEquals("builtins.exec", a.global());
        UnsafePickleException b = assertThrows(UnsafePickleException.class, () -> load("(ios\nsystem\n."));
        assertEquals("os.system", b.global());
        UnsafePickleException c = assertThrows(UnsafePickleException.class,
                () -> load("\u0080\u0002csubprocess\nPopen\n."));
        assertTrue(c.getMessage().contains("'subprocess.Popen'"), c.getMessage());
        UnsafePickleException d = assertThrows(UnsafePickleException.class, () -> load("\u0080\u0002\u0082\u0001."));
        assertTrue(d.getMessage().contains("EXT1"), d.getMessage());
        // getattr is how gadget chains reach anything; it is not on the list either.
        assertThrows(UnsafePickleException.class, () -> load("\u0080\u0002c__builtin__\ngetattr\n."));
        // Allowed globals are data only: REDUCE on a storage class or a dtype is an error, not a call.
        assertThrows(IOException.class, () -> load("\u0080\u0002ctorch\nFloatStorage\n)R."));
    }

    @Test
    void malformedPicklesGiveIoExceptions() {
        assertMessage("truncated", "\u0080\u0002X\u00ff\u0000\u0000\u0000ab");
        assertMessage("unsupported opcode 0xff", "\u0080\u0002\u00ff");
        assertMessage("stack underflow", "\u0080\u0002.");
        assertMessage("memo key 7", "\u0080\u0002h\u0007.");
        assertMessage("no MARK", "\u0080\u0002K\u0001t.");
        assertMessage("APPEND to a tuple", "\u0080\u0002)K\u0001a.");
        assertMessage("unhashable", "\u0080\u0002}]K\u0001s.");
        assertMessage("REDUCE on", "\u0080\u0002K\u0001)R.");
        assertMessage("values left on the stack", "\u0080\u0002K\u0001K\u0002.");
        assertMessage("truncated", "\u0080\u0002");
    }

    private static void assertMessage(String fragment, String pickle) {
        IOException e = assertThrows(IOException.class, () -> load(pickle));
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains("mem.pkl"), e.getMessage());
    }

    @Test
    void deepNestingCostsNoStack() throws IOException {
        int depth = 200_000;
        Object nested = load("(".repeat(depth) + "]" + "l".repeat(depth) + ".");
        for (int k = 0; k < depth; k++) {
            nested = ((List<?>) nested).getFirst();
        }
        assertEquals(List.of(), nested);
        // As a dict key a deep tuple is refused before anything hashes it.
        String deepTuple = "K\u0001" + "\u0085".repeat(1000);
        assertMessage("nested deeper", "\u0080\u0002}" + deepTuple + "K\u0002s.");
        // Through PtFile: the structure is walked without recursion, stateDict refuses very deep trees cleanly.
        Path p = zip("deep", ("\u0080\u0002" + "(".repeat(depth) + "]" + "l".repeat(depth) + ".")
                .getBytes(StandardCharsets.ISO_8859_1));
        PtFile f = PtFile.read(p);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, f::stateDict);
        assertTrue(e.getMessage().contains("nesting deeper"), e.getMessage());
    }

    private Path zip(String name, byte[] pickle) throws IOException {
        Path p = dir.resolve(name + ".pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            z.putNextEntry(new ZipEntry(name + "/data.pkl"));
            z.write(pickle);
            z.closeEntry();
            z.putNextEntry(new ZipEntry(name + "/version"));
            z.write("3\n".getBytes(StandardCharsets.US_ASCII));
            z.closeEntry();
        }
        return p;
    }

    /** Byte flips in a real checkpoint's pickle and storages: each read succeeds or throws an IOException. */
    @Test
    void fuzzedCheckpointsFailCleanly() throws IOException {
        Path src = PtFileTest.DIR.resolve("dit_checkpoint.pt");
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (ZipFile z = new ZipFile(src.toFile())) {
            for (var en = z.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                try (InputStream in = z.getInputStream(e)) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        String pklName = "dit_checkpoint/data.pkl";
        byte[] pkl = entries.get(pklName);
        Random r = new Random(7);
        Path p = dir.resolve("fuzz.pt");
        int ok = 0;
        int refused = 0;
        for (int iter = 0; iter < 200; iter++) {
            byte[] b = pkl.clone();
            if (iter % 5 == 0) {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            } else {
                for (int k = 1 + r.nextInt(3); k > 0; k--) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
            }
            try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
                z.setLevel(0);
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    z.putNextEntry(new ZipEntry(e.getKey()));
                    z.write(e.getKey().equals(pklName) ? b : e.getValue());
                    z.closeEntry();
                }
            }
            try {
                PtFile f = PtFile.read(p);
                f.stateDict();
                ok++;
            } catch (IOException e) {
                assertTrue(e.getMessage().contains("fuzz.pt"), e.getMessage());
                refused++;
            }
        }
        assertTrue(ok > 0 && refused > 60, ok + " read, " + refused + " refused");
    }
}
