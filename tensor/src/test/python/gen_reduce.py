"""Golden fixtures for reductions: sum/mean/prod/amax/amin/logsumexp, any/all, var/std, max/min over a dim,
argmax/argmin, cumsum/cumprod. Dims: all, single (incl. negative), several non-adjacent, keepdim both ways; awkward
and empty sizes; transposed, sliced, permuted and expanded inputs; ~10^6-element sums built from a small base by
expand + reshape (so the fixture stays small); integer and bool inputs; NaN, ties and -inf.

Run: /usr/bin/python3 tensor/src/test/python/gen_reduce.py
"""
import torch

from golden import Fixture

fx = Fixture("reduce", seed=7)
NAN, INF = float("nan"), float("inf")


def reduce_ref(op, x, dims, keepdim):
    """PyTorch's answer; dims None means every dim (keepdim False)."""
    if dims is None:
        dims_all = list(range(x.dim()))
    else:
        dims_all = dims
    if op in ("sum", "mean"):
        f = torch.sum if op == "sum" else torch.mean
        return f(x) if dims is None else f(x, dims, keepdim=keepdim)
    if op in ("amax", "amin"):
        f = torch.amax if op == "amax" else torch.amin
        return f(x, dims_all, keepdim=keepdim if dims is not None else False)
    if op == "logsumexp":
        return torch.logsumexp(x, dims_all, keepdim=keepdim if dims is not None else False)
    if op in ("prod", "any", "all"):
        # torch 1.13 reduces these over one dim at a time; do that (prod in float64 for an exact reference).
        f = {"prod": torch.prod, "any": torch.any, "all": torch.all}[op]
        y = x.double() if op == "prod" and x.is_floating_point() else x
        if x.dim() == 0:
            y = f(y)
        else:
            for d in sorted([d % x.dim() for d in dims_all], reverse=True):
                y = f(y, d, keepdim=True)
            if dims is None or not keepdim:
                y = y.reshape([s for i, s in enumerate(x.shape) if i not in [d % x.dim() for d in dims_all]])
        return y.float() if op == "prod" and x.is_floating_point() else y
    raise ValueError(op)


def red_case(name, op, base, dims=None, keepdim=False, views=None):
    x = fx.inputs_with_views({"x": base}, {"x": views} if views else None)["x"]
    args = {"keepdim": keepdim}
    if dims is not None:
        args["dims"] = dims
    fx.case(name, op, {"x": base}, {"out": reduce_ref(op, x, dims, keepdim)}, args=args,
            views={"x": views} if views else None)


def sample(op, *shape):
    if op == "prod":
        return fx.rand(*shape, low=0.6, high=1.5)
    if op == "logsumexp":
        return fx.randn(*shape, scale=3.0)
    return fx.randn(*shape, scale=2.0)


# (shape, dims, keepdim): all dims, single dims (negative too), non-adjacent, awkward and empty sizes.
LAYOUTS = [
    ((0,), None, False), ((1,), None, False), ((7,), [0], True), ((17,), None, False), ((127,), [-1], False),
    ((7, 33), None, False), ((7, 33), [0], False), ((7, 33), [1], True), ((7, 33), [-1], False),
    ((7, 33), [0, 1], True), ((61, 3), [0], False), ((3, 61), [1], False),
    ((5, 7, 6), [0, 2], False), ((5, 7, 6), [0, 2], True), ((5, 7, 6), [1], False), ((5, 7, 6), [-3], True),
    ((5, 7, 6), [1, 2], False), ((2, 3, 5, 16), [1, 3], False), ((2, 3, 5, 16), [0, 2], True),
    ((2, 3, 5, 16), [0, 1, 2, 3], True), ((3, 0, 5), [1], False), ((3, 0, 5), [0], True), ((), None, False),
    ((), [0], True), ((1, 13, 1), [0, 2], False),
]
# (base shape, view chain, dims): non-contiguous inputs.
VIEWED = [
    ((13, 17), [["transpose", 0, 1]], [0]), ((13, 17), [["transpose", 0, 1]], [1]),
    ((13, 17), [["transpose", 0, 1]], None), ((9, 40), [["slice", 1, 1, 40, 3]], [1]),
    ((9, 40), [["slice", 1, 1, 40, 3]], [0]), ((9, 40), [["slice", 1, 0, 40, 2]], None),
    ((4, 5, 6), [["permute", [2, 0, 1]]], [0, 2]), ((4, 5, 6), [["permute", [2, 0, 1]]], [1]),
    ((5, 1, 7), [["expand", [5, 3, 7]]], [1]), ((5, 1, 7), [["expand", [5, 3, 7]]], [0, 2]),
    ((5, 1, 7), [["expand", [5, 3, 7]]], None), ((6, 8, 5), [["select", 1, 3]], [0]),
    ((6, 8, 9), [["slice", 2, 0, 9, 2], ["transpose", 0, 2]], [0, 2]),
]

