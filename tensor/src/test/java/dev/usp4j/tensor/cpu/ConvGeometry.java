package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.Conv2dSpec;
import java.util.Random;

/**
 * A random valid convolution geometry for kernel tests: input [N, Cin, H, W], weight shape and spec (asymmetric
 * padding, strides, dilation, groups, and output padding up to the stride or dilation when transposed; the weight's
 * first two dims are swapped for the transposed convolution).
 */
record ConvGeometry(int[] x, int[] w, Conv2dSpec spec) {

    static ConvGeometry random(Random r, boolean transposed) {
        while (true) {
            int g = 1 + r.nextInt(3);
            int cin = g * (1 + r.nextInt(3));
            int cout = g * (1 + r.nextInt(3));
            int kh = 1 + r.nextInt(4);
            int kw = 1 + r.nextInt(4);
            int sh = 1 + r.nextInt(3);
            int sw = 1 + r.nextInt(3);
            int dh = 1 + r.nextInt(2);
            int dw = 1 + r.nextInt(2);
            int h = 1 + r.nextInt(9);
            int w = 1 + r.nextInt(9);
            int[] pad = {r.nextInt(3), r.nextInt(3), r.nextInt(3), r.nextInt(3)};
            int oph = transposed ? r.nextInt(Math.max(sh, dh)) : 0;
            int opw = transposed ? r.nextInt(Math.max(sw, dw)) : 0;
            Conv2dSpec s = new Conv2dSpec(sh, sw, pad[0], pad[1], pad[2], pad[3], dh, dw, g, oph, opw);
            int n = 1 + r.nextInt(3);
            int[] ws = transposed ? new int[] {cin, cout / g, kh, kw} : new int[] {cout, cin / g, kh, kw};
            boolean ok = transposed ? s.transposedOutH(h, kh) > 0 && s.transposedOutW(w, kw) > 0
                    : s.convOutH(h, kh) > 0 && s.convOutW(w, kw) > 0;
            if (ok) {
                return new ConvGeometry(new int[] {n, cin, h, w}, ws, s);
            }
        }
    }
}
