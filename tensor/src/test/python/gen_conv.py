"""Golden fixtures for conv2d and conv_transpose2d: strides, asymmetric padding, dilation, groups (incl. depthwise),
1x1 kernels, prime extents, unbatched inputs, no bias, Cin=1, empty batches, the SD-VAE shapes.

Asymmetric conv padding is made in torch with F.pad before an unpadded conv; asymmetric transposed padding by
cropping the output of an unpadded transposed conv. Args: stride [sh, sw], pad [top, bottom, left, right],
dilation [dh, dw], groups, output_padding [oh, ow].

Run: /usr/bin/python3 tensor/src/test/python/gen_conv.py
"""
import torch

from golden import Fixture

fx = Fixture("conv", seed=7)
F = torch.nn.functional


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def pads4(p):
    """(top, bottom, left, right) from an int, an (h, w) pair or a 4-tuple."""
    if isinstance(p, int):
        return [p, p, p, p]
    if len(p) == 2:
        return [p[0], p[0], p[1], p[1]]
    return list(p)


def conv(name, xs, ws, bias=True, stride=1, pad=0, dilation=1, groups=1, views=None, scale=1.0):
    x = fx.randn(*xs)
    w = fx.randn(*ws, scale=scale)
    v = fx.inputs_with_views({"x": x, "w": w}, views)
    b = fx.randn(v["w"].shape[0]) if bias else None
    t, bt, l, r = pads4(pad)
    xin = v["x"]
    if t == bt and l == r:
        out = F.conv2d(xin, v["w"], b, stride=stride, padding=(t, l), dilation=dilation, groups=groups)
    else:
        batched = xin.dim() == 4
        xp = F.pad(xin if batched else xin.unsqueeze(0), (l, r, t, bt))
        out = F.conv2d(xp, v["w"], b, stride=stride, dilation=dilation, groups=groups)
        out = out if batched else out.squeeze(0)
    inputs = {"x": x, "w": w}
    if bias:
        inputs["b"] = b
    fx.case(name, "conv2d", inputs, {"out": out},
            args={"stride": pair(stride), "pad": [t, bt, l, r], "dilation": pair(dilation), "groups": groups},
            views=views)


def convt(name, xs, ws, bias=True, stride=1, pad=0, output_padding=0, dilation=1, groups=1, views=None):
    x = fx.randn(*xs)
    w = fx.randn(*ws)
    v = fx.inputs_with_views({"x": x, "w": w}, views)
    b = fx.randn(v["w"].shape[1] * groups) if bias else None
    t, bt, l, r = pads4(pad)
    if t == bt and l == r:
        out = F.conv_transpose2d(v["x"], v["w"], b, stride=stride, padding=(t, l), output_padding=output_padding,
                                 groups=groups, dilation=dilation)
    else:
        full = F.conv_transpose2d(v["x"], v["w"], b, stride=stride, padding=0, output_padding=output_padding,
                                  groups=groups, dilation=dilation)
        out = full[..., t:full.shape[-2] - bt, l:full.shape[-1] - r]
    inputs = {"x": x, "w": w}
    if bias:
        inputs["b"] = b
    fx.case(name, "conv_transpose2d", inputs, {"out": out},
            args={"stride": pair(stride), "pad": [t, bt, l, r], "dilation": pair(dilation), "groups": groups,
                  "output_padding": pair(output_padding)}, views=views)