for op in ["sum", "mean", "prod", "amax", "amin", "logsumexp"]:
    for i, (shape, dims, keepdim) in enumerate(LAYOUTS):
        if op in ("amax", "amin") and 0 in shape and (dims is None or any(shape[d] == 0 for d in dims)):
            continue  # max/min of an empty set has no identity (the error is tested in Java)
        red_case(f"{op}_{i}", op, sample(op, *shape), dims, keepdim)
    for i, (base, chain, dims) in enumerate(VIEWED):
        red_case(f"{op}_view{i}", op, sample(op, *base), dims, False, chain)

# About 10^6 elements from a 1031-element base: contiguous (row plan, many chunks), and column plans with stride-0
# and strided rows. Positive values, so a naive float sum would drift far beyond 1e-5.
big = fx.rand(1031)
BIG = [("big_flat", [["expand", [970, 1031]], ["reshape", [1000070]]], None),
       ("big_rows", [["expand", [970, 1031]], ["reshape", [970, 1031]]], [1]),
       ("big_cols_stride0", [["expand", [970, 1031]]], [0]),
       ("big_cols_t", [["expand", [970, 1031]], ["reshape", [970, 1031]], ["transpose", 0, 1]], [1]),
       ("big_2runs", [["expand", [20, 1031]], ["reshape", [20620]], ["expand", [2, 20620]]], [1])]
for name, chain, dims in BIG:
    for op in ["sum", "mean"]:
        red_case(f"{op}_{name}", op, big, dims, False, chain)
red_case("logsumexp_big_flat", "logsumexp", big, None, False, BIG[0][1])
red_case("amax_big_flat", "amax", big, None, False, BIG[0][1])
tall = fx.randn(1500) + 0.5  # many rows in a column plan (more than one chunk of rows)
red_case("sum_tall_cols", "sum", tall, [0], False, [["expand", [14, 1500]], ["reshape", [3000, 7]]])
red_case("mean_tall_cols", "mean", tall, [0], True, [["expand", [14, 1500]], ["reshape", [3000, 7]]])

# NaN propagation and infinities.
xn = fx.randn(5, 9)
xn[1, 3] = NAN
xn[3, 0] = INF
xn[4, :] = -INF
for op in ["sum", "amax", "amin", "logsumexp", "mean"]:
    red_case(f"{op}_nan_rows", op, xn, [1], False)
    red_case(f"{op}_nan_cols", op, xn, [0], True)
lse = torch.tensor([[-INF, -INF, -INF], [-INF, 0.5, 1.0], [INF, 1.0, -INF], [200.0, 199.0, -300.0]])
red_case("logsumexp_inf_rows", "logsumexp", lse, [1], False)
red_case("logsumexp_inf_cols", "logsumexp", lse.t().contiguous(), [0], False)

# Integers and bools: int64 sum/prod/amax/amin, int32 amax/amin (and sum, widened to int64), bool sum and any/all.
for i, (shape, dims, keepdim) in enumerate([((7, 33), [0], False), ((5, 7, 6), [0, 2], True), ((17,), None, False),
                                            ((3, 0, 5), [1], False)]):
    xi = fx.randint(-40, 40, *shape)
    for op in ["sum", "amax", "amin"]:
        if op != "sum" and 0 in shape:
            continue
        red_case(f"{op}_i64_{i}", op, xi, dims, keepdim)
        red_case(f"{op}_i32_{i}", op, xi.int(), dims, keepdim)
    red_case(f"prod_i64_{i}", "prod", fx.randint(-3, 4, *shape), dims, keepdim)
    red_case(f"sum_bool_{i}", "sum", fx.rand(*shape) > 0.5, dims, keepdim)
xi = fx.randint(-40, 40, 13, 17)
red_case("sum_i64_view", "sum", xi, [0], False, [["transpose", 0, 1]])
red_case("amax_i64_view", "amax", xi, [1], True, [["slice", 1, 0, 17, 3]])
for i, (shape, dims, keepdim) in enumerate([((7, 33), [1], False), ((5, 7, 6), [0, 2], True), ((17,), None, False),
                                            ((3, 0, 5), [1], False), ((4, 6), [0], False)]):
    b = fx.rand(*shape) > (0.2 if i % 2 else 0.8)
    red_case(f"any_{i}", "any", b, dims, keepdim)
    red_case(f"all_{i}", "all", b, dims, keepdim)
