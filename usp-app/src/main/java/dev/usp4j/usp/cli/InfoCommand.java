package dev.usp4j.usp.cli;

import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.tensor.Backend;
import dev.usp4j.tensor.Backends;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.cpu.KernelPath;
import dev.usp4j.tensor.cpu.Parallel;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ./usp info}: the models the registry knows with their parameter counts, and the compute devices. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "List the models (with parameter counts) and the devices this machine offers.")
public final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "usp4j 0.1.0 on Java %s%n%n", Runtime.version());
        out.println("Devices:");
        out.printf(Locale.ROOT, "  cpu: %d threads, %d-lane float vectors%s%n", Parallel.threads(), KernelPath.LANES,
                KernelPath.SCALAR ? " (scalar reference kernels forced)" : "");
        String why = Backends.unavailableReason(Device.cuda(0));
        if (why == null) {
            Backend b = Backends.of(Device.cuda(0));
            out.println("  " + (b instanceof dev.usp4j.tensor.cuda.CudaBackend cb ? cb.describe() : "cuda:0"));
        } else {
            out.println("  cuda: not available (" + why + ")");
        }
        out.println();
        out.println("Models (parameters, counted from the configuration):");
        for (String name : ModelRegistry.names()) {
            out.printf(Locale.ROOT, "  %-26s %,15d%n", name, ModelRegistry.parameterCount(name));
        }
        out.flush();
        return 0;
    }
}
