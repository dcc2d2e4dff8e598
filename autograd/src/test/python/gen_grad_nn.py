"""Gradient fixtures of the nn functional ops (inputs, upstream gradients, PyTorch outputs and input gradients):
conv2d and conv_transpose2d into grad_conv.safetensors; layer_norm, group_norm, interpolate, avg_pool2d and pad
into grad_nn.safetensors.

Geometry args as in tensor/src/test/python/gen_conv.py and gen_resample.py: conv stride [sh, sw], pad
[top, bottom, left, right], dilation [dh, dw], groups, output_padding [oh, ow]; asymmetric conv padding is made
with F.pad before an unpadded conv, asymmetric transposed padding by cropping the full output (autograd flows
through both). Non-constant pads over several dims are composed from torch's one-dim pads, as gen_resample.py does.

The norms are computed in float64 and rounded (see gen_norm.py): PyTorch's float32 kernels lose digits on rows
whose mean is large against their spread, and the float64 run is the accurate answer.

Run: /usr/bin/python3 autograd/src/test/python/gen_grad_nn.py
"""
import torch

from gradgolden import GradFixture

conv_fx = GradFixture("grad_conv", seed=23)
nn_fx = GradFixture("grad_nn", seed=29)
fx = conv_fx
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


# ---- conv2d ---------------------------------------------------------------------------------------------------
def conv(name, xs, ws, bias=True, stride=1, pad=0, dilation=1, groups=1, views=None, scale=1.0):
    t, bt, l, r = pads4(pad)

    def fn(x, w, b=None):
        if t == bt and l == r:
            return F.conv2d(x, w, b, stride=stride, padding=(t, l), dilation=dilation, groups=groups)
        batched = x.dim() == 4
        xp = F.pad(x if batched else x.unsqueeze(0), (l, r, t, bt))
        out = F.conv2d(xp, w, b, stride=stride, dilation=dilation, groups=groups)
        return out if batched else out.squeeze(0)

    inputs = {"x": fx.randn(*xs), "w": fx.randn(*ws, scale=scale)}
    if bias:
        cout = ws[1] if views and "w" in views else ws[0]
        inputs["b"] = fx.randn(cout)
    fx.grad_case(name, "conv2d", fn, inputs, views=views,
                 args={"stride": pair(stride), "pad": [t, bt, l, r], "dilation": pair(dilation), "groups": groups})


