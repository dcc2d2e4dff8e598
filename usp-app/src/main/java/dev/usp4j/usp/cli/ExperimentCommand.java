package dev.usp4j.usp.cli;

import dev.usp4j.tensor.Device;
import dev.usp4j.usp.pipeline.Reproduction;
import dev.usp4j.usp.pipeline.ReproductionBudget;
import dev.usp4j.usp.pipeline.RunCarry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./usp experiment}: studies built on the pipeline; {@code reproduce} tests USP's claims at small scale. */
@Command(name = "experiment", mixinStandardHelpOptions = true, description = "Studies built on the pipeline.",
        subcommands = {ExperimentCommand.Reproduce.class, ExperimentCommand.Carry.class})
public final class ExperimentCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code ./usp experiment reproduce}: see {@link Reproduction}. */
    @Command(name = "reproduce", mixinStandardHelpOptions = true,
            description = {"DiT and SiT from scratch vs USP-initialised (FID at every checkpoint, several seeds, the"
                + " paper's speedup measure), linear probe and fine-tune of the USP encoder against a random one"
                + " and a pixel-space MAE, logistic regression on pixels, and the mask-ratio, latent-vs-pixel and"
                + " pretraining-length ablations; writes REPRODUCTION.md (REPRODUCTION-LONG.md for --budget long).",
                "Re-running continues an interrupted study (finished stages are skipped, trainers resume)."})
    public static final class Reproduce implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--budget", description = "standard (about 90 minutes on 2 cores), long (longer"
                + " training; resumable, so it may be split into sittings, on other machines with experiment carry) or tiny (a smoke"
                + " test on synthetic data) (default: ${DEFAULT-VALUE}).")
        String budget = "standard";

        @Option(names = "--out", description = "The run folder (default: runs/reproduce-<budget>).")
        Path out;

        @Option(names = "--publish", description = "Also copy the report and its folder of plots and"
                + " metrics (reproduction/, or reproduction-<budget>/ beside REPRODUCTION-<BUDGET>.md for budgets"
                + " other than standard) into this folder (e.g. docs).")
        Path publish;

        @Option(names = "--device", description = "cpu (default) or cuda[:N]: where every stage computes. Not part"
                + " of the stages' settings: a study may be continued on another device.")
        String device = "cpu";

        @Override
        public Integer call() throws IOException {
            ReproductionBudget b = ReproductionBudget.named(budget);
            Device onDevice = DeviceOption.parse(device);
            PrintWriter w = spec.commandLine().getOut();
            if (b.preset().dataset().equals("fashion-mnist")) {
                BuiltInDataset.ensureFashionMnist(w);
            }
            Path runDir = out != null ? out : Path.of("runs", "reproduce-" + b.name());
            Path carried = Path.of("carried", "reproduce-" + b.name());
            if (!Files.exists(runDir) && Files.exists(carried.resolve(RunCarry.MANIFEST))) {
                w.println("note: " + carried + " holds sittings of this study carried from another machine; this"
                        + " run starts afresh. To continue them instead, stop it and run ./usp experiment carry --run "
                        + runDir + " --from " + carried + " first.");
                w.flush();
            }
            Path report = new Reproduction(runDir, b, w, onDevice).run();
            if (publish != null) {
                copy(report, publish.resolve(report.getFileName()));
                String folder = Reproduction.filesFolder(b);
                try (Stream<Path> s = Files.list(report.resolveSibling(folder))) {
                    for (Path f : (Iterable<Path>) s::iterator) {
                        copy(f, publish.resolve(folder).resolve(f.getFileName()));
                    }
                }
                w.println("published to " + publish.resolve(report.getFileName()));
                w.flush();
            }
            return 0;
        }

        private static void copy(Path from, Path to) throws IOException {
            Files.createDirectories(to.getParent());
            Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** {@code ./usp experiment carry}: see {@link RunCarry}. */
    @Command(name = "carry", mixinStandardHelpOptions = true,
            description = {"Carries a study to another machine through the repository: --to writes what a later"
                + " sitting needs (finished stages' results, the VAE, classifier and encoder weights, evaluations;"
                + " not the latent caches, which the next sitting rebuilds, nor training checkpoints of finished"
                + " stages or anything of unfinished ones); --from restores it into a new run folder, where the same"
                + " experiment command continues the study.",
                "Stop the sitting first: carrying needs the run folder's lock."})
    public static final class Carry implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--run", required = true, description = "The run folder (e.g. runs/reproduce-long).")
        Path run;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Direction direction;

        static final class Direction {
            @Option(names = "--to", description = "Write the carried folder here (replaces an earlier carry).")
            Path to;

            @Option(names = "--from", description = "Restore the carried folder from here into --run (a new or"
                    + " empty folder).")
            Path from;
        }

        @Override
        public Integer call() throws IOException {
            PrintWriter w = spec.commandLine().getOut();
            if (direction.to != null) {
                Map<String, Object> m = RunCarry.save(run, direction.to);
                w.println("carried " + ((List<?>) m.get("finished_stages")).size() + " finished stages of " + run
                        + " to " + direction.to + " (" + ((List<?>) m.get("files")).size() + " files; left out: "
                        + ((List<?>) m.get("left_out")).size() + " files and the unfinished stages "
                        + m.get("unfinished_stages_left_out") + ")");
            } else {
                Map<String, Object> m = RunCarry.restore(direction.from, run);
                w.println("restored " + ((List<?>) m.get("finished_stages")).size() + " finished stages into " + run
                        + " (carried " + m.get("carried_at") + "); run the same experiment command with --out " + run
                        + " to continue");
            }
            w.flush();
            return 0;
        }
    }
}
