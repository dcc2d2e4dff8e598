package dev.usp4j.autograd;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.random.Generator;
import java.util.Locale;
import java.util.function.Function;

/**
 * Checks backward rules against central finite differences (torch.autograd.gradcheck's idea).
 *
 * <p>The function's output is projected on fixed random weights w, L = Σ w·f(x), so one backward pass gives the
 * analytic gradient of every input; each input element is then perturbed by ±h and (L(x+h) − L(x−h)) / 2h formed
 * in double precision. The function itself computes in float32 (usp4j's compute type), so h is chosen where the
 * truncation error (∝h²) and the float rounding of L (∝ε/h) balance, h = 5·10⁻³·max(1, |x|), and the comparison
 * allows |numeric − analytic| ≤ atol + rtol·|numeric|. Inputs should be small (a few hundred elements) and, for
 * ops with kinks (relu, abs, max, sort), away from the kinks.
 */
public final class GradCheck {
    /** Relative step: balances h² truncation against float32 rounding of the projected output. */
    public static final double DEFAULT_STEP = 5e-3;
    public static final double DEFAULT_ATOL = 1e-3;
    public static final double DEFAULT_RTOL = 1e-2;

    private GradCheck() {
    }

    /** Checks with the default step and tolerances; throws AssertionError naming the input and element. */
    public static void check(String name, Function<Tensor[], Tensor> f, NDArray... inputs) {
        check(name, f, DEFAULT_STEP, DEFAULT_ATOL, DEFAULT_RTOL, inputs);
    }

    public static void check(String name, Function<Tensor[], Tensor> f, double step, double atol, double rtol,
                             NDArray... inputs) {
        NDArray[] xs = new NDArray[inputs.length];
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].dtype().isFloating()) {
                throw new IllegalArgumentException("gradcheck " + name + ": input " + i + " is " + inputs[i].dtype()
                        + "; only floating inputs are checked (pass integer arguments through the closure)");
            }
            xs[i] = inputs[i].to(DType.F32).copy();
            leaves[i] = Tensor.parameter(xs[i]);
        }
        Tensor out = f.apply(leaves);
        NDArray w = NDArray.randn(new Generator(0x6EC4), out.shape());
        out.backward(w);
        float[] wv = w.toFloatArray();
        for (int i = 0; i < xs.length; i++) {
            NDArray analytic = leaves[i].grad();
            float[] ana = analytic == null ? new float[xs[i].numel()] : analytic.toFloatArray();
            float[] x = ((dev.usp4j.tensor.cpu.CpuStorage) xs[i].storage()).floats();
            for (int j = 0; j < x.length; j++) {
                float orig = x[j];
                double h = step * Math.max(1, Math.abs(orig));
                x[j] = (float) (orig + h);
                double hp = x[j] - (double) orig;
                double plus = projected(f, xs, wv);
                x[j] = (float) (orig - h);
                double hm = orig - (double) x[j];
                double minus = projected(f, xs, wv);
                x[j] = orig;
                // The float-rounded steps, not the requested h, are what the function saw.
                double numeric = (plus - minus) / (hp + hm);
                double err = Math.abs(numeric - ana[j]);
                if (!(err <= atol + rtol * Math.abs(numeric))) {
                    throw new AssertionError(String.format(Locale.ROOT, "gradcheck %s: input %d (shape %s), element"
                            + " %d (x = %g): analytic %.6g, numeric %.6g, |diff| %.3g > %.3g", name, i,
                            Shape.str(xs[i].shape()), j, orig, ana[j], numeric, err, atol + rtol * Math.abs(numeric)));
                }
            }
        }
    }

    private static double projected(Function<Tensor[], Tensor> f, NDArray[] xs, float[] w) {
        try (GradMode.Scope scope = GradMode.noGrad()) {
            Tensor[] consts = new Tensor[xs.length];
            for (int i = 0; i < xs.length; i++) {
                consts[i] = new Tensor(xs[i]);
            }
            float[] y = f.apply(consts).data().toFloatArray();
            double s = 0;
            for (int k = 0; k < y.length; k++) {
                s += (double) y[k] * w[k];
            }
            return s;
        }
    }
}
