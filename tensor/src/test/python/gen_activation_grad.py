"""Golden fixtures for the fused activation derivatives: aten::tanh_backward, sigmoid_backward, silu_backward and
gelu_backward (approximate "none" and "tanh"), each called as op(grad_output, other) where other is the forward's
output (tanh, sigmoid) or input (silu, gelu). Awkward sizes, broadcasts, non-contiguous views, extreme values.

Run: /usr/bin/python3 tensor/src/test/python/gen_activation_grad.py
"""
import torch

from golden import Fixture

fx = Fixture("activation_grad", seed=7)
aten = torch.ops.aten

# name -> (aten call on (g, other), the forward whose output is `other`, or None where other is the input)
OPS = {
    "tanh_backward": (aten.tanh_backward, torch.tanh),
    "sigmoid_backward": (aten.sigmoid_backward, torch.sigmoid),
    "silu_backward": (aten.silu_backward, None),
    "gelu_backward": (lambda g, x: aten.gelu_backward(g, x, approximate="none"), None),
    "gelu_tanh_backward": (lambda g, x: aten.gelu_backward(g, x, approximate="tanh"), None),
}


def oracle(fn, g, x):
    """fn on broadcast, contiguous copies: aten's gelu_backward fails on some broadcast layouts (a oneDNN reorder
    error in torch 1.13), and the elementwise values do not depend on the layout."""
    g, x = torch.broadcast_tensors(g, x)
    return fn(g.contiguous(), x.contiguous())


def other(name, x):
    """The second operand: the forward output for tanh/sigmoid, the input itself otherwise."""
    fwd = OPS[name][1]
    return fwd(x) if fwd is not None else x


SHAPES = [(0,), (1,), (17,), (61,), (7, 33), (3, 1, 13), (2, 3, 5, 16), (127, 3)]
# (shape of g, shape of x, views): broadcasts either way round, and non-contiguous layouts.
PAIRS = [((5, 1, 17), (3, 17), None), ((33,), (), None), ((), (4, 18), None), ((2, 3, 1, 16), (1, 5, 16), None),
         ((13, 17), (17, 13), {"x": [["transpose", 0, 1]]}),
         ((6, 40), (40,), {"g": [["slice", 1, 0, 40, 2]], "x": [["slice", 0, 1, 40, 2]]}),
         ((4, 5, 6), (6, 4, 5), {"x": [["permute", [1, 2, 0]]]}),
         ((5, 3, 7), (5, 1, 7), {"x": [["expand", [5, 3, 7]]]})]

for name, (fn, _) in OPS.items():
    for i, shape in enumerate(SHAPES):
        g, x = fx.randn(*shape), fx.randn(*shape, scale=3.0)
        y = other(name, x)
        fx.case(f"{name}_{i}", name, {"g": g, "x": y}, {"out": fn(g, y)})
    for i, (sg, sx, views) in enumerate(PAIRS):
        g, x = fx.randn(*sg), fx.randn(*sx, scale=3.0)
        y = other(name, x)
        v = fx.inputs_with_views({"g": g, "x": y}, views)
        fx.case(f"{name}_pair{i}", name, {"g": g, "x": y}, {"out": oracle(fn, v["g"], v["x"])}, views=views)

# Extreme and special inputs, long enough (> 16 lanes) that most sit in the vector body; the reversed copy puts
# each value in the scalar tail too.
special = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 1e-4, -1e-4, 0.5, -0.5, 0.7071, -0.7071, 0.75,
                        -0.7518, 1.0, -1.0, 1.4142, -1.4142, 1.5, -1.5, 2.0, -2.0, 3.0, -3.0, 4.5, -4.5, 6.0, -6.0,
                        9.0, -9.0, 12.0, -12.0, 15.0, -15.0, 20.0, -20.0])
special = torch.cat([special, special.flip(0)[:-3]])
for name, (fn, _) in OPS.items():
    y = other(name, special)
    g = fx.randn(*special.shape, scale=2.0)
    fx.case(f"{name}_extreme", name, {"g": g, "x": y}, {"out": fn(g, y)})
    ones = torch.ones_like(special)
    fx.case(f"{name}_extreme_unit", name, {"g": ones, "x": y}, {"out": fn(ones, y)})
    # A scalar gradient broadcast over the row, as when a loss is a plain sum.
    fx.case(f"{name}_scalar_grad", name, {"g": torch.tensor(1.5), "x": y},
            {"out": oracle(fn, torch.tensor(1.5), y)})

# NaN and infinities propagate as PyTorch's formulas make them (inf·0 gives NaN).
nonfinite = torch.tensor([float("nan"), float("inf"), -float("inf"), 1.0] * 5)
for name, (fn, _) in OPS.items():
    y = other(name, nonfinite)
    g = torch.ones_like(nonfinite)
    fx.case(f"{name}_nonfinite", name, {"g": g, "x": y}, {"out": fn(g, y)})

fx.save()
