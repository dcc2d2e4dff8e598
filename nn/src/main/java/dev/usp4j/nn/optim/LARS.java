package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import java.util.List;
import java.util.Map;

/**
 * LARS as MAE's {@code util/lars.py} (the MoCo v3 variant), which MAE and USP use for linear probing. For a
 * parameter with more than one dim the update is u = (g + wd·p)·q with the trust ratio q = trust·‖p‖/‖g + wd·p‖
 * (q = 1 when either norm is 0); 1-D parameters (biases, norm weights) take u = g with neither decay nor scaling.
 * Then mu ← momentum·mu + u (mu starts at zero) and p ← p − lr·mu. Learning rate (lr · lrScale) and weight decay
 * come from each {@link ParamGroup}. State: {@code state.<i>.mu}.
 */
public final class LARS extends Optimizer {
    private final double momentum;
    private final double trustCoefficient;
    private final OptimState state;

    public LARS(List<ParamGroup> groups, double momentum, double trustCoefficient) {
        super(groups);
        if (!(momentum >= 0) || !(trustCoefficient > 0)) {
            throw new IllegalArgumentException("LARS: momentum must be >= 0 and the trust coefficient > 0, got "
                    + momentum + " and " + trustCoefficient);
        }
        this.momentum = momentum;
        this.trustCoefficient = trustCoefficient;
        this.state = new OptimState("LARS", allParams(), false, "mu");
    }

    /** MAE's defaults: momentum 0.9, trust coefficient 0.001. */
    public LARS(List<ParamGroup> groups) {
        this(groups, 0.9, 0.001);
    }

    /** One group with MAE's defaults. */
    public static LARS of(List<Tensor> params, double lr, double weightDecay) {
        return new LARS(List.of(new ParamGroup(params, lr, weightDecay)));
    }

    @Override
    public void step() {
        updateEach(this::update);
    }

    /** q in float as torch computes it: (trust · ‖p‖) / ‖u‖ on float 0-d tensors, 1 when a norm is 0. */
    private float trustRatio(double paramNorm, double updateNorm) {
        float pn = (float) paramNorm;
        float un = (float) updateNorm;
        return pn > 0 && un > 0 ? ((float) trustCoefficient * pn) / un : 1f;
    }

    private void update(int i, NDArray p, NDArray g, ParamGroup group) {
        double lr = group.effectiveLr();
        double wd = group.weightDecay();
        NDArray mu = state.buffers(i)[0];
        boolean scaled = p.rank() > 1;
        float[] pa = UpdateKernels.floats(p);
        float[] ga = UpdateKernels.floats(g);
        float[] ma = UpdateKernels.floats(mu);
        if (!forceArrayOps && pa != null && ga != null && ma != null) {
            float q = 1f;
            if (scaled) {
                double[] sq = UpdateKernels.sumSquaresParamAndUpdate(pa, p.offset(), ga, g.offset(), p.numel(),
                        (float) wd);
                q = trustRatio(Math.sqrt(sq[0]), Math.sqrt(sq[1]));
            }
            UpdateKernels.lars(pa, p.offset(), ga, g.offset(), ma, mu.offset(), p.numel(),
                    new UpdateKernels.Lars(scaled, (float) wd, q, (float) momentum, (float) -lr));
            p.storage().bumpVersion();
            return;
        }
        NDArray u = g;
        if (scaled) {
            u = g.add(p.mul(wd));
            u = u.mul(trustRatio(p, u));
        }
        mu.mulInPlace(momentum).addInPlace(u);
        p.addInPlace(mu.mul(-lr));
    }

    /**
     * {@link #trustRatio(double, double)} as a 0-d array computed where p lives, so that a step on a device reads
     * nothing back: the same float operations (sqrt of a float sum is the float of the double sqrt).
     */
    private NDArray trustRatio(NDArray p, NDArray u) {
        NDArray pn = p.mul(p).sum().sqrt();
        NDArray un = u.mul(u).sum().sqrt();
        return NDArray.where(pn.gt(0).logicalAnd(un.gt(0)), pn.mul((float) trustCoefficient).div(un),
                NDArray.full(DType.F32, p.device(), 1.0));
    }

    public double momentum() {
        return momentum;
    }

    public double trustCoefficient() {
        return trustCoefficient;
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
