"""Gradient fixtures of reductions, scans and softmax: inputs, upstream gradients, PyTorch outputs and input gradients.

Covers dims (all, single, negative, several non-adjacent), keepdim, awkward and empty extents, transposed, sliced and
expanded inputs, ties for amax/amin and max/min(dim), zeros for prod/cumprod, -inf in logsumexp/softmax, softmax over
each dim of a 4-D input and var/std with corrections 0, 1, 2 including N - correction <= 0.

Run: /usr/bin/python3 autograd/src/test/python/gen_grad_reduce.py
"""
import torch

from gradgolden import GradFixture

fx = GradFixture("grad_reduce", seed=23)
INF = float("inf")
NAN = float("nan")


def dims_args(dims, keepdim):
    a = {"keepdim": keepdim}
    if dims is not None:
        a["dims"] = list(dims)
    return a


def reduce_fn(name, dims, keepdim):
    """The torch call for op `name` over `dims` (None: everything) with keepdim."""
    def fn(x):
        if name == "prod":
            return prod_dims(x, dims, keepdim)
        f = {"sum": torch.sum, "mean": torch.mean, "amax": torch.amax, "amin": torch.amin,
             "logsumexp": torch.logsumexp}[name]
        if dims is None:
            if name in ("amax", "amin", "logsumexp"):
                return f(x, tuple(range(x.dim())), keepdim=keepdim)
            y = f(x)
            return y.reshape([1] * x.dim()) if keepdim else y
        return f(x, tuple(dims), keepdim=keepdim)
    return fn


def prod_dims(x, dims, keepdim):
    """torch.prod over any set of dims: the reduced dims moved last and flattened into one."""
    if dims is None:
        y = x.prod()
        return y.reshape([1] * x.dim()) if keepdim else y
    red = sorted(d % max(x.dim(), 1) for d in dims)
    if len(red) == 1:
        return x.prod(red[0], keepdim=keepdim)
    keep = [d for d in range(x.dim()) if d not in red]
    y = x.permute(keep + red).flatten(len(keep)).prod(-1)
    if keepdim:
        return y.reshape([1 if d in red else x.shape[d] for d in range(x.dim())])
    return y


# ---- sum, mean, logsumexp over every kind of dims ------------------------------------------------------------
T01 = [["transpose", 0, 1]]
SHAPES = [
    ((17,), None, None), ((3, 5, 7), [1], None), ((3, 5, 7), [-1], None), ((2, 3, 4, 5), [0, 2], None),
    ((2, 3, 4, 5), [-1, 1], None), ((4, 1, 6), [1], None), ((13, 7), [0], {"x": T01}),
    ((5, 12), [1], {"x": [["slice", 1, 1, 12, 2]]}), ((3, 1, 5), [1], {"x": [["expand", [3, 4, 5]]]}),
    ((3, 1, 5), None, {"x": [["expand", [3, 4, 5]]]}), ((16, 33), [0, 1], None), ((61,), [0], None),
    ((3, 0), [1], None), ((0, 4), [0], None), ((3, 0), None, None), ((), None, None), ((), [0], None),
]
for name in ("sum", "mean", "logsumexp"):
    for i, (shape, dims, views) in enumerate(SHAPES):
        for keepdim in (False, True):
            x = fx.randn(*shape, scale=2.0)
            fx.grad_case(f"{name}_{i}_{int(keepdim)}", name, reduce_fn(name, dims, keepdim), {"x": x},
                         args=dims_args(dims, keepdim), views=views)

# logsumexp with -inf: masked entries get 0; a group that is all -inf gives -inf and NaN gradients.
x = fx.randn(5, 9)
x[0, 2] = x[1, 0] = x[1, 8] = x[3, 4] = -INF
x[2] = -INF
for i, (dims, keepdim) in enumerate([([1], False), ([-1], True)]):
    fx.grad_case(f"logsumexp_inf_{i}", "logsumexp", reduce_fn("logsumexp", dims, keepdim), {"x": x},
                 args=dims_args(dims, keepdim))
y = fx.randn(4, 6)
y[:, 1] = -INF
fx.grad_case("logsumexp_inf_cols", "logsumexp", reduce_fn("logsumexp", [0], False), {"x": y},
             args=dims_args([0], False))

