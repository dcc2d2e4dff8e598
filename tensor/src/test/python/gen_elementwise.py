"""Golden fixtures for elementwise ops: unary, binary (with broadcasting), comparisons, where, casts.

Run: /usr/bin/python3 tensor/src/test/python/gen_elementwise.py
"""
import math

import torch

from golden import Fixture

fx = Fixture("elementwise", seed=1)
F = torch.nn.functional

SHAPES = [(0,), (1,), (17,), (7, 33), (3, 1, 13), (2, 3, 5, 16)]
# Non-contiguous layouts: (base shape, view chain).
VIEWS = [((13, 17), [["transpose", 0, 1]]),
         ((9, 40), [["slice", 1, 1, 40, 3]]),
         ((4, 5, 6), [["permute", [2, 0, 1]]]),
         ((5, 1, 7), [["expand", [5, 3, 7]]])]

UNARY = {
    "neg": (torch.neg, "any"), "abs": (torch.abs, "any"), "exp": (torch.exp, "any"),
    "log": (torch.log, "pos"), "sqrt": (torch.sqrt, "pos"), "rsqrt": (torch.rsqrt, "pos"),
    "sin": (torch.sin, "any"), "cos": (torch.cos, "any"), "tanh": (torch.tanh, "any"),
    "erf": (torch.erf, "any"), "sigmoid": (torch.sigmoid, "any"), "silu": (F.silu, "any"),
    "gelu": (F.gelu, "any"), "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), "any"),
    "relu": (torch.relu, "any"), "square": (torch.square, "any"), "reciprocal": (torch.reciprocal, "pos"),
    "floor": (torch.floor, "any"), "ceil": (torch.ceil, "any"), "round": (torch.round, "half"),
    "sign": (torch.sign, "any"), "log1p": (torch.log1p, "gtm1"), "expm1": (torch.expm1, "any"),
}


def sample(kind, shape):
    if kind == "pos":
        return fx.rand(*shape, low=0.05, high=6.0)
    if kind == "gtm1":
        return fx.rand(*shape, low=-0.95, high=4.0)
    if kind == "half":  # includes exact .5 ties to test round-half-even
        return torch.round(fx.randn(*shape, scale=4.0) * 2) / 2
    return fx.randn(*shape, scale=2.5)


for name, (fn, kind) in UNARY.items():
    for i, shape in enumerate(SHAPES):
        x = sample(kind, shape)
        fx.case(f"{name}_{i}", name, {"x": x}, {"out": fn(x)})
    for i, (base, chain) in enumerate(VIEWS):
        x = sample(kind, base)
        fx.case(f"{name}_view{i}", name, {"x": x}, {"out": fn(fx.inputs_with_views({"x": x}, {"x": chain})["x"])},
                views={"x": chain})

# Values where naive formulas overflow, cancel or must propagate NaN.
special = torch.tensor([float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e-30, -1e-30, 1e-4, -1e-4,
                        0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 6.0, -6.0, 20.0, -20.0, 88.0, -88.0, 100.0, -100.0])
for name in ["neg", "abs", "exp", "tanh", "erf", "sigmoid", "silu", "gelu", "gelu_tanh", "relu", "square",
             "floor", "ceil", "round", "sign", "expm1"]:
    fn = UNARY[name][0]
    fx.case(f"{name}_special", name, {"x": special}, {"out": fn(special)})

for i, (lo, hi) in enumerate([(-0.5, 0.7), (-math.inf, 0.2), (0.3, math.inf), (1.0, -1.0)]):
    x = fx.randn(7, 33)
    x[0, 0] = float("nan")
    fx.case(f"clamp_{i}", "clamp", {"x": x}, {"out": torch.clamp(x, min=lo, max=hi)},
            args={"min": str(lo), "max": str(hi)})
for i, p in enumerate([2.0, 0.5, 3.0, -1.5, 0.0]):
    x = fx.rand(5, 19, low=0.1, high=3.0)
    fx.case(f"pow_scalar_{i}", "pow_scalar", {"x": x}, {"out": torch.pow(x, p)}, args={"p": p})

BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "maximum": torch.maximum,
          "minimum": torch.minimum, "pow": torch.pow, "remainder": torch.remainder,
          "floor_divide": torch.floor_divide}
PAIRS = [((7, 33), (7, 33), None), ((5, 1, 17), (3, 17), None), ((33,), (), None), ((), (4, 18), None),
         ((0, 3), (3,), None), ((2, 3, 1, 16), (1, 5, 16), None),
         ((13, 17), (17, 13), {"b": [["transpose", 0, 1]]}),
         ((6, 40), (40,), {"a": [["slice", 1, 0, 40, 2]], "b": [["slice", 0, 1, 40, 2]]})]
for name, fn in BINARY.items():
    for i, (sa, sb, views) in enumerate(PAIRS):
        if name == "pow":
            a, b = fx.rand(*sa, low=0.1, high=3.0), fx.randn(*sb)
        elif name in ("remainder", "floor_divide"):
            a, b = fx.randn(*sa, scale=5.0), fx.rand(*sb, low=0.5, high=2.0) * (2 * (fx.rand(*sb) > 0.5) - 1)
        else:
            a, b = fx.randn(*sa, scale=2.0), fx.randn(*sb, scale=2.0)
        if name == "div":
            b = torch.where(b.abs() < 0.1, torch.full_like(b, 0.5), b)
        v = fx.inputs_with_views({"a": a, "b": b}, views)
        fx.case(f"{name}_{i}", name, {"a": a, "b": b}, {"out": fn(v["a"], v["b"])}, views=views)
# NaN propagation of maximum/minimum
a = torch.tensor([float("nan"), 1.0, -2.0, float("inf")])
b = torch.tensor([0.0, float("nan"), 3.0, -float("inf")])
fx.case("maximum_nan", "maximum", {"a": a, "b": b}, {"out": torch.maximum(a, b)})
fx.case("minimum_nan", "minimum", {"a": a, "b": b}, {"out": torch.minimum(a, b)})

# Integer arithmetic keeps int64; integer true division gives float.
ia = fx.randint(-50, 50, 6, 7)
ib = fx.randint(1, 9, 7) * (2 * fx.randint(0, 2, 7) - 1)
for name in ["add", "sub", "mul", "maximum", "minimum", "remainder", "floor_divide", "div"]:
    fx.case(f"{name}_int64", name, {"a": ia, "b": ib}, {"out": BINARY[name](ia, ib)})
fx.case("add_int32", "add", {"a": ia.int(), "b": ib.int()}, {"out": ia.int() + ib.int()})
pe = fx.randint(0, 4, 6, 7)
fx.case("pow_int64", "pow", {"a": ia, "b": pe}, {"out": torch.pow(ia, pe)})
fb = fx.randn(7)
fx.case("add_int_float", "add", {"a": ia, "b": fb}, {"out": ia + fb})
mask = fx.rand(4, 7) > 0.5
fx.case("mul_bool_float", "mul", {"a": mask, "b": fb}, {"out": mask * fb})
fx.case("neg_int64", "neg", {"x": ia}, {"out": -ia})
fx.case("abs_int64", "abs", {"x": ia}, {"out": ia.abs()})
fx.case("clamp_int64", "clamp", {"x": ia}, {"out": ia.clamp(-10, 20)}, args={"min": -10, "max": 20})

# Scalars on the right, with PyTorch's dtype rules.
x = fx.randn(5, 17)
fx.case("add_scalar", "add_scalar", {"x": x}, {"out": x + 2.5}, args={"v": 2.5})
fx.case("mul_scalar", "mul_scalar", {"x": x}, {"out": x * -3.0}, args={"v": -3.0})
fx.case("sub_scalar_int", "sub_scalar", {"x": ia}, {"out": ia - 3}, args={"v": 3})
fx.case("div_scalar_int", "div_scalar", {"x": ia}, {"out": ia / 4}, args={"v": 4})
fx.case("mul_scalar_int_float", "mul_scalar", {"x": ia}, {"out": ia * 0.5}, args={"v": 0.5})