bsparse = torch.zeros(6, 9, dtype=torch.bool)
bsparse[2, 4] = True
red_case("any_sparse", "any", bsparse, [0], False)
red_case("all_dense", "all", ~bsparse, [1], False)
red_case("any_float", "any", torch.tensor([[0.0, NAN], [0.0, 0.0]]), [1], False)

# var / std: corrections 0, 1, 2; N - correction <= 0 gives NaN (all deviations zero) or inf (as torch 1.13).
VAR = [((7, 33), [1], False), ((7, 33), [0], True), ((5, 7, 6), [0, 2], False), ((127,), None, False),
       ((2, 3, 5, 16), [1, 3], True), ((4, 1), [1], False), ((4, 2), [1], False), ((3, 0), [1], False)]
for i, (shape, dims, keepdim) in enumerate(VAR):
    x = fx.randn(*shape, scale=2.0) + 1.0
    for corr in [0, 1, 2]:
        for op, f in [("var", torch.var), ("std", torch.std)]:
            y = f(x, dim=dims, correction=corr, keepdim=keepdim)
            args = {"correction": corr, "keepdim": keepdim}
            if dims is not None:
                args["dims"] = dims
            fx.case(f"{op}_{i}_c{corr}", op, {"x": x}, {"out": y}, args=args)
for i, (base, chain, dims) in enumerate(VIEWED[:8]):
    x = fx.randn(*base)
    y = torch.var(fx.inputs_with_views({"x": x}, {"x": chain})["x"], dim=dims, correction=1)
    args = {"correction": 1, "keepdim": False}
    if dims is not None:
        args["dims"] = dims
    fx.case(f"var_view{i}", "var", {"x": x}, {"out": y}, args=args, views={"x": chain})
xm = fx.randn(6, 100) * 0.01 + 1000.0  # large mean, small spread: E[x^2] - E[x]^2 would fail here
for dims in ([1], [0]):
    fx.case(f"var_bigmean_{dims[0]}", "var", {"x": xm}, {"out": torch.var(xm, dim=dims, correction=1)},
            args={"dims": dims, "correction": 1, "keepdim": False})
fx.case("var_big_flat", "var", {"x": big}, {"out": torch.var(
    fx.inputs_with_views({"x": big}, {"x": BIG[0][1]})["x"], dim=None, correction=1)},
        args={"correction": 1, "keepdim": False}, views={"x": BIG[0][1]})
fx.case("std_big_cols", "std", {"x": big}, {"out": torch.std(
    fx.inputs_with_views({"x": big}, {"x": BIG[2][1]})["x"], dim=[0], correction=0)},
        args={"dims": [0], "correction": 0, "keepdim": False}, views={"x": BIG[2][1]})

# max/min over a dim with indices (first extreme; first NaN wins), argmax/argmin; ties from rounding.
tie = torch.round(fx.randn(9, 14) * 1.5)
tie[2, 5] = NAN
tie[2, 9] = NAN
tie[6, 0] = NAN
ARG = [(tie, 1, False, None), (tie, 0, True, None), (tie, -1, True, None), (tie, 0, False, [["transpose", 0, 1]]),
       (torch.round(fx.randn(4, 5, 6) * 2), 1, False, None), (torch.round(fx.randn(4, 5, 6) * 2), 2, True, None),
       (torch.round(fx.randn(4, 5, 6) * 2), 0, False, [["permute", [2, 0, 1]]]),
       (torch.round(fx.randn(6, 20) * 2), 1, False, [["slice", 1, 1, 20, 3]]),
       (fx.randn(5, 1, 7), 1, False, [["expand", [5, 4, 7]]]), (fx.randn(1, 33), 0, False, None),
       (fx.randn(40, 37), 0, False, None), (fx.randn(3, 127), 1, True, None),
       (fx.randint(-5, 5, 8, 11), 1, False, None), (fx.randint(-5, 5, 8, 11), 0, True, None),
       (fx.randint(-5, 5, 8, 11).int(), 1, False, None), (fx.randint(-5, 5, 8, 11).int(), 0, False, None),
       (torch.tensor(2.5), 0, True, None), (torch.tensor(2.5), 0, False, None)]
