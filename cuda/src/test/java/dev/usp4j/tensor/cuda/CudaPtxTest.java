package dev.usp4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.BinaryOp;
import dev.usp4j.tensor.CompareOp;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.ReduceOp;
import dev.usp4j.tensor.UnaryOp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX, checked without a GPU: each kernel source has its PTX resource, of an ISA version the GPU
 * machines' driver can JIT (≤ 9.0); every kernel the backend launches exists; the op codes the kernels switch on
 * follow the Java enums' order; where nvcc is installed the PTX equals a fresh build, and where ptxas is installed
 * every file assembles for sm_90 (Hopper).
 */
class CudaPtxTest {
    /** The cuda module's folder: the working directory under Maven, {@code cuda/} from the repository root. */
    private static final Path MODULE = Files.isDirectory(Path.of("src/main/cuda")) ? Path.of(".") : Path.of("cuda");
    private static final Path SOURCES = MODULE.resolve("src/main/cuda");

    private static List<String> modules() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).sorted().toList();
        }
    }

    private static byte[] ptx(String module) throws IOException {
        try (InputStream in = Cuda.class.getResourceAsStream("ptx/" + module + ".ptx")) {
            assertNotNull(in, "no PTX resource for " + module + ".cu (run cuda/build-ptx.sh)");
            return in.readAllBytes();
        }
    }

    @Test
    void everySourceHasPtxTheDriverAccepts() throws IOException {
        List<String> modules = modules();
        assertTrue(modules.containsAll(List.of("elementwise", "reduce", "norm", "attention", "conv")), modules.toString());
        for (String m : modules) {
            String text = new String(ptx(m), StandardCharsets.US_ASCII);
            Matcher v = Pattern.compile("(?m)^\\.version (\\d+)\\.(\\d+)").matcher(text);
            assertTrue(v.find(), m + ".ptx has no .version line");
            int version = Integer.parseInt(v.group(1)) * 10 + Integer.parseInt(v.group(2));
            assertTrue(version <= 90, m + ".ptx is ISA " + v.group(1) + "." + v.group(2)
                    + "; driver 580 JIT-compiles at most 9.0");
            assertTrue(text.contains(".target sm_80"), m + ".ptx must target sm_80 (runs on Ampere and Hopper)");
            assertTrue(!Cuda.entries(text.getBytes(StandardCharsets.US_ASCII)).isEmpty(), m + ".ptx has no kernels");
        }
    }

    @Test
    void everyKernelTheBackendLaunchesExists() throws IOException {
        Set<String> kernels = new HashSet<>();
        for (String m : modules()) {
            kernels.addAll(Cuda.entries(ptx(m)));
        }
        List<String> wanted = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> s = Files.list(MODULE.resolve("src/main/java/dev/usp4j/tensor/cuda"))) {
            sources = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        for (Path file : sources) {
            String src = Files.readString(file);
            Matcher launch = Pattern.compile("launch\\(\"(\\w+)\",").matcher(src);
            while (launch.find()) {
                wanted.add(launch.group(1));
            }
        }
        assertTrue(wanted.size() > 20, "found only " + wanted);
        for (int bytes : new int[] {1, 2, 4, 8}) {
            wanted.add("copy_b" + bytes);
            wanted.add("fill_b" + bytes);
            wanted.add("gather_b" + bytes);
            wanted.add("pad_b" + bytes);
        }
        for (String v : new String[] {"", "2"}) {
            for (int dim : new int[] {32, 64}) {
                wanted.add("attention_bwd_q_tiled" + v + "_d" + dim);
                wanted.add("attention_bwd_kv_tiled" + v + "_d" + dim);
            }
        }
        wanted.add("attention_fwd_tiled_d32");
        wanted.add("attention_fwd_tiled_d64");
        wanted.add("interpolate_f32");
        wanted.add("interpolate_bwd_f32");
        for (String t : new String[] {"f32", "i32", "i64"}) {
            wanted.add("arg_reduce_" + t);
        }
        wanted.add("cumulative_f32");
        wanted.add("cumulative_i64");
        wanted.add("sort_f32");
        for (String t : new String[] {"i32", "i64", "bool"}) {
            wanted.add("reduce_int_" + t);
        }
        wanted.add("binary_i32");
        wanted.add("binary_i64");
        wanted.add("sort_i32");
        wanted.add("sort_i64");
        wanted.add("compare_i32");
        wanted.add("compare_i64");
        for (DType s : DType.values()) {
            for (DType d : DType.values()) {
                if (s != d && !(s.byteSize() == 2 && d.byteSize() == 2 && s == d)) {
                    wanted.add("convert_" + s.name().toLowerCase(Locale.ROOT) + "_" + d.name().toLowerCase(Locale.ROOT));
                }
            }
        }
        for (String t : new String[] {"f32", "i32", "i64"}) {
            wanted.add("arange_" + t);
        }
        for (String k : wanted) {
            assertTrue(kernels.contains(k), "no kernel " + k + " in the PTX");
        }
    }

    /** The enum names of a C {@code enum { A, B, ... }} whose first constant starts with {@code prefix}. */
    private static List<String> cEnum(String source, String prefix) throws IOException {
        String text = Files.readString(SOURCES.resolve(source));
        Matcher m = Pattern.compile("enum \\{\\s*(" + prefix + "[^}]*)\\}").matcher(text);
        assertTrue(m.find(), "no enum starting with " + prefix + " in " + source);
        return Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.substring(prefix.length())).toList();
    }

    @Test
    void kernelOpCodesFollowTheJavaEnums() throws IOException {
        assertEquals(Arrays.stream(UnaryOp.values()).map(Enum::name).toList(), cEnum("elementwise.cu", "U_"));
        List<String> binary = Arrays.stream(BinaryOp.values()).map(b -> b.name().replace("LOGICAL_", "")).toList();
        assertEquals(binary, cEnum("elementwise.cu", "B_"));
        assertEquals(List.of("SUM", "MEAN", "MAX", "MIN", "PROD", "LOGSUMEXP"), cEnum("reduce.cu", "R_"));
        assertEquals(List.of("SUM", "MEAN", "MAX", "MIN", "PROD", "LOGSUMEXP"),
                Arrays.stream(ReduceOp.values()).limit(6).map(Enum::name).toList());
        assertEquals(List.of("EQ", "NE", "LT", "LE", "GT", "GE"), Arrays.stream(CompareOp.values()).map(Enum::name)
                .toList(), "compare_f32 switches on these ordinals");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", cmd) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    @Test
    void committedPtxEqualsAFreshBuild() throws Exception {
        Assumptions.assumeTrue(onPath("nvcc"), "nvcc is not installed here");
        run(List.of("bash", MODULE.resolve("build-ptx.sh").toString(), "--check"));
    }

    @Test
    void ptxAssemblesForHopper() throws Exception {
        Assumptions.assumeTrue(onPath("ptxas"), "ptxas is not installed here");
        for (String m : modules()) {
            Path f = Files.createTempFile("usp4j-" + m, ".ptx");
            Files.write(f, ptx(m));
            try {
                run(List.of("ptxas", "-arch=sm_90", "-o", "/dev/null", f.toString()));
            } finally {
                Files.deleteIfExists(f);
            }
        }
    }
}
