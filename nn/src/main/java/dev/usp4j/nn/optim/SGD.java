package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent as torch.optim.SGD (PyTorch 1.13): d = g + wd·p; with momentum the buffer starts as
 * a copy of d and then becomes momentum·buf + (1 − dampening)·d, and d becomes buf (or d + momentum·buf with
 * Nesterov); p ← p − lr·d. Learning rate and weight decay come from each {@link ParamGroup} (lr · lrScale);
 * momentum, dampening and Nesterov apply to every group. State: {@code state.<i>.momentum_buffer}.
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final boolean nesterov;
    private final OptimState state;

    public SGD(List<ParamGroup> groups, double momentum, double dampening, boolean nesterov) {
        super(groups);
        if (!(momentum >= 0) || !(dampening >= 0 && dampening <= 1)) {
            throw new IllegalArgumentException("SGD: momentum must be >= 0 and dampening in [0, 1], got momentum "
                    + momentum + ", dampening " + dampening);
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening,"
                    + " got momentum " + momentum + ", dampening " + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.state = momentum != 0 ? new OptimState("SGD", allParams(), false, "momentum_buffer")
                : new OptimState("SGD", allParams(), false);
    }

    /** Plain SGD of one group. */
    public SGD(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, lr, 0)), 0, 0, false);
    }

    /** SGD of one group with momentum and weight decay. */
    public SGD(List<Tensor> params, double lr, double momentum, double weightDecay, boolean nesterov) {
        this(List.of(new ParamGroup(params, lr, weightDecay)), momentum, 0, nesterov);
    }

    @Override
    public void step() {
        updateEach(this::update);
    }

    private void update(int i, NDArray p, NDArray g, ParamGroup group) {
        double lr = group.effectiveLr();
        double wd = group.weightDecay();
        boolean first = momentum != 0 && !state.has(i);
        NDArray buf = momentum != 0 ? state.buffers(i)[0] : null;
        float[] pa = UpdateKernels.floats(p);
        float[] ga = UpdateKernels.floats(g);
        float[] ba = buf == null ? null : UpdateKernels.floats(buf);
        if (!forceArrayOps && pa != null && ga != null && (buf == null || ba != null)) {
            UpdateKernels.sgd(pa, p.offset(), ga, g.offset(), ba, buf == null ? 0 : buf.offset(), p.numel(),
                    new UpdateKernels.Sgd((float) wd, (float) momentum, (float) (1 - dampening), first, nesterov,
                            (float) -lr));
            p.storage().bumpVersion();
            return;
        }
        NDArray d = wd != 0 ? g.add(p.mul(wd)) : g;
        if (buf != null) {
            if (first) {
                buf.copyFrom(d);
            } else {
                buf.mulInPlace(momentum).addInPlace(d.mul(1 - dampening));
            }
            d = nesterov ? d.add(buf.mul(momentum)) : buf;
        }
        p.addInPlace(d.mul(-lr));
    }

    public double momentum() {
        return momentum;
    }

    public double dampening() {
        return dampening;
    }

    public boolean nesterov() {
        return nesterov;
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
