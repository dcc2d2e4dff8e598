package dev.usp4j.nn.optim;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.CpuStorage;
import dev.usp4j.tensor.cpu.KernelPath;
import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.cpu.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The fused per-element update loops of the optimisers and the EMA on CPU float arrays: each reads a parameter, its
 * gradient and its state once and writes them back in one pass, allocating nothing, where composing array ops
 * would make a temporary per op. Each keeps PyTorch 1.13's order of float operations ({@code add_(x, alpha)} is a
 * fused multiply-add as in ATen's vectorised kernels, {@code addcmul_} is {@code self + v·t1·t2}, {@code addcdiv_} is
 * {@code self + v·(t1/t2)}), and has a scalar reference path ({@link KernelPath#SCALAR}) doing the same float
 * operations in the same order (the sums of squares accumulate in double there, in float lanes in the vector path).
 * Loops are split over threads in contiguous blocks; every element is computed the same way in any block, and sums
 * of squares add fixed chunks in a fixed order, so results do not depend on the thread count.
 */
final class UpdateKernels {
    /** Elements per parallel block, as the backend's elementwise kernels. */
    private static final int GRAIN = 1 << 15;
    /** Elements per partial sum of squares. */
    private static final int CHUNK = 1 << 12;

    private UpdateKernels() {
    }

    /** The backing floats of an array the fused loops can take (CPU, F32, contiguous), else null. */
    static float[] floats(NDArray a) {
        if (a == null || a.dtype() != DType.F32 || !(a.storage() instanceof CpuStorage s) || !a.isContiguous()) {
            return null;
        }
        return s.floats();
    }

    // ---- SGD ---------------------------------------------------------------------------------------------------

    /** Scalars of one SGD update: torch.optim.SGD's d = g + wd·p, buf = mom·buf + (1−damp)·d, p += −lr·d. */
    record Sgd(float weightDecay, float momentum, float oneMinusDampening, boolean first, boolean nesterov,
               float negLr) {
    }

    /** One SGD step; {@code buf} is null without momentum. */
    static void sgd(float[] p, int po, float[] g, int go, float[] buf, int bo, int n, Sgd c) {
        Parallel.forRange(n, GRAIN, (s, e) -> sgdRange(p, po, g, go, buf, bo, s, e, c));
    }

    private static void sgdRange(float[] p, int po, float[] g, int go, float[] buf, int bo, int s, int e, Sgd c) {
        boolean decay = c.weightDecay() != 0;
        boolean mom = buf != null;
        int i = s;
        if (!KernelPath.SCALAR) {
            FloatVector wd = FloatVector.broadcast(F, c.weightDecay());
            FloatVector m = FloatVector.broadcast(F, c.momentum());
            FloatVector damp = FloatVector.broadcast(F, c.oneMinusDampening());
            FloatVector lr = FloatVector.broadcast(F, c.negLr());
            for (int bound = s + F.loopBound(e - s); i < bound; i += LANES) {
                FloatVector pv = FloatVector.fromArray(F, p, po + i);
                FloatVector d = FloatVector.fromArray(F, g, go + i);
                if (decay) {
                    d = pv.fma(wd, d);
                }
                if (mom) {
                    FloatVector b = c.first() ? d : d.fma(damp, FloatVector.fromArray(F, buf, bo + i).mul(m));
                    b.intoArray(buf, bo + i);
                    d = c.nesterov() ? b.fma(m, d) : b;
                }
                d.fma(lr, pv).intoArray(p, po + i);
            }
        }
        for (; i < e; i++) {
            float pv = p[po + i];
            float d = g[go + i];
            if (decay) {
                d = Math.fma(pv, c.weightDecay(), d);
            }
            if (mom) {
                float b = c.first() ? d : Math.fma(d, c.oneMinusDampening(), buf[bo + i] * c.momentum());
                buf[bo + i] = b;
                d = c.nesterov() ? Math.fma(b, c.momentum(), d) : b;
            }
            p[po + i] = Math.fma(d, c.negLr(), pv);
        }
    }

    // ---- AdamW -------------------------------------------------------------------------------------------------

    /**
     * Scalars of one AdamW update (torch's _single_tensor_adamw): p ·= keep (1 − lr·wd, when decay), m = β1·m +
     * (1−β1)·g, v = β2·v + (1−β2)·g·g, p += −stepSize · m / (√v / √(1−β2^t) + eps).
     */
    record Adam(boolean decay, float keep, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                float bias2Sqrt, float eps, float negStepSize) {
    }

    static void adamw(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int n, Adam c) {
        Parallel.forRange(n, GRAIN, (s, e) -> adamwRange(p, po, g, go, m, mo, v, vo, s, e, c));
    }

    private static void adamwRange(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int s,
                                   int e, Adam c) {
        int i = s;
        if (!KernelPath.SCALAR) {
            FloatVector keep = FloatVector.broadcast(F, c.keep());
            FloatVector b1 = FloatVector.broadcast(F, c.beta1());
            FloatVector omb1 = FloatVector.broadcast(F, c.oneMinusBeta1());
            FloatVector b2 = FloatVector.broadcast(F, c.beta2());
            FloatVector omb2 = FloatVector.broadcast(F, c.oneMinusBeta2());
            FloatVector bc2 = FloatVector.broadcast(F, c.bias2Sqrt());
            FloatVector eps = FloatVector.broadcast(F, c.eps());
            FloatVector step = FloatVector.broadcast(F, c.negStepSize());
            for (int bound = s + F.loopBound(e - s); i < bound; i += LANES) {
                FloatVector pv = FloatVector.fromArray(F, p, po + i);
                if (c.decay()) {
                    pv = pv.mul(keep);
                }
                FloatVector gv = FloatVector.fromArray(F, g, go + i);
                FloatVector mv = gv.fma(omb1, FloatVector.fromArray(F, m, mo + i).mul(b1));
                FloatVector vv = FloatVector.fromArray(F, v, vo + i).mul(b2).add(omb2.mul(gv).mul(gv));
                mv.intoArray(m, mo + i);
                vv.intoArray(v, vo + i);
                FloatVector denom = vv.lanewise(VectorOperators.SQRT).div(bc2).add(eps);
                pv.add(step.mul(mv.div(denom))).intoArray(p, po + i);
            }
        }
        for (; i < e; i++) {
            float pv = p[po + i];
            if (c.decay()) {
                pv = pv * c.keep();
            }
            float gv = g[go + i];
            float mv = Math.fma(gv, c.oneMinusBeta1(), m[mo + i] * c.beta1());
            float vv = v[vo + i] * c.beta2() + c.oneMinusBeta2() * gv * gv;
            m[mo + i] = mv;
            v[vo + i] = vv;
            float denom = (float) Math.sqrt(vv) / c.bias2Sqrt() + c.eps();
            p[po + i] = pv + c.negStepSize() * (mv / denom);
        }
    }

    // ---- LARS --------------------------------------------------------------------------------------------------

    /**
     * Σp² and Σu² with u = g + wd·p (the decayed update, {@code grad.add(p, alpha=wd)}), each in double over fixed
     * chunks added in order; returns {Σp², Σu²}.
     */
    static double[] sumSquaresParamAndUpdate(float[] p, int po, float[] g, int go, int n, float wd) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        double[] partial = new double[2 * chunks];
        Parallel.forRange(chunks, Math.max(1, GRAIN / CHUNK), (s, e) -> {
            for (int k = s; k < e; k++) {
                int from = k * CHUNK;
                int to = Math.min(n, from + CHUNK);
                squaresChunk(p, po, g, go, from, to, wd, partial, 2 * k);
            }
        });
        double sp = 0;
        double su = 0;
        for (int k = 0; k < chunks; k++) {
            sp += partial[2 * k];
            su += partial[2 * k + 1];
        }
        return new double[] {sp, su};
    }

    private static void squaresChunk(float[] p, int po, float[] g, int go, int from, int to, float wd,
                                     double[] out, int at) {
        double sp = 0;
        double su = 0;
        int i = from;
        if (!KernelPath.SCALAR) {
            FloatVector w = FloatVector.broadcast(F, wd);
            FloatVector ap = FloatVector.zero(F);
            FloatVector au = FloatVector.zero(F);
            // Float lanes add at most CHUNK / LANES squares each before the double total takes them.
            for (int bound = from + F.loopBound(to - from); i < bound; i += LANES) {
                FloatVector pv = FloatVector.fromArray(F, p, po + i);
                FloatVector uv = pv.fma(w, FloatVector.fromArray(F, g, go + i));
                ap = pv.fma(pv, ap);
                au = uv.fma(uv, au);
            }
            sp = VectorMath.sumLanesFloat(ap);
            su = VectorMath.sumLanesFloat(au);
        }
        for (; i < to; i++) {
            double pv = p[po + i];
            double uv = Math.fma(p[po + i], wd, g[go + i]);
            sp += pv * pv;
            su += uv * uv;
        }
        out[at] = sp;
        out[at + 1] = su;
    }

    /** Σx² in double over fixed chunks added in order (clip_grad_norm_'s per-gradient 2-norm, squared). */
    static double sumSquares(float[] x, int xo, int n) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        double[] partial = new double[chunks];
        Parallel.forRange(chunks, Math.max(1, GRAIN / CHUNK), (s, e) -> {
            for (int k = s; k < e; k++) {
                int from = k * CHUNK;
                int to = Math.min(n, from + CHUNK);
                double sum = 0;
                int i = from;
                if (!KernelPath.SCALAR) {
                    FloatVector acc = FloatVector.zero(F);
                    for (int bound = from + F.loopBound(to - from); i < bound; i += LANES) {
                        FloatVector v = FloatVector.fromArray(F, x, xo + i);
                        acc = v.fma(v, acc);
                    }
                    sum = VectorMath.sumLanesFloat(acc);
                }
                for (; i < to; i++) {
                    double v = x[xo + i];
                    sum += v * v;
                }
                partial[k] = sum;
            }
        });
        double total = 0;
        for (double v : partial) {
            total += v;
        }
        return total;
    }

    /** Scalars of one LARS update: u = (g + wd·p)·q for rank > 1 (else g), mu = mom·mu + u, p += −lr·mu. */
    record Lars(boolean scaled, float weightDecay, float trustRatio, float momentum, float negLr) {
    }

    static void lars(float[] p, int po, float[] g, int go, float[] mu, int mo, int n, Lars c) {
        Parallel.forRange(n, GRAIN, (s, e) -> larsRange(p, po, g, go, mu, mo, s, e, c));
    }

    private static void larsRange(float[] p, int po, float[] g, int go, float[] mu, int mo, int s, int e, Lars c) {
        int i = s;
        if (!KernelPath.SCALAR) {
            FloatVector wd = FloatVector.broadcast(F, c.weightDecay());
            FloatVector q = FloatVector.broadcast(F, c.trustRatio());
            FloatVector m = FloatVector.broadcast(F, c.momentum());
            FloatVector lr = FloatVector.broadcast(F, c.negLr());
            for (int bound = s + F.loopBound(e - s); i < bound; i += LANES) {
                FloatVector pv = FloatVector.fromArray(F, p, po + i);
                FloatVector u = FloatVector.fromArray(F, g, go + i);
                if (c.scaled()) {
                    u = pv.fma(wd, u).mul(q);
                }
                FloatVector b = FloatVector.fromArray(F, mu, mo + i).mul(m).add(u);
                b.intoArray(mu, mo + i);
                b.fma(lr, pv).intoArray(p, po + i);
            }
        }
        for (; i < e; i++) {
            float pv = p[po + i];
            float u = g[go + i];
            if (c.scaled()) {
                u = Math.fma(pv, c.weightDecay(), u) * c.trustRatio();
            }
            float b = mu[mo + i] * c.momentum() + u;
            mu[mo + i] = b;
            p[po + i] = Math.fma(b, c.negLr(), pv);
        }
    }

    // ---- EMA ---------------------------------------------------------------------------------------------------

    /** ema = decay·ema + (1 − decay)·x, as {@code ema.mul_(decay).add_(x, alpha=1 - decay)}. */
    static void ema(float[] ema, int eo, float[] x, int xo, int n, float decay, float oneMinusDecay) {
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!KernelPath.SCALAR) {
                FloatVector d = FloatVector.broadcast(F, decay);
                FloatVector w = FloatVector.broadcast(F, oneMinusDecay);
                for (int bound = s + F.loopBound(e - s); i < bound; i += LANES) {
                    FloatVector.fromArray(F, x, xo + i).fma(w, FloatVector.fromArray(F, ema, eo + i).mul(d))
                            .intoArray(ema, eo + i);
                }
            }
            for (; i < e; i++) {
                ema[eo + i] = Math.fma(x[xo + i], oneMinusDecay, ema[eo + i] * decay);
            }
        });
    }
}
