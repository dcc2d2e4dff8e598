package dev.usp4j.diffusion.transport;

import dev.usp4j.tensor.NDArray;

/**
 * SiT's default interpolant (ICPlan), the one USP trains: x_t = t·x₁ + (1 − t)·x₀, so the velocity is x₁ − x₀ and
 * the drift variance (1 − t)/t.
 */
public final class LinearPath extends TransportPath {

    @Override
    public double alpha(double t) {
        return t;
    }

    @Override
    public double dAlpha(double t) {
        return 1;
    }

    @Override
    public double sigma(double t) {
        return 1 - t;
    }

    @Override
    public double dSigma(double t) {
        return -1;
    }

    @Override
    public double dAlphaAlphaRatio(double t) {
        return 1 / t;
    }

    /**
     * x_t = t·x₁ + (1 − t)·x₀ with t [N] where the states live: the coefficients t and 1 − t are each one rounded
     * float operation, so they equal the float of the double ones {@link #computeXt(double[], NDArray, NDArray)}
     * uses, and t never has to be read back from a device.
     */
    NDArray computeXt(NDArray t, NDArray x0, NDArray x1) {
        int[] shape = new int[x1.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = t.size(0);
        NDArray a = t.to(dev.usp4j.tensor.DType.F32).reshape(shape);
        return x1.mul(a).add(x0.mul(a.neg().add(1.0)));
    }

    /** u_t = x₁ − x₀ (α̇ = 1 and σ̇ = −1 make each product exact). */
    NDArray computeUt(NDArray x0, NDArray x1) {
        return x1.sub(x0);
    }

    @Override
    public String name() {
        return "Linear";
    }
}