COMPARE = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge}
for name, fn in COMPARE.items():
    a = torch.round(fx.randn(5, 1, 19) * 2)  # rounded: many ties
    b = torch.round(fx.randn(3, 19) * 2)
    a[0, 0, 0] = float("nan")
    fx.case(f"{name}_0", name, {"a": a, "b": b}, {"out": fn(a, b)})
    fx.case(f"{name}_int", name, {"a": ia, "b": ib}, {"out": fn(ia, ib)})
    c = torch.round(fx.randn(40, 3) * 2)
    fx.case(f"{name}_view", name, {"a": c, "b": torch.tensor(0.0)},
            {"out": fn(c.t(), torch.tensor(0.0))}, views={"a": [["transpose", 0, 1]]})

cond = fx.rand(4, 1, 13) > 0.5
a, b = fx.randn(3, 13), fx.randn(4, 3, 1)
fx.case("where_0", "where", {"cond": cond, "a": a, "b": b}, {"out": torch.where(cond, a, b)})
fx.case("where_int", "where", {"cond": cond[:, 0], "a": ia[:4, :1].expand(4, 13).contiguous(), "b": ia[4:5, :1]},
        {"out": torch.where(cond[:, 0], ia[:4, :1].expand(4, 13), ia[4:5, :1])})
x = fx.randn(4, 3, 13)
fx.case("masked_fill_0", "masked_fill", {"x": x, "mask": cond}, {"out": x.masked_fill(cond, -1e9)},
        args={"value": -1e9})

la, lb = fx.rand(6, 11) > 0.5, fx.rand(11) > 0.3
for name, fn in {"logical_and": torch.logical_and, "logical_or": torch.logical_or,
                 "logical_xor": torch.logical_xor}.items():
    fx.case(name, name, {"a": la, "b": lb}, {"out": fn(la, lb)})
fx.case("logical_not", "logical_not", {"x": la}, {"out": torch.logical_not(la)})
fa = torch.round(fx.randn(6, 11))
fx.case("logical_and_float", "logical_and", {"a": fa, "b": lb}, {"out": torch.logical_and(fa, lb)})

# Casts: float -> bf16/f16 round to nearest even; float -> int truncates toward zero; -> bool tests nonzero.
x = torch.cat([fx.randn(200, scale=3.0), torch.tensor([0.0, -0.0, 1e-8, 65504.0, 70000.0, 3.0e38, -2.5, 2.5,
                                                       float("inf"), -float("inf")])])
fx.case("to_bf16", "to", {"x": x}, {"out": x.to(torch.bfloat16)}, args={"dtype": "BF16"}, tol=0.0)
fx.case("to_f16", "to", {"x": x}, {"out": x.to(torch.float16)}, args={"dtype": "F16"}, tol=0.0)
xf = x[:205]
fx.case("to_i64", "to", {"x": xf}, {"out": xf.to(torch.int64)}, args={"dtype": "I64"})
fx.case("to_i32", "to", {"x": xf}, {"out": xf.to(torch.int32)}, args={"dtype": "I32"})
fx.case("to_bool", "to", {"x": x}, {"out": x.to(torch.bool)}, args={"dtype": "BOOL"})
h = fx.randn(64).to(torch.bfloat16)
fx.case("bf16_to_f32", "to", {"x": h}, {"out": h.float()}, args={"dtype": "F32"}, tol=0.0)
h16 = fx.randn(64).to(torch.float16)
fx.case("f16_to_f32", "to", {"x": h16}, {"out": h16.float()}, args={"dtype": "F32"}, tol=0.0)
hb = fx.randn(64)
fx.case("bf16_add", "add", {"a": h, "b": hb}, {"out": h.float() + hb})
fx.case("i64_to_f32", "to", {"x": ia}, {"out": ia.float()}, args={"dtype": "F32"})
fx.case("bool_to_f32", "to", {"x": la}, {"out": la.float()}, args={"dtype": "F32"})

fx.save()