# ---- prod: no zeros, one zero, two or more zeros, several dims -----------------------------------------------


def factors(*shape):
    """Values of magnitude 0.6..1.6 with random signs: products of a few dozen stay moderate."""
    return fx.rand(*shape, low=0.6, high=1.6) * (2 * (fx.rand(*shape) > 0.5) - 1)


PROD = [((17,), None, None), ((3, 5, 7), [1], None), ((3, 5, 7), [-1], None), ((2, 3, 4, 5), [0, 2], None),
        ((13, 7), [0], {"x": T01}), ((5, 12), [1], {"x": [["slice", 1, 1, 12, 2]]}),
        ((3, 1, 5), [1], {"x": [["expand", [3, 4, 5]]]}), ((4, 1, 6), [1], None), ((3, 0), [1], None),
        ((), None, None)]
for i, (shape, dims, views) in enumerate(PROD):
    for keepdim in (False, True):
        fx.grad_case(f"prod_{i}_{int(keepdim)}", "prod", reduce_fn("prod", dims, keepdim), {"x": factors(*shape)},
                     args=dims_args(dims, keepdim), views=views)
z = factors(6, 7)
z[0, 3] = 0  # one zero
z[1, 0] = z[1, 5] = 0  # two zeros
z[2, 6] = 0  # one zero at the end
z[3, 0] = 0  # one zero at the start
z[4, 1] = z[4, 2] = z[4, 4] = 0  # three zeros
for i, (dims, keepdim) in enumerate([([1], False), ([-1], True), ([0], False)]):
    fx.grad_case(f"prod_zeros_{i}", "prod", reduce_fn("prod", dims, keepdim), {"x": z}, args=dims_args(dims, keepdim))
fx.grad_case("prod_zeros_T", "prod", reduce_fn("prod", [0], False), {"x": z}, args=dims_args([0], False),
             views={"x": T01})
z3 = factors(3, 4, 5)
z3[0, 1, 2] = 0
z3[1, 0, 0] = z3[1, 3, 4] = 0
fx.grad_case("prod_zeros_multi", "prod", reduce_fn("prod", [0, 2], False), {"x": z3},
             args=dims_args([0, 2], False))
fx.grad_case("prod_zeros_multi2", "prod", reduce_fn("prod", [1, 2], True), {"x": z3}, args=dims_args([1, 2], True))
one = factors(4, 5)
one[2, 3] = 0
fx.grad_case("prod_all_one_zero", "prod", reduce_fn("prod", None, False), {"x": one}, args=dims_args(None, False))
two = one.clone()
two[0, 0] = 0
fx.grad_case("prod_all_two_zeros", "prod", reduce_fn("prod", None, False), {"x": two}, args=dims_args(None, False))

# ---- amax/amin (ties split evenly), max()/min() of everything, max/min(dim) (first index) ---------------------


def ties(*shape):
    """Small integers as floats: many ties for the extremes."""
    return fx.randint(-2, 3, *shape).float()


AMAX = [((17,), None, None), ((6, 7), [1], None), ((6, 7), [-1], None), ((3, 4, 5), [0, 2], None),
        ((13, 7), [0], {"x": T01}), ((5, 12), [1], {"x": [["slice", 1, 1, 12, 2]]}),
        ((3, 1, 5), [1], {"x": [["expand", [3, 4, 5]]]}), ((3, 1, 5), None, {"x": [["expand", [3, 4, 5]]]}),
        ((0, 4), [1], None), ((), [0], None), ((33, 3), [0], None)]
for name in ("amax", "amin"):
    for i, (shape, dims, views) in enumerate(AMAX):
        for keepdim in (False, True):
            fx.grad_case(f"{name}_{i}_{int(keepdim)}", name, reduce_fn(name, dims, keepdim), {"x": ties(*shape)},
                         args=dims_args(dims, keepdim), views=views)
    # Distinct values too: the whole gradient goes to one element.
    fx.grad_case(f"{name}_distinct", name, reduce_fn(name, [1], False), {"x": fx.randn(7, 13)},
                 args=dims_args([1], False))
