"""Golden fixtures for softmax / log_softmax (every dim of 2-D/3-D/4-D inputs, magnitudes up to +-80, -inf masks
incl. fully masked rows) and layer_norm / group_norm with the mean and rstd PyTorch saves for backward
(torch.ops.aten.native_layer_norm / native_group_norm).

The norm references are the same PyTorch ops run in float64 and rounded to float32. PyTorch's float32 kernels
compute y = x*rstd + (-mean*rstd), which loses digits when the mean is large against the spread: rows with mean
1000 and std 0.01 come out ~5e-3 off, and a single-element group (var 0, rstd = 1/sqrt(eps) = 1000) ~2e-4 off,
both beyond the 1e-4 tolerance of norms, while the float64 run is the accurate answer.

Run: /usr/bin/python3 tensor/src/test/python/gen_norm.py
"""
import torch

from golden import Fixture

fx = Fixture("norm", seed=11)
NORM_TOL = 1e-4
INF = float("inf")

# ---- softmax / log_softmax --------------------------------------------------------------------------------
SOFTMAX = [((1,), [0]), ((17,), [0]), ((0, 5), [1]), ((4, 1), [0, 1]), ((7, 33), [0, 1, -1]),
           ((3, 5, 17), [0, 1, 2]), ((2, 3, 4, 19), [0, 1, 2, 3]), ((3, 300), [1]), ((260, 3), [0]),
           ((2, 3, 260), [1])]
for i, (shape, dims) in enumerate(SOFTMAX):
    for scale in [1.0, 80.0]:
        if scale == 80.0 and len(shape) < 2:
            continue
        x = fx.randn(*shape, scale=scale)
        for d in dims:
            tag = f"{i}_d{d}_s{int(scale)}"
            fx.case(f"softmax_{tag}", "softmax", {"x": x}, {"out": torch.softmax(x, d)}, args={"dim": d})
            fx.case(f"log_softmax_{tag}", "log_softmax", {"x": x}, {"out": torch.log_softmax(x, d)},
                    args={"dim": d})
# -inf masks (attention), with one row / column fully masked: PyTorch gives NaN there.
for i, (shape, dims) in enumerate([((6, 21), [0, 1]), ((2, 5, 33), [1, 2]), ((3, 4, 2, 17), [1, 3])]):
    x = fx.randn(*shape, scale=3.0)
    x = x.masked_fill(fx.rand(*shape) < 0.3, -INF)
    x.view(-1, shape[-1])[1, :] = -INF
    for d in dims:
        fx.case(f"softmax_mask{i}_d{d}", "softmax", {"x": x}, {"out": torch.softmax(x, d)}, args={"dim": d})
        fx.case(f"log_softmax_mask{i}_d{d}", "log_softmax", {"x": x}, {"out": torch.log_softmax(x, d)},
                args={"dim": d})
xt = fx.randn(13, 17)
for d in [0, 1]:
    fx.case(f"softmax_view_d{d}", "softmax", {"x": xt}, {"out": torch.softmax(xt.t(), d)}, args={"dim": d},
            views={"x": [["transpose", 0, 1]]})
    fx.case(f"log_softmax_view_d{d}", "log_softmax", {"x": xt}, {"out": torch.log_softmax(xt.t(), d)},
            args={"dim": d}, views={"x": [["transpose", 0, 1]]})


# ---- layer_norm ---------------------------------------------------------------------------------------------
def layer_norm_case(name, x, shape, weight, bias, eps):
    xr = x.double()
    w = None if weight is None else weight.double()
    b = None if bias is None else bias.double()
    out, mean, rstd = torch.ops.aten.native_layer_norm(xr, list(shape), w, b, eps)
    lead = list(x.shape[:x.dim() - len(shape)])
    inputs = {"x": x}
    if weight is not None:
        inputs["weight"] = weight
    if bias is not None:
        inputs["bias"] = bias
    fx.case(name, "layer_norm", inputs,
            {"out": out.float(), "mean": mean.reshape(lead).float(), "rstd": rstd.reshape(lead).float()},
            args={"normalized_shape": list(shape), "eps": eps}, tol=NORM_TOL)


