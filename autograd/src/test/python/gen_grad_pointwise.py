"""Gradient fixtures of elementwise ops and views: inputs, upstream gradients, PyTorch outputs and input gradients.

Run: /usr/bin/python3 autograd/src/test/python/gen_grad_pointwise.py
"""
import torch

from gradgolden import GradFixture

fx = GradFixture("grad_pointwise", seed=11)
F = torch.nn.functional


def away_from(x, points, margin=0.05):
    """Moves entries within `margin` of a kink (0 for relu/abs, clamp bounds) away from it."""
    for p in points:
        close = (x - p).abs() < margin
        x = torch.where(close, x + 2 * margin * torch.sign(x - p + 1e-12), x)
    return x


UNARY = {
    "neg": (torch.neg, "any"), "abs": (torch.abs, "kink0"), "exp": (torch.exp, "any"), "log": (torch.log, "pos"),
    "sqrt": (torch.sqrt, "pos"), "rsqrt": (torch.rsqrt, "pos"), "sin": (torch.sin, "any"),
    "cos": (torch.cos, "any"), "tanh": (torch.tanh, "any"), "erf": (torch.erf, "any"),
    "sigmoid": (torch.sigmoid, "any"), "silu": (F.silu, "any"), "gelu": (F.gelu, "any"),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), "any"), "relu": (torch.relu, "kink0"),
    "square": (torch.square, "any"), "reciprocal": (torch.reciprocal, "pos"), "log1p": (torch.log1p, "gtm1"),
    "expm1": (torch.expm1, "any"), "floor": (torch.floor, "any"), "round": (torch.round, "any"),
    "sign": (torch.sign, "any"),
}


def sample(kind, shape):
    if kind == "pos":
        return fx.rand(*shape, low=0.2, high=4.0)
    if kind == "gtm1":
        return fx.rand(*shape, low=-0.8, high=3.0)
    x = fx.randn(*shape, scale=2.0)
    return away_from(x, [0.0]) if kind == "kink0" else x


for name, (fn, kind) in UNARY.items():
    for i, (shape, views) in enumerate([((17,), None), ((3, 1, 13), None),
                                        ((13, 7), {"x": [["transpose", 0, 1]]}),
                                        ((5, 12), {"x": [["slice", 1, 1, 12, 2]]})]):
        fx.grad_case(f"{name}_{i}", name, lambda x, fn=fn: fn(x), {"x": sample(kind, shape)}, views=views)

for i, (lo, hi) in enumerate([(-0.5, 0.7), (-float("inf"), 0.2), (0.3, float("inf"))]):
    x = away_from(fx.randn(6, 11), [lo, hi])
    fx.grad_case(f"clamp_{i}", "clamp", lambda x, lo=lo, hi=hi: torch.clamp(x, lo, hi), {"x": x},
                 args={"min": str(lo), "max": str(hi)})
for i, p in enumerate([2.0, 0.5, 3.0, -1.5, 0.0, 1.0]):
    fx.grad_case(f"pow_scalar_{i}", "pow_scalar", lambda x, p=p: x.pow(p), {"x": fx.rand(5, 7, low=0.2, high=3.0)},
                 args={"p": p})

BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
          "maximum": torch.maximum, "minimum": torch.minimum}
PAIRS = [((7, 13), (7, 13), None), ((5, 1, 9), (3, 9), None), ((11,), (), None), ((), (4, 6), None),
         ((2, 3, 1, 16), (1, 5, 16), None), ((13, 7), (7, 13), {"b": [["transpose", 0, 1]]}),
         ((4, 12), (12,), {"a": [["slice", 1, 0, 12, 2]], "b": [["slice", 0, 1, 12, 2]]})]
for name, fn in BINARY.items():
    for i, (sa, sb, views) in enumerate(PAIRS):
        if name == "pow":
            a, b = fx.rand(*sa, low=0.3, high=2.5), fx.randn(*sb)
        elif name == "div":
            a, b = fx.randn(*sa), fx.rand(*sb, low=0.5, high=2.0) * (2 * (fx.rand(*sb) > 0.5) - 1)
        else:
            a, b = fx.randn(*sa), fx.randn(*sb)
        fx.grad_case(f"{name}_{i}", name, lambda a, b, fn=fn: fn(a, b), {"a": a, "b": b}, views=views)
# Ties: maximum/minimum split the gradient; pow at a = 0 has no log term.
a = torch.tensor([1.0, 2.0, -1.0, 3.0])
b = torch.tensor([1.0, 1.0, -1.0, 4.0])
fx.grad_case("maximum_ties", "maximum", lambda a, b: torch.maximum(a, b), {"a": a, "b": b})
fx.grad_case("minimum_ties", "minimum", lambda a, b: torch.minimum(a, b), {"a": a, "b": b})
fx.grad_case("pow_zero_base", "pow", lambda a, b: torch.pow(a, b), {"a": torch.tensor([0.0, 2.0, 0.0]),
                                                                     "b": torch.tensor([2.0, 1.5, 3.0])})
x = fx.randn(6, 9)
fx.grad_case("add_scalar", "add_scalar", lambda x: x + 2.5, {"x": x}, args={"v": 2.5})
fx.grad_case("mul_scalar", "mul_scalar", lambda x: x * -1.5, {"x": x}, args={"v": -1.5})
fx.grad_case("div_scalar", "div_scalar", lambda x: x / 4.0, {"x": x}, args={"v": 4.0})
fx.grad_case("sub_scalar", "sub_scalar", lambda x: x - 1.0, {"x": x}, args={"v": 1.0})

cond = fx.rand(4, 1, 9) > 0.5
fx.grad_case("where_0", "where", lambda cond, a, b: torch.where(cond, a, b),
             {"cond": cond, "a": fx.randn(3, 9), "b": fx.randn(4, 3, 1)})
fx.grad_case("masked_fill_0", "masked_fill", lambda x, mask: x.masked_fill(mask, -3.0),
             {"x": fx.randn(4, 3, 9), "mask": cond}, args={"value": -3.0})

# Views: the gradient flows back through each.
base = fx.randn(2, 3, 4, 5)
VIEW_CASES = {
    "reshape": (lambda x: x.reshape(6, 20) * torch.arange(20.0), None),
    "view": (lambda x: x.view(-1, 5).exp(), None),
    "permute": (lambda x: x.permute(2, 0, 3, 1).sin(), None),
    "transpose": (lambda x: x.transpose(1, 3).tanh(), None),
    "narrow": (lambda x: x.narrow(2, 1, 2).square(), None),
    "slice": (lambda x: x[:, :, 1:4:2].square(), None),
    "select": (lambda x: x.select(1, 2).exp(), None),
    "expand": (lambda x: x[:, :1].expand(2, 6, 4, 5) * torch.arange(5.0), None),
    "squeeze": (lambda x: x[:, :1].squeeze(1).exp(), None),
    "unsqueeze": (lambda x: x.unsqueeze(2).sin(), None),
    "flatten": (lambda x: x.flatten(1, 2).cos(), None),
    "unflatten": (lambda x: x.unflatten(3, (5, 1)).cos(), None),
    "mT": (lambda x: x.mT.tanh(), None),
    "contiguous": (lambda x: x.transpose(0, 2).contiguous().exp(), None),
    "chain": (lambda x: x.permute(3, 1, 0, 2)[1:4].reshape(3, 3, -1).select(1, 0).exp(), None),
}
for name, (fn, _) in VIEW_CASES.items():
    fx.grad_case(f"view_{name}", "view_" + name, fn, {"x": base})

fx.save()