conv("conv_3x3_pad1", (2, 4, 7, 6), (5, 4, 3, 3), pad=1)
conv("conv_down_s2_pad0101", (2, 3, 9, 8), (4, 3, 3, 3), stride=2, pad=(0, 1, 0, 1))
conv("conv_down_s2_pad0101_even", (1, 4, 8, 8), (4, 4, 3, 3), stride=2, pad=(0, 1, 0, 1))
conv("conv_stride3_uncovered", (1, 3, 11, 10), (2, 3, 3, 3), stride=3)
conv("conv_stride2_nobias", (2, 3, 12, 10), (4, 3, 3, 3), bias=False, stride=2, pad=1)
conv("conv_stride_2x3_pad_2x1", (1, 3, 13, 11), (4, 3, 5, 4), stride=(2, 3), pad=(2, 1))
conv("conv_dilation2", (1, 3, 13, 11), (4, 3, 3, 3), pad=2, dilation=2)
conv("conv_dilation_2x3_stride2", (1, 2, 15, 13), (3, 2, 3, 3), stride=2, pad=(1, 3), dilation=(2, 3))
conv("conv_asym_pad_dil", (1, 3, 9, 8), (2, 3, 3, 2), pad=(2, 0, 1, 3), dilation=(1, 2))
conv("conv_asym_pad_stride3", (2, 2, 10, 7), (3, 2, 4, 3), stride=3, pad=(1, 2, 0, 2), bias=False)
conv("conv_groups2", (2, 6, 7, 5), (4, 3, 3, 3), groups=2, pad=1)
conv("conv_groups3_stride2", (1, 9, 11, 7), (6, 3, 3, 3), groups=3, stride=2)
conv("conv_depthwise", (2, 6, 7, 5), (6, 1, 3, 3), groups=6, pad=1)
conv("conv_depthwise_mult2_s2", (1, 4, 9, 9), (8, 1, 3, 3), groups=4, stride=2, pad=1)
conv("conv_depthwise_5x5_dil2", (1, 4, 11, 11), (4, 1, 5, 5), groups=4, pad=4, dilation=2, bias=False)
conv("conv_pointwise", (2, 16, 5, 3), (13, 16, 1, 1))
conv("conv_pointwise_nobias", (3, 17, 5, 3), (5, 17, 1, 1), bias=False)
conv("conv_pointwise_groups4", (2, 8, 5, 5), (12, 2, 1, 1), groups=4)
conv("conv_pointwise_stride2", (1, 8, 9, 9), (4, 8, 1, 1), stride=2)
conv("conv_pointwise_stride3_pad1", (1, 3, 8, 7), (2, 3, 1, 1), stride=3, pad=1)
conv("conv_prime_5to7", (1, 5, 11, 7), (7, 5, 3, 3), pad=1, scale=0.3)
conv("conv_kernel_equals_input", (2, 3, 7, 5), (4, 3, 7, 5))
conv("conv_pad_exceeds_kernel", (1, 2, 4, 3), (3, 2, 3, 3), pad=3)
conv("conv_many_images", (9, 2, 3, 4), (3, 2, 2, 2), pad=1)
conv("conv_unbatched", (3, 10, 9), (4, 3, 3, 3), pad=1)
conv("conv_unbatched_asym_nobias", (3, 10, 9), (4, 3, 3, 3), bias=False, stride=2, pad=(0, 1, 0, 1))
conv("conv_view_nhwc_input", (1, 9, 7, 4), (6, 4, 3, 3), pad=1, views={"x": [["permute", [0, 3, 1, 2]]]})
conv("conv_view_weight_transposed", (1, 4, 6, 6), (4, 5, 3, 3), pad=1, views={"w": [["transpose", 0, 1]]})


# ---- conv_transpose2d -----------------------------------------------------------------------------------------
def convt(name, xs, ws, bias=True, stride=1, pad=0, output_padding=0, dilation=1, groups=1, views=None):
    t, bt, l, r = pads4(pad)

    def fn(x, w, b=None):
        if t == bt and l == r:
            return F.conv_transpose2d(x, w, b, stride=stride, padding=(t, l), output_padding=output_padding,
                                      groups=groups, dilation=dilation)
        full = F.conv_transpose2d(x, w, b, stride=stride, padding=0, output_padding=output_padding,
                                  groups=groups, dilation=dilation)
        return full[..., t:full.shape[-2] - bt, l:full.shape[-1] - r]

    inputs = {"x": fx.randn(*xs), "w": fx.randn(*ws)}
    if bias:
        inputs["b"] = fx.randn(ws[1] * groups)
    fx.grad_case(name, "conv_transpose2d", fn, inputs, views=views,
                 args={"stride": pair(stride), "pad": [t, bt, l, r], "dilation": pair(dilation), "groups": groups,
                       "output_padding": pair(output_padding)})


