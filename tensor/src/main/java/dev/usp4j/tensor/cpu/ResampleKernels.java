package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;

/**
 * Average pooling, and the entry point of the resampling family: interpolation lives in
 * {@link InterpolationKernels}, padding in {@link PadKernels}.
 *
 * <p>avg_pool2d follows PyTorch's CPU kernel exactly: a window [oh·sH − padH, +kH) is first clipped to the padded
 * input (that size is the count_include_pad divisor), then to the input itself (the divisor without padding); a
 * window with nothing inside gives 0; the sum runs row by row in float. Parallel over the N·C planes.
 */
final class ResampleKernels {
    private ResampleKernels() {
    }

    static void interpolate(NDArray x, InterpolationMode mode, boolean alignCorners, double scaleH, double scaleW,
                            NDArray out) {
        InterpolationKernels.interpolate(x, mode, alignCorners, scaleH, scaleW, out);
    }

    static void pad(NDArray x, int[] pads, PadMode mode, double value, NDArray out) {
        PadKernels.pad(x, pads, mode, value, out);
    }

    static void avgPool2d(NDArray x, Pool2dSpec p, NDArray out) {
        int planes = x.size(0) * x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int oh = out.size(2);
        int ow = out.size(3);
        float[] xa = CpuStorage.of(x).floats();
        float[] oa = CpuStorage.of(out).floats();
        int xOff = x.offset();
        int oOff = out.offset();
        int work = Math.max(1, oh * ow * p.kernelH() * p.kernelW());
        Parallel.forRange(planes, Math.max(1, 32768 / work), (p0, p1) -> {
            for (int pl = p0; pl < p1; pl++) {
                int src = xOff + pl * h * w;
                int dst = oOff + pl * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = oy * p.strideH() - p.padH();
                    int y1 = Math.min(y0 + p.kernelH(), h + p.padH());
                    int padded = y1 - y0;
                    y0 = Math.max(y0, 0);
                    y1 = Math.min(y1, h);
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = ox * p.strideW() - p.padW();
                        int x1 = Math.min(x0 + p.kernelW(), w + p.padW());
                        int poolSize = padded * (x1 - x0);
                        x0 = Math.max(x0, 0);
                        x1 = Math.min(x1, w);
                        if (y0 >= y1 || x0 >= x1) {
                            oa[dst + oy * ow + ox] = 0f;
                            continue;
                        }
                        float sum = 0f;
                        for (int iy = y0; iy < y1; iy++) {
                            int row = src + iy * w;
                            for (int ix = x0; ix < x1; ix++) {
                                sum += xa[row + ix];
                            }
                        }
                        int divisor = p.divisorOverride() != 0 ? p.divisorOverride()
                                : p.countIncludePad() ? poolSize : (y1 - y0) * (x1 - x0);
                        oa[dst + oy * ow + ox] = sum / divisor;
                    }
                }
            }
        });
    }
}
