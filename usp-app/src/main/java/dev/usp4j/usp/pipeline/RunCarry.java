package dev.usp4j.usp.pipeline;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import dev.usp4j.usp.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Carries a run folder from one machine to the next ({@code ./usp experiment carry}): a study longer than a working
 * session has to continue on a machine that kept nothing of the last one, and the repository is the only thing that
 * travels. {@link #save} writes the smallest folder a later sitting needs to go on where this one stopped: the ledger
 * entries of the finished stages, the sittings, the finished stages' metrics, and of each finished stage only what
 * later stages or the report read (the VAE's exported model, the classifier, the encoders' weights without their
 * optimiser state, the generative runs' evaluations and samples). It leaves out the latent and pixel caches (about
 * 140 MB for Fashion-MNIST; the next sitting rebuilds them from the carried VAE), training checkpoints of finished
 * stages, and everything of unfinished ones (the next sitting runs them from the start). {@link #restore} copies such
 * a folder into a new run folder; running the same command there continues the study.
 */
public final class RunCarry {
    /** The file that describes a carried folder (what it holds and what was left out), written last. */
    public static final String MANIFEST = "carry.json";

    private RunCarry() {
    }

    /**
     * Writes what {@code run} needs to continue on another machine into {@code to} (replacing an earlier carry there),
     * holding the run's lock so no sitting writes while it is copied. Returns the manifest.
     */
    public static Map<String, Object> save(Path run, Path to) throws IOException {
        if (!Files.isDirectory(run.resolve("stages"))) {
            throw new IOException(run + " holds no pipeline run (no stages/ folder); nothing to carry");
        }
        try (RunLock lock = RunLock.acquire(run)) {
            Path tmp = to.resolveSibling(to.getFileName() + ".carry-tmp");
            deleteTree(tmp);
            Files.createDirectories(tmp.resolve("stages"));
            Set<String> finished = finishedStages(run);
            List<String> kept = new ArrayList<>();
            List<String> leftOut = new ArrayList<>();
            for (String f : List.of("preset.json", "sittings.json")) {
                if (Files.exists(run.resolve(f))) {
                    Files.copy(run.resolve(f), tmp.resolve(f));
                }
            }
            copyMetrics(run.resolve("metrics.jsonl"), tmp.resolve("metrics.jsonl"), finished);
            for (String stage : finished) {
                for (String suffix : List.of(".json", ".started")) {
                    Path f = run.resolve("stages").resolve(stage + suffix);
                    if (Files.exists(f)) {
                        Files.copy(f, tmp.resolve("stages").resolve(stage + suffix));
                    }
                }
                for (Path out : StageInputs.outputs(stage)) {
                    carryOutput(run, tmp, stage, out, kept, leftOut);
                }
            }
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("carried_at", Instant.now().toString().replaceFirst("\\.\\d+Z$", "Z"));
            manifest.put("finished_stages", List.copyOf(finished));
            manifest.put("unfinished_stages_left_out", unfinishedStages(run, finished));
            manifest.put("files", kept);
            manifest.put("left_out", leftOut);
            AtomicFiles.writeString(tmp.resolve(MANIFEST), Json.write(manifest) + "\n");
            Path old = to.resolveSibling(to.getFileName() + ".carry-old");
            deleteTree(old);
            if (Files.exists(to)) {
                if (!Files.exists(to.resolve(MANIFEST))) {
                    throw new IOException(to + " exists and is not a carried run folder (no " + MANIFEST
                            + "); choose another --to");
                }
                Files.move(to, old);
            }
            Files.move(tmp, to);
            deleteTree(old);
            return manifest;
        }
    }

    /**
     * Copies the carried folder {@code from} into the run folder {@code run}, which must not exist or be empty (a
     * restore never mixes two runs). Returns the manifest.
     */
    public static Map<String, Object> restore(Path from, Path run) throws IOException {
        Path manifest = from.resolve(MANIFEST);
        if (!Files.exists(manifest)) {
            throw new IOException(from + " is not a carried run folder (no " + MANIFEST + "); write one with"
                    + " ./usp experiment carry --run RUN --to " + from);
        }
        if (Files.isDirectory(run)) {
            try (Stream<Path> s = Files.list(run)) {
                if (s.findAny().isPresent()) {
                    throw new IOException(run + " is not empty; restore a carried run into a new or empty folder");
                }
            }
        } else if (Files.exists(run)) {
            throw new IOException(run + " is a file, not a run folder");
        }
        Path tmp = run.resolveSibling(run.getFileName() + ".restore-tmp");
        deleteTree(tmp);
        copyTree(from, tmp);
        Files.delete(tmp.resolve(MANIFEST));
        Files.deleteIfExists(run);
        Files.move(tmp, run);
        return Json.parseObject(Files.readString(manifest, StandardCharsets.UTF_8));
    }

    /** Stages with a ledger entry (finished), in name order. */
    private static Set<String> finishedStages(Path run) throws IOException {
        Set<String> s = new TreeSet<>();
        try (Stream<Path> files = Files.list(run.resolve("stages"))) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .forEach(n -> s.add(n.substring(0, n.length() - ".json".length())));
        }
        return s;
    }

    private static List<String> unfinishedStages(Path run, Set<String> finished) throws IOException {
        List<String> s = new ArrayList<>();
        try (Stream<Path> files = Files.list(run.resolve("stages"))) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".started"))
                    .map(n -> n.substring(0, n.length() - ".started".length())).filter(n -> !finished.contains(n))
                    .sorted().forEach(s::add);
        }
        return s;
    }

    /**
     * Copies one output of a finished stage, as much of it as later stages read: rebuilt caches and training
     * checkpoints stay behind, an MAE checkpoint travels as its weights (what the transfer, probes and fine-tunes
     * read); everything else is copied as it is.
     */
    private static void carryOutput(Path run, Path to, String stage, Path out, List<String> kept, List<String> leftOut)
            throws IOException {
        Path src = run.resolve(out);
        if (!Files.exists(src)) {
            return;
        }
        if (StageInputs.rebuiltOnResume(stage)) {
            leftOut.add(out + "/ (a cache, rebuilt from the carried VAE by the next sitting)");
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(src)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String rel = run.relativize(f).toString();
            String name = f.getFileName().toString();
            Path dst = to.resolve(rel);
            if (name.endsWith(".tmp")) {
                continue;
            }
            if (name.equals("pretrain.ckpt.safetensors")) {
                Files.createDirectories(dst.getParent());
                weightsOnly(f, dst);
                kept.add(rel + " (weights only: optimiser state left out)");
            } else if (name.endsWith(".ckpt.safetensors")) {
                leftOut.add(rel + " (the training checkpoint of a finished stage)");
            } else {
                Files.createDirectories(dst.getParent());
                Files.copy(f, dst);
                kept.add(rel);
            }
        }
    }

    /** A training checkpoint without its optimiser tensors, with its metadata (config, step) unchanged. */
    static void weightsOnly(Path ckpt, Path dst) throws IOException {
        try (SafetensorsFile f = Safetensors.open(ckpt)) {
            Map<String, NDArray> keep = new LinkedHashMap<>();
            for (String n : f.names()) {
                if (!n.startsWith("optim.")) {
                    keep.put(n, f.get(n));
                }
            }
            Map<String, String> meta = new LinkedHashMap<>(f.metadata());
            meta.put("carried", "weights only; the optimiser state was left out, so training cannot resume from it");
            Safetensors.save(dst, keep, meta);
        }
    }

    private static void copyMetrics(Path from, Path to, Set<String> finished) throws IOException {
        if (!Files.exists(from)) {
            return;
        }
        // Unfinished stages run again from their start in the next sitting and log their steps again; a line cut off
        // by a kill is dropped, as MetricsLog.read skips it.
        List<String> lines = new ArrayList<>();
        try (Stream<String> s = Files.lines(from, StandardCharsets.UTF_8)) {
            s.forEach(l -> {
                Object stage;
                try {
                    stage = l.isBlank() ? null : Json.parseObject(l).get("stage");
                } catch (IllegalArgumentException e) {
                    stage = null;
                }
                if (stage != null && finished.contains(String.valueOf(stage))) {
                    lines.add(l);
                }
            });
        }
        Files.write(to, lines, StandardCharsets.UTF_8);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.copy(f, to.resolve(from.relativize(f).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(f);
            }
        }
    }
}