convt("convt_s2_p1_op1", (2, 4, 5, 5), (4, 3, 3, 3), stride=2, pad=1, output_padding=1)
convt("convt_s2_k4_p1", (1, 6, 7, 5), (6, 4, 4, 4), stride=2, pad=1)
convt("convt_basic_nobias", (1, 3, 6, 5), (3, 4, 3, 3), bias=False)
convt("convt_groups2_op1", (1, 6, 5, 4), (6, 2, 3, 3), stride=2, output_padding=1, groups=2)
convt("convt_groups3_pad1", (1, 9, 4, 6), (9, 1, 3, 2), stride=(1, 2), pad=(1, 0), groups=3)
convt("convt_depthwise", (1, 4, 5, 5), (4, 1, 3, 3), stride=2, groups=4, pad=1, output_padding=1)
convt("convt_dilation2", (1, 3, 6, 5), (3, 4, 3, 3), pad=1, dilation=2)
convt("convt_dilation_op_ge_stride", (1, 2, 5, 5), (2, 3, 3, 3), dilation=2, output_padding=1)
convt("convt_s3x2_op2x1", (2, 3, 4, 5), (3, 2, 3, 2), stride=(3, 2), output_padding=(2, 1))
convt("convt_s2_dil3", (1, 2, 5, 4), (2, 3, 2, 3), stride=2, dilation=3, pad=(2, 1))
convt("convt_asym_crop", (1, 3, 5, 6), (3, 2, 3, 3), stride=2, pad=(1, 2, 0, 1))
convt("convt_pointwise_s2", (1, 5, 4, 3), (5, 3, 1, 1), stride=2)
convt("convt_prime", (1, 4, 11, 7), (4, 3, 3, 3), stride=2, pad=1, output_padding=1)
convt("convt_unbatched", (3, 4, 4), (3, 2, 3, 3), stride=2)
convt("convt_unbatched_nobias", (3, 4, 4), (3, 2, 3, 3), bias=False, stride=3, pad=1, output_padding=2)
convt("convt_view_input", (2, 5, 6, 3), (3, 4, 3, 3), stride=2, pad=1, views={"x": [["permute", [0, 3, 1, 2]]]})


fx = nn_fx


# ---- layer_norm / group_norm (float64 references) -------------------------------------------------------------
def d(t):
    return None if t is None else t.double()


def layer_norm(name, x, shape, weight=None, bias=None, eps=1e-5, views=None):
    inputs = {"x": x}
    if weight is not None:
        inputs["weight"] = weight
    if bias is not None:
        inputs["bias"] = bias
    fx.grad_case(name, "layer_norm",
                 lambda x, weight=None, bias=None: F.layer_norm(d(x), shape, d(weight), d(bias), eps).float(),
                 inputs, views=views, args={"normalized_shape": list(shape), "eps": eps})


for i, (xs, ns) in enumerate([((4, 33), (33,)), ((2, 3, 17), (17,)), ((2, 3, 17), (3, 17)), ((2, 150), (150,)),
                              ((5, 1), (1,)), ((2, 2, 5, 7), (5, 7))]):
    x = fx.randn(*xs, scale=2.0) + 0.5
    layer_norm(f"layer_norm_{i}_plain", x, ns)
    layer_norm(f"layer_norm_{i}_affine", x, ns, fx.randn(*ns) + 1.0, fx.randn(*ns), eps=1e-6)
x = fx.randn(3, 19)
layer_norm("layer_norm_weight_only", x, (19,), weight=fx.randn(19))
layer_norm("layer_norm_bias_only", x, (19,), bias=fx.randn(19))
layer_norm("layer_norm_view", fx.randn(6, 21), (6,), fx.randn(6), fx.randn(6), views={"x": [["transpose", 0, 1]]})
layer_norm("layer_norm_many_rows", fx.randn(70, 16), (16,), fx.randn(16), fx.randn(16))


def group_norm(name, x, groups, weight=None, bias=None, eps=1e-5, views=None):
    inputs = {"x": x}
    if weight is not None:
        inputs["weight"] = weight
    if bias is not None:
        inputs["bias"] = bias
    def fn(x, weight=None, bias=None):
        if weight is None and bias is not None:
            # PyTorch 1.13's group_norm backward fails ("tensor does not have a device") with a bias and no
            # weight; adding the bias after the plain norm is the same function.
            out = F.group_norm(d(x), groups, None, None, eps)
            return (out + d(bias).reshape(1, -1, *([1] * (x.dim() - 2)))).float()
        return F.group_norm(d(x), groups, d(weight), d(bias), eps).float()

    fx.grad_case(name, "group_norm", fn, inputs, views=views, args={"groups": groups, "eps": eps})


