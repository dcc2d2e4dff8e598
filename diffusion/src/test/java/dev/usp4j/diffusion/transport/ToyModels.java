package dev.usp4j.diffusion.transport;

import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.tensor.NDArray;

/** Networks with closed forms for the transport tests, written as gen_transport.py writes them. */
final class ToyModels {
    private ToyModels() {
    }

    /** out = (0.5 + 0.3·t)·x − 0.2 in float32 (t broadcast per sample). */
    static final ModelFn TOY = (x, t) -> {
        int[] shape = new int[x.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = x.size(0);
        return x.mul(t.mul(0.3).add(0.5).reshape(shape)).sub(0.2);
    };

    /**
     * The exact Linear-path velocity for data N(μ, diag(s²)) on states [N, D]: E[x₁ − x₀ | x_t = x] =
     * μ + k(t)·(x − t·μ) with k = (t·s² − (1 − t))/(t²·s² + (1 − t)²), k in double rounded to float32. Its flow
     * maps z to μ + s·z exactly.
     */
    static ModelFn gaussianVelocity(float[] mu, float[] s) {
        int d = mu.length;
        NDArray muRow = NDArray.of(mu.clone(), 1, d);
        return (x, t) -> {
            int n = x.size(0);
            float[] ts = t.toFloatArray();
            float[] k = new float[n * d];
            float[] tc = new float[n];
            for (int i = 0; i < n; i++) {
                double ti = ts[i];
                tc[i] = ts[i];
                for (int j = 0; j < d; j++) {
                    double s2 = (double) s[j] * s[j];
                    k[i * d + j] = (float) ((ti * s2 - (1 - ti)) / (ti * ti * s2 + (1 - ti) * (1 - ti)));
                }
            }
            NDArray centred = x.sub(NDArray.of(tc, n, 1).mul(muRow));
            return NDArray.of(k, n, d).mul(centred).add(muRow);
        };
    }
}
