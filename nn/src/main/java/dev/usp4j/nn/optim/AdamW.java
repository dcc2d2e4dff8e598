package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay as torch.optim.AdamW (PyTorch 1.13, no amsgrad): p ← p·(1 − lr·wd), then
 * m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², and p ← p − lr/(1 − β1^t) · m / (√v/√(1 − β2^t) + eps), where t
 * counts the steps of that parameter (a parameter without a gradient at a step neither moves nor counts). The
 * learning rate (lr · lrScale) and weight decay come from each {@link ParamGroup}; betas and eps apply to all.
 * MAE pre-trains with betas (0.9, 0.95) and weight decay 0.05, DiT with the defaults and no decay. State:
 * {@code state.<i>.exp_avg}, {@code state.<i>.exp_avg_sq} and {@code state.<i>.step}.
 */
public final class AdamW extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final OptimState state;

    public AdamW(List<ParamGroup> groups, double beta1, double beta2, double eps) {
        super(groups);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW: betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("AdamW: eps must be >= 0, got " + eps);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.state = new OptimState("AdamW", allParams(), true, "exp_avg", "exp_avg_sq");
    }

    /** The default betas (0.9, 0.999) and eps 1e-8. */
    public AdamW(List<ParamGroup> groups) {
        this(groups, 0.9, 0.999, 1e-8);
    }

    /** One group with the default betas and eps. */
    public AdamW(List<Tensor> params, double lr, double weightDecay) {
        this(List.of(new ParamGroup(params, lr, weightDecay)));
    }

    @Override
    public void step() {
        updateEach(this::update);
    }

    private void update(int i, NDArray p, NDArray g, ParamGroup group) {
        double lr = group.effectiveLr();
        double wd = group.weightDecay();
        NDArray[] b = state.buffers(i);
        NDArray m = b[0];
        NDArray v = b[1];
        long t = state.nextStep(i);
        // Python-side scalars of torch's rule, in double, then rounded to float as ATen does for a float kernel.
        double keep = 1 - lr * wd;
        double stepSize = lr / (1 - StrictMath.pow(beta1, t));
        double bias2Sqrt = Math.sqrt(1 - StrictMath.pow(beta2, t));
        if (!forceArrayOps && p.isContiguous() && g.isContiguous() && m.isContiguous() && v.isContiguous()
                && p.backend().adamw(p, g, m, v, wd != 0, (float) keep, (float) beta1, (float) beta2,
                (float) bias2Sqrt, (float) eps, (float) -stepSize)) {
            p.storage().bumpVersion();
            return;
        }
        float[] pa = UpdateKernels.floats(p);
        float[] ga = UpdateKernels.floats(g);
        float[] ma = UpdateKernels.floats(m);
        float[] va = UpdateKernels.floats(v);
        if (!forceArrayOps && pa != null && ga != null && ma != null && va != null) {
            UpdateKernels.adamw(pa, p.offset(), ga, g.offset(), ma, m.offset(), va, v.offset(), p.numel(),
                    new UpdateKernels.Adam(wd != 0, (float) keep, (float) beta1, (float) (1 - beta1), (float) beta2,
                            (float) (1 - beta2), (float) bias2Sqrt, (float) eps, (float) -stepSize));
            p.storage().bumpVersion();
            return;
        }
        if (wd != 0) {
            p.mulInPlace(keep);
        }
        m.mulInPlace(beta1).addInPlace(g.mul(1 - beta1));
        v.mulInPlace(beta2).addInPlace(g.mul(1 - beta2).mul(g));
        NDArray denom = v.sqrt().div(bias2Sqrt).add(eps);
        p.addInPlace(m.div(denom).mul(-stepSize));
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double eps() {
        return eps;
    }

    /** Steps taken by the parameter at index {@code i} (group order), 0 before its first update. */
    public long stepCount(int i) {
        return state.step(i);
    }

    @Override
    public Map<String, NDArray> stateDict() {
        return state.toMap();
    }

    @Override
    public void loadStateDict(Map<String, NDArray> stateDict) {
        state.load(stateDict);
    }
}