for i, (xs, gs) in enumerate([((2, 6, 5), [1, 3, 6]), ((2, 64, 2, 2), [32, 1, 64]), ((3, 4, 5, 7), [2]),
                              ((2, 4), [2, 4])]):
    for g in gs:
        x = fx.randn(*xs, scale=1.5) - 0.3
        group_norm(f"group_norm_{i}_g{g}_plain", x, g)
        group_norm(f"group_norm_{i}_g{g}_affine", x, g, fx.randn(xs[1]) + 1.0, fx.randn(xs[1]), eps=1e-6)
group_norm("group_norm_weight_only", fx.randn(2, 8, 6), 4, weight=fx.randn(8))
group_norm("group_norm_bias_only", fx.randn(2, 8, 6), 4, bias=fx.randn(8))
group_norm("group_norm_view", fx.randn(2, 5, 5, 8), 4, fx.randn(8), fx.randn(8),
           views={"x": [["permute", [0, 3, 1, 2]]]})
group_norm("group_norm_wide_hw", fx.randn(1, 4, 9, 11), 2, fx.randn(4), fx.randn(4))

# ---- interpolate ----------------------------------------------------------------------------------------------
MODES = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC"}


def interp(name, x, mode, ac, size=None, scale=None, views=None):
    kw = {"mode": mode}
    if mode != "nearest":
        kw["align_corners"] = ac
    if size is not None:
        kw["size"] = tuple(size)
        args = {"size": list(size)}
    else:
        kw["scale_factor"] = tuple(scale)
        args = {"scale": list(scale)}
    args.update({"mode": MODES[mode], "align_corners": ac})

    def fn(x):
        out = F.interpolate(x if x.dim() == 4 else x.unsqueeze(0), **kw)
        return out if x.dim() == 4 else out.squeeze(0)

    fx.grad_case(name, "interpolate", fn, {"x": x}, args=args, views=views)


base = fx.randn(1, 2, 7, 5)
for mode in MODES:
    for ac in ([False] if mode == "nearest" else [False, True]):
        tag = f"{mode}_{'ac' if ac else 'hp'}"
        for size in [(13, 11), (4, 3), (7, 5), (1, 1), (3, 17)]:
            interp(f"interp_{tag}_size_{size[0]}x{size[1]}", base, mode, ac, size=size)
        for sc in [(2.0, 2.0), (0.5, 0.5), (1.7, 0.6), (2.1, 1.3), (3.0, 1.05)]:
            interp(f"interp_{tag}_scale_{sc[0]}x{sc[1]}", base, mode, ac, scale=sc)
        interp(f"interp_{tag}_wide", fx.randn(1, 1, 5, 37), mode, ac, size=(9, 45))
        interp(f"interp_{tag}_unbatched", fx.randn(3, 6, 5), mode, ac, scale=(1.5, 2.5))
        interp(f"interp_{tag}_c1_scale", fx.randn(2, 1, 7, 5), mode, ac, scale=(1.05, 2.1))
        interp(f"interp_{tag}_view", fx.randn(2, 6, 5, 3), mode, ac, size=(9, 4),
               views={"x": [["permute", [0, 3, 1, 2]]]})


# ---- avg_pool2d -----------------------------------------------------------------------------------------------
def pool(name, x, k, s=None, p=0, ceil=False, cip=True, div=None):
    fx.grad_case(name, "avg_pool2d", lambda x: F.avg_pool2d(x, k, s, p, ceil, cip, div), {"x": x},
                 args={"kernel": pair(k), "stride": pair(s if s is not None else k), "padding": pair(p),
                       "ceil_mode": ceil, "count_include_pad": cip, "divisor_override": div or 0})


