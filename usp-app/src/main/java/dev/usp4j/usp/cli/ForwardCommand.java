package dev.usp4j.usp.cli;

import dev.usp4j.usp.Forward;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./usp forward}: one forward pass of a model on named inputs, the deployment path ({@link Forward}). */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Run one forward pass of a model on named inputs and write its named outputs.",
            "Inputs: DiT/SiT x, t, y; MAE x [noise]; VAE x [eps]; ViT x. Outputs: DiT/SiT out; MAE loss, pred, mask;",
            "VAE mean, logvar, recon [sample]; ViT logits. Without --model and --config the model is read from the",
            "weights file's safetensors metadata (keys 'model' and 'config')."})
public final class ForwardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", description = "A registry name, e.g. DiT-XL/2 (see ./usp info).")
    String model;

    @Option(names = "--config", paramLabel = "FILE.json",
            description = "A config.json with _class_name and the constructor's arguments.")
    Path config;

    @Option(names = "--weights", required = true, paramLabel = "W", description = "Weights (.safetensors or .pt).")
    Path weights;

    @Option(names = "--inputs", required = true, paramLabel = "IN.safetensors", description = "Named inputs.")
    Path inputs;

    @Option(names = "--out", required = true, paramLabel = "OUT.safetensors", description = "Where outputs go.")
    Path out;

    @Option(names = "--device", description = "cpu (default) or cuda[:N]: where the forward pass runs (outputs are"
            + " written from the host).")
    String device = "cpu";

    @Override
    public Integer call() throws IOException {
        List<String> names = Forward.run(model, config, weights, inputs, out, DeviceOption.parse(device));
        PrintWriter w = spec.commandLine().getOut();
        w.println("wrote " + names + " to " + out);
        w.flush();
        return 0;
    }
}
