package dev.usp4j.diffusion.gaussian;

import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.diffusion.sampling.Sampler;
import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;

/**
 * The loop DDPM and DDIM share: from x_{T−1} = noise down to step 0 of a (possibly respaced) diffusion, one network
 * call per step, each step reported to the listener. Subclasses define one step.
 */
abstract class ReverseSampler implements Sampler {
    final GaussianDiffusion diffusion;

    ReverseSampler(GaussianDiffusion diffusion) {
        this.diffusion = java.util.Objects.requireNonNull(diffusion, "diffusion");
    }

    /** One step at x, t [N]; draws its noise (if any) from gen. */
    /**
     * One step of {@link #sample}'s loop, drawing the step's noise from gen when {@code noisy}: false exactly when
     * every t is 0, which the loop knows (t is its own index) without reading t back from a device.
     */
    abstract SampleStep step(ModelFn model, NDArray x, NDArray t, boolean noisy, Generator gen);

    @Override
    public NDArray sample(ModelFn model, NDArray noise, Generator gen, StepListener listener) {
        if (noise.rank() < 1 || noise.dtype() != DType.F32) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the start noise must be a float32"
                    + " batch [N, ...], got " + noise.dtype() + " " + Arrays.toString(noise.shape()));
        }
        int total = diffusion.numTimesteps();
        NDArray x = noise;
        for (int i = total - 1; i >= 0; i--) {
            NDArray t = NDArray.full(DType.I64, noise.device(), i, noise.size(0));
            x = step(model, x, t, i != 0, gen).sample();
            listener.onStep(total - i, total, total - i, x);
        }
        return x;
    }

    /** 1 where t > 0, 0 at t = 0, float32 [N, 1, ...]: the last step adds no noise. */
    static NDArray nonzeroMask(NDArray t, int rank) {
        if (t.device().type() != dev.usp4j.tensor.Device.Type.CPU) {  // made there, not read back
            int[] shape = new int[Math.max(rank, 1)];
            Arrays.fill(shape, 1);
            shape[0] = t.size(0);
            return t.ne(0).to(DType.F32).reshape(shape);
        }
        long[] ts = t.toLongArray();
        float[] m = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            m[i] = ts[i] != 0 ? 1f : 0f;
        }
        int[] shape = new int[Math.max(rank, 1)];
        Arrays.fill(shape, 1);
        shape[0] = ts.length;
        return NDArray.of(m, shape).to(t.device());
    }

    static void checkNoise(String op, NDArray x, NDArray noise) {
        if (noise == null || !Arrays.equals(noise.shape(), x.shape())) {
            throw new IllegalArgumentException(op + ": the step noise must have the state's shape "
                    + Arrays.toString(x.shape()) + ", got "
                    + (noise == null ? "none" : Arrays.toString(noise.shape())));
        }
    }

    /**
     * Whether a step at t with the given noise adds noise: whether any t is nonzero, read for t on the CPU. On a
     * device reading t would make the host wait for it, so there a null noise stands for "every t is 0" (checked on
     * the device and reported at the next read), and a given one is added through {@link #nonzeroMask}.
     */
    static boolean anyNonzero(NDArray t, NDArray noise) {
        if (t.device().type() == dev.usp4j.tensor.Device.Type.CPU) {
            return Arrays.stream(t.toLongArray()).anyMatch(v -> v != 0);
        }
        if (noise == null) {
            t.checkRange(0, 1, v -> "a sampling step without noise needs every t to be 0, got t = " + v);
            return false;
        }
        return true;
    }

    String steps() {
        return diffusion instanceof SpacedDiffusion s && s.originalNumSteps() != diffusion.numTimesteps()
                ? diffusion.numTimesteps() + " respaced steps of " + s.originalNumSteps()
                : diffusion.numTimesteps() + " steps";
    }
}
