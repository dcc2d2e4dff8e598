package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.Backend;
import dev.usp4j.tensor.BinaryOp;
import dev.usp4j.tensor.CompareOp;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import dev.usp4j.tensor.ReduceOp;
import dev.usp4j.tensor.Storage;
import dev.usp4j.tensor.UnaryOp;
import dev.usp4j.tensor.random.Distribution;

/**
 * The reference backend: Java arrays on the heap, Vector API kernels, one shared thread pool ({@link Parallel}).
 * Each op family lives in its own kernel class; this class only routes to them.
 */
public final class CpuBackend implements Backend {

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public Storage allocate(DType dtype, int size) {
        return CpuStorage.allocate(dtype, size);
    }

    @Override
    public Storage allocateForOutput(DType dtype, int size) {
        return CpuStorage.allocateForOutput(dtype, size);
    }

    @Override
    public void recycle(Storage storage) {
        if (storage instanceof CpuStorage cs && cs.dtype() == DType.F32) {
            UninitializedArrays.recycle(cs.floats());
        }
    }

    @Override
    public Storage fromHost(Storage host) {
        return host;
    }

    @Override
    public Storage toHost(Storage storage) {
        return storage;
    }

    @Override
    public void copy(NDArray src, NDArray dst) {
        CopyKernels.copy(src, dst);
    }

    @Override
    public void fill(NDArray dst, double value) {
        CopyKernels.fill(dst, value);
    }

    @Override
    public void arange(double start, double step, NDArray out) {
        CopyKernels.arange(start, step, out);
    }

    @Override
    public void random(Distribution distribution, double a, double b, long seed, long firstBlock, NDArray out) {
        RandomKernels.random(distribution, a, b, seed, firstBlock, out);
    }

    @Override
    public void unary(UnaryOp op, NDArray x, float p0, float p1, NDArray out) {
        UnaryKernels.unary(op, x, p0, p1, out);
    }

    @Override
    public void binary(BinaryOp op, NDArray a, NDArray b, NDArray out) {
        BinaryKernels.binary(op, a, b, out);
    }

    @Override
    public void compare(CompareOp op, NDArray a, NDArray b, NDArray out) {
        BinaryKernels.compare(op, a, b, out);
    }

    @Override
    public void where(NDArray cond, NDArray a, NDArray b, NDArray out) {
        BinaryKernels.where(cond, a, b, out);
    }

    @Override
    public void reduce(ReduceOp op, NDArray x, boolean[] reduced, NDArray out) {
        ReductionKernels.reduce(op, x, reduced, out);
    }

    @Override
    public void variance(NDArray x, boolean[] reduced, double correction, NDArray out) {
        ReductionKernels.variance(x, reduced, correction, out);
    }

    @Override
    public void argReduce(boolean max, NDArray x, int dim, NDArray values, NDArray indices) {
        ReductionKernels.argReduce(max, x, dim, values, indices);
    }

    @Override
    public void cumulative(boolean product, NDArray x, int dim, NDArray out) {
        ReductionKernels.cumulative(product, x, dim, out);
    }

    @Override
    public void softmax(NDArray x, int dim, boolean log, NDArray out) {
        SoftmaxKernels.softmax(x, dim, log, out);
    }

    @Override
    public void matmul(NDArray a, NDArray b, NDArray out) {
        MatmulKernels.matmul(a, b, out, false);
    }

    @Override
    public void matmulAdd(NDArray a, NDArray b, NDArray out) {
        MatmulKernels.matmul(a, b, out, true);
    }

    @Override
    public void matmulBias(NDArray a, NDArray b, NDArray bias, NDArray out) {
        MatmulKernels.matmulBias(a, b, bias, out);
    }

    @Override
    public void linearBf16(NDArray x, NDArray w, NDArray bias, NDArray out) {
        MatmulKernels.linearBf16(x, w, bias, out);
    }

    @Override
    public void layerNorm(NDArray x, int rows, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                          NDArray rstd) {
        NormKernels.layerNorm(x, rows, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                          NDArray rstd) {
        NormKernels.groupNorm(x, groups, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void conv2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out) {
        ConvKernels.conv2d(x, w, bias, spec, out);
    }

    @Override
    public void convTranspose2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out) {
        ConvKernels.convTranspose2d(x, w, bias, spec, out);
    }

    @Override
    public void attention(NDArray q, NDArray k, NDArray v, float scale, NDArray out, NDArray lse) {
        AttentionKernels.attention(q, k, v, scale, out, lse);
    }

    @Override
    public void attentionBackward(NDArray q, NDArray k, NDArray v, NDArray out, NDArray gradOut, NDArray lse,
                                  float scale, NDArray gradQ, NDArray gradK, NDArray gradV) {
        AttentionKernels.attentionBackward(q, k, v, out, gradOut, lse, scale, gradQ, gradK, gradV);
    }

    @Override
    public void conv2dWeightGrad(NDArray x, NDArray gradOut, Conv2dSpec spec, NDArray gradWeight) {
        ConvGradKernels.conv2dWeightGrad(x, gradOut, spec, gradWeight);
    }

    @Override
    public void layerNormBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight, int rows,
                                  NDArray gradX, NDArray gradWeight, NDArray gradBias) {
        NormBackwardKernels.layerNormBackward(x, gradOut, mean, rstd, weight, rows, gradX, gradWeight, gradBias);
    }

