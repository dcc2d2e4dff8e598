package dev.usp4j.usp.cli;

import dev.usp4j.tensor.Device;
import dev.usp4j.usp.pipeline.Pipeline;
import dev.usp4j.usp.pipeline.Preset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./usp pipeline}: the whole chain (see {@link Pipeline}); re-running continues an interrupted run. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"VAE → latent cache → USP pretraining → DiT and SiT from scratch and from USP → FID and"
            + " sample accuracy → linear probe → report.md.", "Re-running skips finished stages and resumes the"
            + " rest."})
public final class PipelineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", description = "tiny, quick or standard (default: ${DEFAULT-VALUE}).")
    String preset = "quick";

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = {"Override one preset setting (repeatable),"
        + " e.g. --set gen_steps=800 --set fid_samples=1000; eval_steps are comma-separated and follow gen_steps"
        + " unless set. Only the stages that read a changed setting run again; their earlier outputs are moved to"
        + " <run>/earlier/. Keys: ${COMPLETION-CANDIDATES}"}, completionCandidates = Keys.class)
    List<String> set = new ArrayList<>();

    @Option(names = "--out", description = "The run folder (default: runs/<preset name>).")
    Path out;

    @Option(names = "--device", description = "cpu (default) or cuda[:N]: where every stage computes. Not part of"
            + " the stages' settings: a run may be continued on another device.")
    String device = "cpu";

    /** The preset keys, for the help text. */
    static final class Keys extends ArrayList<String> {
        Keys() {
            super(Preset.keys());
        }
    }

    @Override
    public Integer call() throws IOException {
        Preset p = Preset.named(preset).with(set);
        Device onDevice = DeviceOption.parse(device);
        if (p.dataset().equals("fashion-mnist")) {
            BuiltInDataset.ensureFashionMnist(spec.commandLine().getOut());
        }
        new Pipeline(out != null ? out : Path.of("runs", p.name()), p, spec.commandLine().getOut(), onDevice).run();
        return 0;
    }
}