LN = [((4, 33), (33,)), ((2, 3, 17), (17,)), ((2, 3, 17), (3, 17)), ((5, 1), (1,)), ((3, 300), (300,)),
      ((0, 7), (7,)), ((6, 16), (16,)), ((2, 2, 5, 7), (5, 7))]
for i, (shape, norm) in enumerate(LN):
    for eps in [1e-5, 1e-6]:
        x = fx.randn(*shape, scale=2.0) + 0.5
        layer_norm_case(f"layer_norm_{i}_plain_e{eps}", x, norm, None, None, eps)
        w, b = fx.randn(*norm) + 1.0, fx.randn(*norm)
        layer_norm_case(f"layer_norm_{i}_affine_e{eps}", x, norm, w, b, eps)
x = fx.randn(3, 19)
layer_norm_case("layer_norm_weight_only", x, (19,), fx.randn(19), None, 1e-5)
layer_norm_case("layer_norm_bias_only", x, (19,), None, fx.randn(19), 1e-5)
for eps in [1e-5, 1e-6]:
    xm = fx.randn(4, 257) * 0.01 + 1000.0
    layer_norm_case(f"layer_norm_bigmean_e{eps}", xm, (257,), None, None, eps)
    layer_norm_case(f"layer_norm_bigmean_affine_e{eps}", xm, (257,), fx.randn(257), fx.randn(257), eps)
    xm2 = fx.randn(2, 3, 40) * 0.01 + 1000.0
    layer_norm_case(f"layer_norm_bigmean_2d_e{eps}", xm2, (3, 40), None, None, eps)


# ---- group_norm ---------------------------------------------------------------------------------------------
def group_norm_case(name, x, groups, weight, bias, eps):
    xr = x.double()
    w = None if weight is None else weight.double()
    b = None if bias is None else bias.double()
    n, c = x.shape[0], x.shape[1]
    hw = x.numel() // (n * c) if n * c > 0 else 0
    out, mean, rstd = torch.ops.aten.native_group_norm(xr, w, b, n, c, hw, groups, eps)
    inputs = {"x": x}
    if weight is not None:
        inputs["weight"] = weight
    if bias is not None:
        inputs["bias"] = bias
    fx.case(name, "group_norm", inputs, {"out": out.float(), "mean": mean.float(), "rstd": rstd.float()},
            args={"groups": groups, "eps": eps}, tol=NORM_TOL)


GN = [((2, 6, 5), [1, 3, 6]), ((2, 64, 3, 5), [32, 1, 64]), ((3, 4, 7, 7), [2]), ((1, 8, 9, 10), [4]),
      ((2, 4), [2, 4]), ((2, 6, 17), [3])]
for i, (shape, groups) in enumerate(GN):
    for g in groups:
        x = fx.randn(*shape, scale=1.5) - 0.3
        group_norm_case(f"group_norm_{i}_g{g}_plain", x, g, None, None, 1e-6)
        group_norm_case(f"group_norm_{i}_g{g}_affine", x, g, fx.randn(shape[1]) + 1.0, fx.randn(shape[1]), 1e-6)
group_norm_case("group_norm_eps5", fx.randn(2, 8, 6), 4, fx.randn(8), fx.randn(8), 1e-5)
group_norm_case("group_norm_weight_only", fx.randn(2, 8, 6), 4, fx.randn(8), None, 1e-6)
group_norm_case("group_norm_bigmean", fx.randn(2, 8, 4, 4) * 0.01 + 1000.0, 4, fx.randn(8), fx.randn(8), 1e-6)
group_norm_case("group_norm_empty_hw", torch.zeros(2, 4, 0), 2, None, None, 1e-6)

fx.save()
