package dev.usp4j.diffusion.sampling;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;
import java.util.List;

/**
 * Builds {@link ModelFn}s from DiT and SiT for class-conditional sampling: plain (labels y), or with classifier-free
 * guidance as DiT's and SiT's sample scripts run it: the batch doubled to [x, x] with labels [y, null class], the
 * model's {@code forwardWithCfg} (guidance on the first three channels), and the conditional half returned. The
 * model is switched to eval mode and run without gradients.
 */
public final class ModelFns {
    private ModelFns() {
    }

    /** The model conditioned on labels {@code y} [N] (integers; num_classes is the null class). */
    public static ModelFn conditional(DiT model, NDArray y) {
        model.eval();
        return (x, t) -> {
            checkBatch("conditional", x, y);
            try (GradMode.Scope s = GradMode.noGrad()) {
                return model.forward(Tensor.of(x), t, y).data();
            }
        };
    }

    /**
     * Classifier-free guidance at scale {@code cfgScale} for labels {@code y} [N]: a scale of 1 is the conditional
     * model itself, and then no second half is computed.
     */
    public static ModelFn guided(DiT model, NDArray y, double cfgScale) {
        if (cfgScale == 1.0) {
            return conditional(model, y);
        }
        model.eval();
        int nullClass = model.config().numClasses();
        NDArray yNull = NDArray.full(DType.I64, y.device(), nullClass, y.size(0));
        NDArray yBoth = NDArray.cat(List.of(y.to(DType.I64), yNull), 0);
        return (x, t) -> {
            checkBatch("guided", x, y);
            int n = x.size(0);
            try (GradMode.Scope s = GradMode.noGrad()) {
                Tensor both = Tensor.of(NDArray.cat(List.of(x, x), 0));
                NDArray out = model.forwardWithCfg(both, NDArray.cat(List.of(t, t), 0), yBoth, cfgScale).data();
                return out.narrow(0, 0, n).contiguous();
            }
        };
    }

    private static void checkBatch(String what, NDArray x, NDArray y) {
        if (x.rank() < 1 || y.rank() != 1 || x.size(0) != y.size(0)) {
            throw new IllegalArgumentException("ModelFns." + what + ": the state's batch must match the labels [N],"
                    + " got x " + Arrays.toString(x.shape()) + " and y " + Arrays.toString(y.shape()));
        }
    }
}