for name, f in (("max_all", torch.max), ("min_all", torch.min)):
    for i, (shape, views) in enumerate([((5, 7), None), ((13, 7), {"x": T01}),
                                        ((3, 1, 5), {"x": [["expand", [3, 4, 5]]]}), ((), None), ((1,), None)]):
        fx.grad_case(f"{name}_{i}", name, lambda x, f=f: f(x), {"x": ties(*shape)}, views=views)
    fx.grad_case(f"{name}_distinct", name, lambda x, f=f: f(x), {"x": fx.randn(4, 9)})
# NaN: amax's group gets NaN gradients; max()/min() of everything send the gradient to the NaNs.
xn = ties(4, 6)
xn[1, 2] = xn[3, 0] = xn[3, 5] = NAN
fx.grad_case("amax_nan", "amax", reduce_fn("amax", [1], False), {"x": xn}, args=dims_args([1], False))
fx.grad_case("amin_nan", "amin", reduce_fn("amin", [1], True), {"x": xn}, args=dims_args([1], True))
fx.grad_case("max_all_nan", "max_all", lambda x: torch.max(x), {"x": xn})
fx.grad_case("min_all_nan", "min_all", lambda x: torch.min(x), {"x": xn})
for name, f in (("max_dim", torch.max), ("min_dim", torch.min)):
    for i, (shape, dim, views) in enumerate([((6, 7), 1, None), ((6, 7), -2, None), ((3, 4, 5), 1, None),
                                             ((13, 7), 0, {"x": T01}), ((5, 12), 1, {"x": [["slice", 1, 1, 12, 2]]}),
                                             ((3, 1, 5), 1, {"x": [["expand", [3, 4, 5]]]}), ((0, 4), 1, None),
                                             ((), 0, None), ((17, 33), 0, None)]):
        for keepdim in (False, True):
            fx.grad_case(f"{name}_{i}_{int(keepdim)}", name,
                         lambda x, f=f, dim=dim, keepdim=keepdim: tuple(f(x, dim, keepdim=keepdim)),
                         {"x": ties(*shape)}, args={"dim": dim, "keepdim": keepdim}, views=views)

# ---- var, std --------------------------------------------------------------------------------------------------
VAR = [((17,), None, None), ((6, 7), [1], None), ((6, 7), [-1], None), ((3, 4, 5), [0, 2], None),
       ((13, 7), [0], {"x": T01}), ((5, 12), [1], {"x": [["slice", 1, 1, 12, 2]]}),
       ((3, 1, 5), [1], {"x": [["expand", [3, 4, 5]]]}), ((33, 16), [0, 1], None), ((4, 3), [1], None)]
for name, f in (("var", torch.var), ("std", torch.std)):
    for i, (shape, dims, views) in enumerate(VAR):
        for correction in (0, 1, 2):
            for keepdim in (False, True):
                x = fx.randn(*shape, scale=1.5)
                fx.grad_case(f"{name}_{i}_c{correction}_{int(keepdim)}", name,
                             lambda x, f=f, dims=dims, c=correction, k=keepdim: f(x, dims, correction=c, keepdim=k),
                             {"x": x}, args={**dims_args(dims, keepdim), "correction": correction}, views=views)
    # Constant groups: std = 0 gives gradient 0 there; var's is 0 too.
    x = fx.randn(4, 6)
    x[1] = 0.75
    x[3] = -2.0
    fx.grad_case(f"{name}_constant", name, lambda x, f=f: f(x, [1], correction=1), {"x": x},
                 args={"dims": [1], "keepdim": False, "correction": 1})
    # N - correction <= 0 over explicit dims: 2/dof is infinite or negative.
    for i, (shape, dims, correction) in enumerate([((1,), [0], 1), ((2,), [0], 2), ((3, 2), [1], 2), ((2,), [0], 3),
                                                   ((3, 1), [1], 1), ((2, 2), [0, 1], 4), ((), [0], 1),
                                                   ((), [0], 2), ((), None, 1), ((), None, 0)]):
        x = fx.randn(*shape)
        if shape == (3, 2):
            x[1, 1] = x[1, 0]
        fx.grad_case(f"{name}_dof_{i}", name,
                     lambda x, f=f, dims=dims, c=correction: f(x, dims, correction=c), {"x": x},
                     args={**dims_args(dims, False), "correction": correction})
    # Over everything with N = correction, PyTorch's rule returns g * inf; only shapes that keep g's shape work there.
    fx.grad_case(f"{name}_all_dof0", name, lambda x, f=f: f(x, None, correction=1, keepdim=True),
                 {"x": fx.randn(1, 1)}, args={"keepdim": True, "correction": 1})
    fx.grad_case(f"{name}_all_negdof", name, lambda x, f=f: f(x, None, correction=3), {"x": fx.randn(2)},
                 args={"keepdim": False, "correction": 3})

