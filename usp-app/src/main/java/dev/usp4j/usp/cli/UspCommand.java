package dev.usp4j.usp.cli;

import picocli.CommandLine.Command;

/**
 * The top of {@code ./usp}: the subcommands and the options every one of them shares (help, version). {@code ./usp
 * test} is handled by the launcher script, which runs Maven's test phase instead of the app.
 */
@Command(name = "usp", mixinStandardHelpOptions = true, version = "usp4j 0.1.0",
        description = "USP (Unified Self-Supervised Pretraining) in pure Java.",
        subcommands = {PipelineCommand.class, DemoCommand.class, InfoCommand.class, ForwardCommand.class,
            VaeCommand.class, PretrainCommand.class, TrainCommand.class, SampleCommand.class, FidCommand.class,
            ProbeCommand.class, FinetuneCommand.class, ExperimentCommand.class},
        footer = {"", "Also: ./usp test (runs the test suite)."})
public final class UspCommand implements Runnable {
    @Override
    public void run() {
        // no subcommand: the demo is the main job on the built-in dataset until the pipeline lands
        new DemoCommand().call();
    }
}