px = fx.randn(1, 2, 11, 9)
pool("pool_k2", px, 2)
pool("pool_k2_s1", px, 2, 1)
pool("pool_k3_s1_p1", px, 3, 1, 1)
for ceil in (False, True):
    for cip in (False, True):
        t = f"{'ceil' if ceil else 'floor'}_{'cip' if cip else 'nocip'}"
        pool(f"pool_k3_s2_p1_{t}", px, 3, 2, 1, ceil, cip)
        pool(f"pool_k32_s21_p10_{t}", px, (3, 2), (2, 1), (1, 0), ceil, cip)
        pool(f"pool_k2_s2_p1_{t}", fx.randn(1, 2, 5, 6), 2, 2, 1, ceil, cip)
        pool(f"pool_k5_s2_p2_div7_{t}", px, 5, 2, 2, ceil, cip, 7)
pool("pool_k3_s3_ceil_overhang", fx.randn(1, 2, 8, 7), 3, 3, 0, True)
pool("pool_div_override_k2", px, 2, 2, 0, False, True, 3)
pool("pool_unbatched", fx.randn(3, 7, 6), 3, 2, 1, True, False)

# ---- pad ------------------------------------------------------------------------------------------------------
PAD_MODES = {"constant": "CONSTANT", "reflect": "REFLECT", "replicate": "REPLICATE", "circular": "CIRCULAR"}


def pad_by_dims(x, pads, mode):
    """Non-constant F.pad over any trailing dims, one dim at a time through torch's 3-D one-dim pad."""
    for i in range(len(pads) // 2):
        dim = x.dim() - 1 - i
        moved = x.movedim(dim, -1)
        lead = moved.shape[:-1]
        flat = moved.reshape(1, -1, moved.shape[-1])
        padded = F.pad(flat, (pads[2 * i], pads[2 * i + 1]), mode=mode)
        x = padded.reshape(*lead, padded.shape[-1]).movedim(-1, dim)
    return x


def pad(name, x, pads, mode="constant", value=0.0, views=None):
    def fn(x):
        return F.pad(x, pads, mode="constant", value=value) if mode == "constant" else pad_by_dims(x, pads, mode)

    fx.grad_case(name, "pad", fn, {"x": x}, views=views,
                 args={"pads": list(pads), "mode": PAD_MODES[mode], "value": value})


x4 = fx.randn(2, 3, 5, 4)
pad("pad_const_last", x4, (1, 2))
pad("pad_const_2d", x4, (1, 2, 3, 0), value=1.5)
pad("pad_const_4d", x4, (1, 1, 1, 1, 1, 1, 1, 1), value=3.0)
pad("pad_const_negative", x4, (-1, 2, 1, -2))
pad("pad_const_crop_all", x4, (-2, -1, -1, -3))
pad("pad_const_1d", fx.randn(13), (3, 5), value=0.25)
pad("pad_const_view", fx.randn(4, 5, 6), (2, 1, 1, 3), views={"x": [["transpose", 0, 2]]})
for m in ("reflect", "replicate", "circular"):
    pad(f"pad_{m}_1d", fx.randn(2, 3, 7), (2, 3), m)
    pad(f"pad_{m}_2d", fx.randn(1, 2, 5, 6), (1, 2, 3, 4), m)
    pad(f"pad_{m}_3d", fx.randn(1, 1, 3, 4, 5), (1, 1, 2, 2, 1, 2), m)
    pad(f"pad_{m}_2d_of_3d", fx.randn(2, 4, 3), (2, 1, 1, 2), m)
    pad(f"pad_{m}_wide", fx.randn(1, 2, 40), (17, 20), m)
    pad(f"pad_{m}_view", fx.randn(2, 6, 5), (2, 2, 1, 1), m, views={"x": [["permute", [0, 2, 1]]]})
pad("pad_reflect_max", fx.randn(1, 2, 4, 5), (4, 4, 3, 3), "reflect")
pad("pad_circular_max", fx.randn(1, 2, 4, 5), (5, 5, 4, 4), "circular")
pad("pad_replicate_long", fx.randn(1, 1, 2, 3), (9, 7, 8, 6), "replicate")
pad("pad_replicate_zero", fx.randn(2, 3, 4), (0, 0, 0, 0), "replicate")

conv_fx.save()
nn_fx.save()