# conv2d
conv("sdvae_3x3_pad1", (2, 8, 16, 16), (16, 8, 3, 3), pad=1)
conv("sdvae_down_s2_pad0101", (2, 8, 16, 16), (8, 8, 3, 3), stride=2, pad=(0, 1, 0, 1))
conv("sdvae_down_odd", (1, 4, 13, 11), (4, 4, 3, 3), stride=2, pad=(0, 1, 0, 1))
conv("wide_3x3_pad1", (1, 32, 16, 16), (32, 32, 3, 3), pad=1, scale=0.2)
conv("basic_nobias", (1, 5, 7, 5), (6, 5, 3, 2), bias=False)
conv("stride2", (2, 3, 12, 10), (4, 3, 3, 3), stride=2, pad=1)
conv("stride3", (1, 4, 13, 11), (5, 4, 3, 3), stride=3, pad=1)
conv("stride_2x3_pad_2x1", (1, 3, 13, 11), (4, 3, 5, 4), stride=(2, 3), pad=(2, 1))
conv("dilation2", (1, 3, 13, 11), (4, 3, 3, 3), pad=2, dilation=2)
conv("dilation_2x3_stride2", (2, 3, 17, 19), (5, 3, 3, 3), stride=2, pad=(1, 3), dilation=(2, 3))
conv("asym_pad_dil", (1, 3, 9, 8), (2, 3, 3, 2), pad=(2, 0, 1, 3), dilation=(1, 2))
conv("asym_pad_stride3", (2, 2, 10, 7), (3, 2, 4, 3), stride=3, pad=(1, 2, 0, 2), bias=False)
conv("groups2", (2, 6, 9, 9), (4, 3, 3, 3), groups=2, pad=1)
conv("groups3_stride2", (1, 9, 11, 7), (6, 3, 3, 3), groups=3, stride=2)
conv("depthwise", (2, 8, 11, 7), (8, 1, 3, 3), groups=8, pad=1)
conv("depthwise_mult2_s2", (1, 4, 9, 9), (8, 1, 3, 3), groups=4, stride=2, pad=1)
conv("depthwise_5x5_dil2", (1, 6, 13, 13), (6, 1, 5, 5), groups=6, pad=4, dilation=2, bias=False)
conv("pointwise", (2, 16, 7, 5), (13, 16, 1, 1))
conv("pointwise_nobias", (3, 17, 6, 6), (5, 17, 1, 1), bias=False)
conv("pointwise_groups4", (2, 8, 5, 5), (12, 2, 1, 1), groups=4)
conv("pointwise_stride2", (1, 8, 9, 9), (4, 8, 1, 1), stride=2)
conv("pointwise_pad1", (1, 3, 4, 5), (2, 3, 1, 1), pad=1)
conv("spatial_1x1", (3, 4, 1, 1), (5, 4, 1, 1))
conv("spatial_1x1_pad1_3x3", (2, 3, 1, 1), (4, 3, 3, 3), pad=1)
conv("kernel_equals_input", (2, 3, 7, 5), (4, 3, 7, 5))
conv("cin1", (2, 1, 13, 11), (3, 1, 5, 5), pad=2)
conv("cout1", (2, 5, 8, 6), (1, 5, 3, 3), pad=1)
conv("prime_7to11", (1, 7, 13, 11), (11, 7, 3, 3), pad=1)
conv("pad_exceeds_kernel", (1, 2, 4, 3), (3, 2, 3, 3), pad=3)
conv("unbatched", (3, 10, 9), (4, 3, 3, 3), pad=1)
conv("unbatched_asym", (3, 10, 9), (4, 3, 3, 3), stride=2, pad=(0, 1, 0, 1))
conv("empty_batch", (0, 3, 5, 5), (4, 3, 3, 3), pad=1)
conv("view_nhwc_input", (2, 9, 9, 4), (6, 4, 3, 3), pad=1, views={"x": [["permute", [0, 3, 1, 2]]]})
conv("view_weight_transposed", (1, 4, 6, 6), (4, 5, 3, 3), pad=1, views={"w": [["transpose", 0, 1]]})
conv("view_input_strided", (1, 3, 15, 20), (2, 3, 3, 3), views={"x": [["slice", 3, 1, 20, 2]]})

# conv_transpose2d
convt("t_s2_p1_op1", (2, 4, 5, 5), (4, 3, 3, 3), stride=2, pad=1, output_padding=1)
convt("t_s2_k4_p1", (1, 6, 7, 5), (6, 4, 4, 4), stride=2, pad=1)
convt("t_basic_nobias", (1, 3, 6, 5), (3, 4, 3, 3), bias=False)
convt("t_groups2", (2, 6, 5, 4), (6, 2, 3, 3), stride=2, output_padding=1, groups=2)
convt("t_groups3_pad1", (1, 9, 4, 6), (9, 1, 3, 2), stride=(1, 2), pad=(1, 0), groups=3)
convt("t_depthwise", (1, 4, 5, 5), (4, 1, 3, 3), stride=2, groups=4, pad=1, output_padding=1)
convt("t_dilation2", (1, 3, 6, 5), (3, 4, 3, 3), pad=1, dilation=2)
convt("t_dilation_op", (1, 2, 5, 5), (2, 3, 3, 3), dilation=2, output_padding=1)
convt("t_s3x2_op2x1", (2, 3, 4, 5), (3, 2, 3, 2), stride=(3, 2), output_padding=(2, 1))
convt("t_s2_dil3", (1, 2, 5, 4), (2, 3, 2, 3), stride=2, dilation=3, pad=(2, 1))
convt("t_asym_crop", (1, 3, 5, 6), (3, 2, 3, 3), stride=2, pad=(1, 2, 0, 1))
convt("t_pad2_k5", (1, 4, 7, 6), (4, 3, 5, 5), pad=2)
convt("t_pointwise_s2", (1, 5, 4, 3), (5, 3, 1, 1), stride=2)
convt("t_spatial_1x1", (2, 3, 1, 1), (3, 4, 3, 3), stride=2)
convt("t_prime", (1, 7, 13, 11), (7, 5, 3, 3), stride=2, pad=1, output_padding=1)
convt("t_cin1", (2, 1, 6, 7), (1, 3, 4, 4), stride=2, pad=1)
convt("t_unbatched", (3, 4, 4), (3, 2, 3, 3), stride=2)
convt("t_empty_batch", (0, 3, 4, 4), (3, 2, 3, 3), stride=2)
convt("t_view_input", (2, 5, 6, 3), (3, 4, 3, 3), stride=2, pad=1, views={"x": [["permute", [0, 3, 1, 2]]]})
convt("t_wide", (1, 16, 8, 8), (16, 8, 4, 4), stride=2, pad=1)

fx.save()