    @Override
    public void groupNormSilu(NDArray x, int groups, NDArray weight, NDArray bias, float eps, NDArray out,
                              NDArray mean, NDArray rstd) {
        NormKernels.groupNorm(x, groups, weight, bias, eps, true, out, mean, rstd);
    }

    @Override
    public void groupNormSiluBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight,
                                      NDArray bias, int groups, float eps, NDArray gradX, NDArray gradWeight,
                                      NDArray gradBias) {
        NormBackwardKernels.groupNormBackward(x, gradOut, mean, rstd, weight, bias, groups, eps, true, gradX,
                gradWeight, gradBias);
    }

    @Override
    public boolean stridedAttentionOutputs() {
        return true;
    }

    @Override
    public void layerNormModulate(NDArray x, NDArray weight, NDArray bias, NDArray shift, NDArray scale, float eps,
                                  NDArray out, NDArray mean, NDArray rstd) {
        ModulationKernels.layerNormModulate(x, weight, bias, shift, scale, eps, out, mean, rstd);
    }

    @Override
    public void layerNormModulateBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight,
                                          NDArray bias, NDArray scale, float eps, NDArray gradX,
                                          NDArray gradWeight, NDArray gradBias, NDArray gradShift,
                                          NDArray gradScale) {
        ModulationKernels.layerNormModulateBackward(x, gradOut, mean, rstd, weight, bias, scale, gradX, gradWeight,
                gradBias, gradShift, gradScale);
    }

    @Override
    public void softmaxCrossEntropy(NDArray logits, NDArray target, long ignoreIndex, float smoothing, NDArray loss,
                                    NDArray lse) {
        CrossEntropyKernels.forward(logits, target, ignoreIndex, smoothing, loss, lse);
    }

    @Override
    public void softmaxCrossEntropyBackward(NDArray logits, NDArray target, NDArray lse, NDArray gradLoss,
                                            long ignoreIndex, float smoothing, NDArray gradLogits) {
        CrossEntropyKernels.backward(logits, target, lse, gradLoss, ignoreIndex, smoothing, gradLogits);
    }

    @Override
    public void gatedAdd(NDArray x, NDArray branch, NDArray gate, NDArray out) {
        ModulationKernels.gatedAdd(x, branch, gate, out);
    }

    @Override
    public void gatedAddBackward(NDArray gradOut, NDArray branch, NDArray gate, NDArray gradBranch,
                                 NDArray gradGate) {
        ModulationKernels.gatedAddBackward(gradOut, branch, gate, gradBranch, gradGate);
    }

    @Override
    public void groupNormBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight,
                                  int groups, NDArray gradX, NDArray gradWeight, NDArray gradBias) {
        NormBackwardKernels.groupNormBackward(x, gradOut, mean, rstd, weight, groups, gradX, gradWeight, gradBias);
    }

    @Override
    public void interpolateBackward(NDArray gradOut, InterpolationMode mode, boolean alignCorners, double scaleH,
                                    double scaleW, NDArray gradIn) {
        ResampleBackwardKernels.interpolateBackward(gradOut, mode, alignCorners, scaleH, scaleW, gradIn);
    }

    @Override
    public void avgPool2dBackward(NDArray gradOut, Pool2dSpec spec, NDArray gradIn) {
        ResampleBackwardKernels.avgPool2dBackward(gradOut, spec, gradIn);
    }

    @Override
    public void padBackward(NDArray gradOut, int[] pads, PadMode mode, NDArray gradIn) {
        ResampleBackwardKernels.padBackward(gradOut, pads, mode, gradIn);
    }

    @Override
    public void interpolate(NDArray x, InterpolationMode mode, boolean alignCorners, double scaleH, double scaleW,
                            NDArray out) {
        ResampleKernels.interpolate(x, mode, alignCorners, scaleH, scaleW, out);
    }

    @Override
    public void avgPool2d(NDArray x, Pool2dSpec spec, NDArray out) {
        ResampleKernels.avgPool2d(x, spec, out);
    }

    @Override
    public void pad(NDArray x, int[] pads, PadMode mode, double value, NDArray out) {
        ResampleKernels.pad(x, pads, mode, value, out);
    }

    @Override
    public void indexSelect(NDArray x, int dim, NDArray index, NDArray out) {
        IndexKernels.indexSelect(x, dim, index, out);
    }

    @Override
    public void gather(NDArray x, int dim, NDArray index, NDArray out) {
        IndexKernels.gather(x, dim, index, out);
    }

    @Override
    public void scatterAdd(NDArray self, int dim, NDArray index, NDArray src) {
        IndexKernels.scatterAdd(self, dim, index, src);
    }

    @Override
    public void sort(NDArray x, int dim, boolean descending, NDArray values, NDArray indices) {
        SortKernels.sort(x, dim, descending, values, indices);
    }

    @Override
    public void topk(NDArray x, int k, int dim, boolean largest, boolean sorted, NDArray values, NDArray indices) {
        SortKernels.topk(x, k, dim, largest, sorted, values, indices);
    }
}