for i, (x, dim, keepdim, chain) in enumerate(ARG):
    xv = fx.inputs_with_views({"x": x}, {"x": chain} if chain else None)["x"]
    views = {"x": chain} if chain else None
    for mx in [True, False]:
        name = "max" if mx else "min"
        r = torch.max(xv, dim, keepdim=keepdim) if mx else torch.min(xv, dim, keepdim=keepdim)
        fx.case(f"{name}_dim_{i}", f"{name}_dim", {"x": x}, {"values": r.values, "indices": r.indices},
                args={"dim": dim, "keepdim": keepdim}, views=views)
        a = torch.argmax(xv, dim, keepdim=keepdim) if mx else torch.argmin(xv, dim, keepdim=keepdim)
        fx.case(f"arg{name}_{i}", f"arg{name}", {"x": x}, {"out": a}, args={"dim": dim, "keepdim": keepdim},
                views=views)
for i, x in enumerate([tie, torch.round(fx.randn(3, 4, 5)), fx.randint(0, 3, 7, 5), torch.tensor(1.0),
                       torch.tensor([1.0, NAN, 3.0, NAN])]):
    fx.case(f"argmax_flat_{i}", "argmax", {"x": x}, {"out": torch.argmax(x)})
    fx.case(f"argmin_flat_{i}", "argmin", {"x": x}, {"out": torch.argmin(x)})
    if x.dim() > 0:
        fx.case(f"max_all_{i}", "amax", {"x": x}, {"out": torch.max(x)}, args={"keepdim": False})
        fx.case(f"min_all_{i}", "amin", {"x": x}, {"out": torch.min(x)}, args={"keepdim": False})
bmax = fx.rand(4, 6) > 0.6
r = torch.max(bmax, 1)
fx.case("max_dim_bool", "max_dim", {"x": bmax}, {"values": r.values, "indices": r.indices},
        args={"dim": 1, "keepdim": False})

# cumsum / cumprod: several dims, awkward sizes, int64 (and int32/bool widened to int64), views.
CUM = [((17,), 0), ((7, 33), 0), ((7, 33), 1), ((7, 33), -1), ((5, 7, 6), 1), ((2, 3, 5, 16), 2), ((3, 0, 4), 2),
       ((3, 0, 4), 0), ((), 0), ((4, 100), 0), ((1, 400), 1)]
for i, (shape, dim) in enumerate(CUM):
    x = fx.randn(*shape) + 0.3
    fx.case(f"cumsum_{i}", "cumsum", {"x": x}, {"out": torch.cumsum(x, dim)}, args={"dim": dim})
    xp = fx.rand(*shape, low=0.7, high=1.35)
    fx.case(f"cumprod_{i}", "cumprod", {"x": xp}, {"out": torch.cumprod(xp, dim)}, args={"dim": dim})
    if torch.Size(shape).numel() > 300:
        continue  # integer scans: small shapes are enough
    xi = fx.randint(-9, 10, *shape)
    fx.case(f"cumsum_i64_{i}", "cumsum", {"x": xi}, {"out": torch.cumsum(xi, dim)}, args={"dim": dim})
    xq = fx.randint(-2, 3, *shape)
    fx.case(f"cumprod_i64_{i}", "cumprod", {"x": xq}, {"out": torch.cumprod(xq, dim)}, args={"dim": dim})
xc = fx.randn(13, 17)
fx.case("cumsum_view", "cumsum", {"x": xc}, {"out": torch.cumsum(xc.t(), 1)}, args={"dim": 1},
        views={"x": [["transpose", 0, 1]]})
xi = fx.randint(-9, 10, 6, 7).int()
fx.case("cumsum_i32", "cumsum", {"x": xi}, {"out": torch.cumsum(xi, 1)}, args={"dim": 1})
bc = fx.rand(5, 9) > 0.5
fx.case("cumsum_bool", "cumsum", {"x": bc}, {"out": torch.cumsum(bc, 1)}, args={"dim": 1})
# A long scan: float accumulation would drift, PyTorch's CPU kernel accumulates in double.
# 1e8 swallows the ones in float but not in double: after -1e8 the double prefix is exactly the count of ones.
xk = torch.cat([torch.tensor([1e8]), torch.ones(40), torch.tensor([-1e8]), fx.rand(9)]).reshape(1, 51)
fx.case("cumsum_cancel", "cumsum", {"x": xk}, {"out": torch.cumsum(xk, 1)}, args={"dim": 1})
fx.case("cumsum_cancel_cols", "cumsum", {"x": xk}, {"out": torch.cumsum(xk.t(), 0)}, args={"dim": 0},
        views={"x": [["transpose", 0, 1]]})
xl = fx.rand(2048)
fx.case("cumsum_long", "cumsum", {"x": xl}, {"out": torch.cumsum(xl, 0)}, args={"dim": 0})

fx.save()