# ---- cumsum, cumprod --------------------------------------------------------------------------------------------
SCAN = [((17,), 0, None), ((6, 7), 1, None), ((6, 7), -2, None), ((3, 4, 5), 1, None), ((13, 7), 0, {"x": T01}),
        ((5, 12), 1, {"x": [["slice", 1, 1, 12, 2]]}), ((3, 1, 5), 1, {"x": [["expand", [3, 4, 5]]]}),
        ((4, 1), 1, None), ((0, 4), 1, None), ((3, 0), 1, None), ((), 0, None), ((1,), 0, None), ((2, 33), 1, None)]
for name in ("cumsum", "cumprod"):
    for i, (shape, dim, views) in enumerate(SCAN):
        x = fx.randn(*shape) if name == "cumsum" else factors(*shape)
        fx.grad_case(f"{name}_{i}", name, lambda x, name=name, dim=dim: getattr(x, name)(dim), {"x": x},
                     args={"dim": dim}, views=views)
z = factors(7, 8)
z[0, 3] = 0  # one zero mid-row
z[1, 0] = 0  # zero first
z[2, 7] = 0  # zero last
z[3, 2] = z[3, 5] = 0  # two zeros
z[4, 1] = z[4, 2] = 0  # adjacent zeros
z[5, 0] = z[5, 3] = z[5, 7] = 0  # three zeros
for i, (dim, views) in enumerate([(1, None), (-1, None), (0, None), (0, {"x": T01})]):
    fx.grad_case(f"cumprod_zeros_{i}", "cumprod", lambda x, dim=dim: x.cumprod(dim), {"x": z}, args={"dim": dim},
                 views=views)
fx.grad_case("cumprod_all_zero", "cumprod", lambda x: x.cumprod(0), {"x": torch.zeros(5)}, args={"dim": 0})

# ---- softmax, log_softmax ----------------------------------------------------------------------------------------
x4 = fx.randn(2, 3, 4, 5, scale=2.0)
SOFT = [((2, 3, 4, 5), d, None) for d in (0, 1, 2, 3, -1)] + [
    ((13, 7), 1, {"x": T01}), ((5, 12), 1, {"x": [["slice", 1, 1, 12, 2]]}),
    ((3, 1, 5), 1, {"x": [["expand", [3, 4, 5]]]}), ((4, 1), 1, None), ((17,), 0, None), ((3, 33), -1, None),
    ((0, 4), 1, None), ((), 0, None)]
for name, f in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
    for i, (shape, dim, views) in enumerate(SOFT):
        x = x4 if shape == (2, 3, 4, 5) else fx.randn(*shape, scale=2.0)
        fx.grad_case(f"{name}_{i}", name, lambda x, f=f, dim=dim: f(x, dim), {"x": x}, args={"dim": dim},
                     views=views)
    # Attention-style -inf masks: masked entries get probability 0; a fully masked row is NaN.
    m = fx.randn(5, 9)
    m[0, 2] = m[1, 0] = m[1, 8] = m[3, 4] = m[3, 5] = -INF
    m[2] = -INF
    fx.grad_case(f"{name}_inf", name, lambda x, f=f: f(x, 1), {"x": m}, args={"dim": 1})
    m = fx.randn(5, 9)
    m[0, 2] = m[1, 0] = m[4, 8] = -INF
    fx.grad_case(f"{name}_inf_rows", name, lambda x, f=f: f(x, 1), {"x": m}, args={"dim": 1})
    fx.grad_case(f"{name}_inf_T", name, lambda x, f=f: f(x, 0), {"x": m}, args={"dim": 0}, views={"x": T01})

fx.save()
