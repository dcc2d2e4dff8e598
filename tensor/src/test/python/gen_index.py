"""Golden fixtures for indexing, sorting and joining: index_select, gather, scatter_add, one_hot, sort, argsort,
topk, cat, stack, split, chunk, unbind and masked_fill with a broadcast mask.

Ops that return lists store their outputs as out0, out1, ...; ops that take lists store their inputs as x0, x1, ...
(args["n"] says how many).

Run: /usr/bin/python3 tensor/src/test/python/gen_index.py
"""
import torch

from golden import Fixture, apply_views

fx = Fixture("index", seed=3)


def distinct(*shape, scale=1.0):
    """Values without ties (a random permutation, scaled), so that top-k has one right answer."""
    n = 1
    for s in shape:
        n *= s
    return (torch.randperm(n, generator=fx.gen).float() - n / 2).reshape(shape) * scale


def with_views(x, chain):
    return apply_views(x, chain)


# ---- index_select -------------------------------------------------------------------------------------------
X3 = (5, 13, 9)
for d in range(3):
    x = fx.randn(*X3)
    n = X3[d]
    for name, idx in [("rep", torch.tensor([2, 0, 2, n - 1, 1, 2])), ("empty", torch.zeros(0, dtype=torch.int64)),
                      ("all", torch.arange(n - 1, -1, -1))]:
        fx.case(f"index_select_d{d}_{name}", "index_select", {"x": x, "index": idx},
                {"out": x.index_select(d, idx)}, args={"dim": d})
    idx32 = torch.tensor([1, 1, 0, 3], dtype=torch.int32)
    fx.case(f"index_select_d{d}_i32", "index_select", {"x": x, "index": idx32},
            {"out": x.index_select(d, idx32)}, args={"dim": d})
    idx0 = torch.tensor(n - 2)
    fx.case(f"index_select_d{d}_0d_index", "index_select", {"x": x, "index": idx0},
            {"out": x.index_select(d, idx0)}, args={"dim": d})
fx.case("index_select_neg_dim", "index_select", {"x": x, "index": torch.tensor([0, 8, 4])},
        {"out": x.index_select(-1, torch.tensor([0, 8, 4]))}, args={"dim": -1})
# Long inner blocks (the System.arraycopy path) and every dtype.
x = fx.randn(3, 7, 40)
for dtype in [torch.float32, torch.bfloat16, torch.float16, torch.int32, torch.int64, torch.bool]:
    xd = (x * 10).to(dtype) if dtype != torch.bool else x > 0
    idx = torch.tensor([6, 0, 3, 3])
    tag = str(dtype).split(".")[1]
    fx.case(f"index_select_{tag}", "index_select", {"x": xd, "index": idx}, {"out": xd.index_select(1, idx)},
            args={"dim": 1}, tol=0.0)
    fx.case(f"index_select_{tag}_last", "index_select", {"x": xd, "index": idx}, {"out": xd.index_select(2, idx)},
            args={"dim": 2}, tol=0.0)
# Non-contiguous inputs.
for i, (base, chain, d) in enumerate([((13, 17), [["transpose", 0, 1]], 0), ((9, 40), [["slice", 1, 1, 40, 3]], 1),
                                      ((4, 5, 6), [["permute", [2, 0, 1]]], 2),
                                      ((5, 1, 7), [["expand", [5, 3, 7]]], 1)]):
    x = fx.randn(*base)
    xv = with_views(x, chain)
    idx = torch.tensor([0, xv.shape[d] - 1, 1])
    fx.case(f"index_select_view{i}", "index_select", {"x": x, "index": idx}, {"out": xv.index_select(d, idx)},
            args={"dim": d}, views={"x": chain})
x0 = torch.tensor(2.5)
fx.case("index_select_0d_x", "index_select", {"x": x0, "index": torch.tensor([0])},
        {"out": x0.index_select(0, torch.tensor([0]))}, args={"dim": 0})
fx.case("index_select_0d_x_0d_index", "index_select", {"x": x0, "index": torch.tensor(0)},
        {"out": x0.index_select(0, torch.tensor(0))}, args={"dim": 0})
x = fx.randn(0, 4)
fx.case("index_select_empty_x", "index_select", {"x": x, "index": torch.tensor([3, 1])},
        {"out": x.index_select(1, torch.tensor([3, 1]))}, args={"dim": 1})

# ---- gather -------------------------------------------------------------------------------------------------
x = fx.randn(4, 6, 5)
for d, ishape in [(0, (7, 6, 5)), (1, (4, 9, 5)), (2, (4, 6, 3)), (0, (2, 3, 4)), (1, (3, 2, 5)), (2, (1, 6, 8)),
                  (1, (4, 0, 5))]:
    idx = fx.randint(0, x.shape[d], *ishape)
    fx.case(f"gather_d{d}_{'x'.join(map(str, ishape))}", "gather", {"x": x, "index": idx},
            {"out": torch.gather(x, d, idx)}, args={"dim": d})
idx = fx.randint(0, 6, 4, 3, 5).int()
fx.case("gather_i32", "gather", {"x": x, "index": idx}, {"out": torch.gather(x, 1, idx.long())}, args={"dim": 1})
xi = fx.randint(-100, 100, 4, 6, 5)
idx = fx.randint(0, 5, 4, 6, 2)
fx.case("gather_int64_x", "gather", {"x": xi, "index": idx}, {"out": torch.gather(xi, -1, idx)}, args={"dim": -1})
xt = fx.randn(6, 4)
idx = fx.randint(0, 4, 5, 3)
fx.case("gather_view", "gather", {"x": xt, "index": idx}, {"out": torch.gather(xt.t(), 0, idx)}, args={"dim": 0},
        views={"x": [["transpose", 0, 1]]})
fx.case("gather_0d", "gather", {"x": torch.tensor(4.0), "index": torch.tensor(0)},
        {"out": torch.gather(torch.tensor(4.0), 0, torch.tensor(0))}, args={"dim": 0})

# ---- scatter_add --------------------------------------------------------------------------------------------
for dtype in [torch.float32, torch.int32, torch.int64]:
    tag = str(dtype).split(".")[1]
    for d in range(3):
        self_shape = [5, 6, 7]
        self_shape[d] = 4
        base = (fx.randn(*self_shape) * 5).to(dtype)
        src = (fx.randn(5, 6, 7) * 5).to(dtype)
        ishape = [5, 6, 7]
        ishape[d] = 9  # more index rows than self has: repeated targets
        ishape[(d + 1) % 3] -= 2  # smaller than src in another dim
        ishape = [min(i, s) if k != d else i for k, (i, s) in enumerate(zip(ishape, [5, 6, 7]))]
        src = (fx.randn(*[max(a, b) for a, b in zip(ishape, [5, 6, 7])]) * 5).to(dtype)
        idx = fx.randint(0, 4, *ishape)
        fx.case(f"scatter_add_{tag}_d{d}", "scatter_add", {"self": base, "index": idx, "src": src},
                {"out": base.scatter_add(d, idx, src)}, args={"dim": d})
s = torch.zeros(5)
idx = torch.tensor([0, 0, 0, 4, 4, 2, 0])
src = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
fx.case("scatter_add_1d_repeated", "scatter_add", {"self": s, "index": idx, "src": src},
        {"out": s.scatter_add(0, idx, src)}, args={"dim": 0})
idx = torch.zeros(2, 0, dtype=torch.int64)
s = fx.randn(2, 3)
fx.case("scatter_add_empty_index", "scatter_add", {"self": s, "index": idx, "src": fx.randn(2, 3)},
        {"out": s.clone()}, args={"dim": 1})

# ---- one_hot ------------------------------------------------------------------------------------------------
lab = fx.randint(0, 7, 3, 5)
fx.case("one_hot_7", "one_hot", {"x": lab}, {"out": torch.nn.functional.one_hot(lab, 7)}, args={"num_classes": 7})
fx.case("one_hot_infer", "one_hot", {"x": lab}, {"out": torch.nn.functional.one_hot(lab)}, args={"num_classes": -1})
lab1 = torch.tensor([3, 0, 1])
fx.case("one_hot_1d", "one_hot", {"x": lab1}, {"out": torch.nn.functional.one_hot(lab1, 5)},
        args={"num_classes": 5})
lab0 = torch.tensor(2)
fx.case("one_hot_0d", "one_hot", {"x": lab0}, {"out": torch.nn.functional.one_hot(lab0, 3)},
        args={"num_classes": 3})

# ---- sort and argsort (stable, NaN, ties) -------------------------------------------------------------------
tied = torch.round(fx.randn(4, 17, 6) * 2)  # many ties
tied[0, 3, 1] = float("nan")
tied[1, 0, 0] = float("nan")
tied[1, 5, 0] = float("nan")
tied[2, :, 2] = float("nan")
tied[3, 1, 3] = -0.0
tied[3, 2, 3] = 0.0
tied[3, 4, 3] = float("inf")
tied[3, 6, 3] = -float("inf")
for d in range(3):
    for desc in [False, True]:
        v, i = torch.sort(tied, dim=d, descending=desc, stable=True)
        tag = f"d{d}_{'desc' if desc else 'asc'}"
        fx.case(f"sort_f32_{tag}", "sort", {"x": tied}, {"values": v, "indices": i},
                args={"dim": d, "descending": desc})
        fx.case(f"argsort_f32_{tag}", "argsort", {"x": tied},
                {"out": torch.sort(tied, dim=d, descending=desc, stable=True).indices},
                args={"dim": d, "descending": desc})
long_row = torch.round(fx.randn(3, 301) * 20)  # long rows: the sort's merge and Arrays.sort paths
long_row[1, ::7] = float("nan")
for desc in [False, True]:
    v, i = torch.sort(long_row, dim=1, descending=desc, stable=True)
    fx.case(f"sort_long_{'desc' if desc else 'asc'}", "sort", {"x": long_row}, {"values": v, "indices": i},
            args={"dim": 1, "descending": desc})
for dtype in [torch.int32, torch.int64]:
    tag = str(dtype).split(".")[1]
    xi = fx.randint(-5, 5, 6, 45).to(dtype)
    xi[0, 0] = torch.iinfo(dtype).max
    xi[0, 1] = torch.iinfo(dtype).min
    for d in range(2):
        for desc in [False, True]:
            v, i = torch.sort(xi, dim=d, descending=desc, stable=True)
            fx.case(f"sort_{tag}_d{d}_{'desc' if desc else 'asc'}", "sort", {"x": xi}, {"values": v, "indices": i},
                    args={"dim": d, "descending": desc})
xt = torch.round(fx.randn(19, 7) * 2)
v, i = torch.sort(xt.t(), dim=1, stable=True)
fx.case("sort_view", "sort", {"x": xt}, {"values": v, "indices": i}, args={"dim": 1, "descending": False},
        views={"x": [["transpose", 0, 1]]})
hb = torch.round(fx.randn(33) * 3).to(torch.bfloat16)
v, i = torch.sort(hb, descending=True, stable=True)
fx.case("sort_bf16", "sort", {"x": hb}, {"values": v.float(), "indices": i}, args={"dim": 0, "descending": True})
for name, x in [("0d", torch.tensor(3.0)), ("empty", torch.zeros(3, 0)), ("one", torch.tensor([[2.0], [1.0]]))]:
    v, i = torch.sort(x, dim=-1, stable=True)
    fx.case(f"sort_{name}", "sort", {"x": x}, {"values": v, "indices": i}, args={"dim": -1, "descending": False})

# ---- topk (no ties) -----------------------------------------------------------------------------------------
x = distinct(5, 23, 4, scale=0.37)
for d, k in [(0, 2), (1, 5), (1, 23), (2, 1), (2, 0), (1, 1)]:
    for largest in [True, False]:
        v, i = torch.topk(x, k, dim=d, largest=largest, sorted=True)
        fx.case(f"topk_d{d}_k{k}_{'largest' if largest else 'smallest'}", "topk", {"x": x},
                {"values": v, "indices": i}, args={"k": k, "dim": d, "largest": largest})
xl = distinct(2, 300, scale=0.01)  # long rows: quickselect partitions before the final sort
xl[0, 17] = float("nan")  # NaN counts as the largest value
for largest in [True, False]:
    for k in [1, 10, 299]:
        v, i = torch.topk(xl, k, dim=1, largest=largest, sorted=True)
        fx.case(f"topk_long_k{k}_{'largest' if largest else 'smallest'}", "topk", {"x": xl},
                {"values": v, "indices": i}, args={"k": k, "dim": 1, "largest": largest})
for dtype in [torch.int32, torch.int64]:
    tag = str(dtype).split(".")[1]
    xi = distinct(4, 37).to(dtype)
    for largest in [True, False]:
        v, i = torch.topk(xi, 6, dim=1, largest=largest, sorted=True)
        fx.case(f"topk_{tag}_{'largest' if largest else 'smallest'}", "topk", {"x": xi},
                {"values": v, "indices": i}, args={"k": 6, "dim": 1, "largest": largest})
xt = distinct(12, 5)
v, i = torch.topk(xt.t(), 3, dim=1)
fx.case("topk_view", "topk", {"x": xt}, {"values": v, "indices": i}, args={"k": 3, "dim": 1, "largest": True},
        views={"x": [["transpose", 0, 1]]})
v, i = torch.topk(torch.tensor(1.5), 1)
fx.case("topk_0d", "topk", {"x": torch.tensor(1.5)}, {"values": v, "indices": i},
        args={"k": 1, "dim": 0, "largest": True})


# ---- cat and stack ------------------------------------------------------------------------------------------
def list_case(name, op, parts, out, args, views=None):
    inputs = {f"x{i}": p for i, p in enumerate(parts)}
    fx.case(name, op, inputs, {"out": out}, args=dict(args, n=len(parts)), views=views)


for d in range(3):
    shapes = [[3, 4, 5], [3, 4, 5], [3, 4, 5]]
    for j, extent in enumerate([2, 7, 1]):
        shapes[j][d] = extent
    parts = [fx.randn(*s) for s in shapes]
    list_case(f"cat_d{d}", "cat", parts, torch.cat(parts, d), {"dim": d})
    shapes[1][d] = 0
    parts = [fx.randn(*s) for s in shapes]
    list_case(f"cat_d{d}_empty_part", "cat", parts, torch.cat(parts, d), {"dim": d})
parts = [fx.randn(4, 3), fx.randn(2, 4), fx.randn(4, 9)]
chains = {"x1": [["transpose", 0, 1]], "x2": [["slice", 1, 0, 9, 2]]}
views_applied = [apply_views(p, chains.get(f"x{i}")) for i, p in enumerate(parts)]
list_case("cat_views", "cat", parts, torch.cat(views_applied, 1), {"dim": 1}, views=chains)
parts = [torch.empty(0), fx.randn(2, 3), torch.empty(0), fx.randn(1, 3)]
list_case("cat_skip_1d_empty", "cat", parts, torch.cat(parts, 0), {"dim": 0})
parts = [fx.randint(0, 9, 2, 3), fx.randn(2, 3)]
list_case("cat_mixed_dtypes", "cat", parts, torch.cat(parts, -1), {"dim": -1})
parts = [fx.randint(0, 9, 2, 3).int(), fx.randint(0, 9, 1, 3).int()]
list_case("cat_int32", "cat", parts, torch.cat(parts, 0), {"dim": 0})
parts = [fx.randn(5)]
list_case("cat_single", "cat", parts, torch.cat(parts, 0), {"dim": 0})
for d in [0, 1, 2, -1]:
    parts = [fx.randn(3, 4) for _ in range(3)]
    list_case(f"stack_d{d}", "stack", parts, torch.stack(parts, d), {"dim": d})
parts = [fx.randn(6, 3), fx.randn(3, 6)]
chains = {"x0": [["slice", 0, 0, 6, 2]], "x1": [["transpose", 0, 1], ["narrow", 0, 1, 3]]}
views_applied = [apply_views(p, chains.get(f"x{i}")) for i, p in enumerate(parts)]
list_case("stack_views", "stack", parts, torch.stack(views_applied, 1), {"dim": 1}, views=chains)
parts = [torch.tensor(1.0), torch.tensor(2.0)]
list_case("stack_0d", "stack", parts, torch.stack(parts), {"dim": 0})


# ---- split, chunk, unbind ------------------------------------------------------------------------------------
def multi_case(name, op, x, outs, args, views=None):
    fx.case(name, op, {"x": x}, {f"out{i}": o for i, o in enumerate(outs)}, args=args, views=views)


x = fx.randn(7, 10, 3)
for d, size in [(0, 3), (1, 4), (1, 10), (1, 11), (2, 1), (-1, 2)]:
    multi_case(f"split_size_d{d}_{size}", "split", x, torch.split(x, size, d), {"dim": d, "size": size})
for d, sizes in [(0, [1, 6]), (1, [3, 0, 7]), (2, [3]), (1, [2, 2, 2, 2, 2])]:
    multi_case(f"split_sizes_d{d}_{len(sizes)}", "split_sizes", x, torch.split(x, sizes, d),
               {"dim": d, "sizes": sizes})
for n, chunks in [(10, 3), (10, 4), (6, 4), (5, 5), (2, 5), (0, 3), (7, 1), (1, 3)]:
    y = fx.randn(n, 2)
    multi_case(f"chunk_{n}_{chunks}", "chunk", y, torch.chunk(y, chunks, 0), {"dim": 0, "chunks": chunks})
multi_case("chunk_view", "chunk", x, torch.chunk(x.transpose(0, 2), 2, 1), {"dim": 1, "chunks": 2},
           views={"x": [["transpose", 0, 2]]})
for d in range(3):
    multi_case(f"unbind_d{d}", "unbind", x, torch.unbind(x, d), {"dim": d})
multi_case("unbind_view", "unbind", x, torch.unbind(x.permute(2, 0, 1), 1), {"dim": 1},
           views={"x": [["permute", [2, 0, 1]]]})

# ---- masked_fill with a broadcast mask -----------------------------------------------------------------------
x = fx.randn(4, 3, 13)
for i, mshape in enumerate([(13,), (3, 1), (4, 1, 1), (4, 3, 13), ()]):
    mask = fx.rand(*mshape) > 0.5
    fx.case(f"masked_fill_{i}", "masked_fill", {"x": x, "mask": mask}, {"out": x.masked_fill(mask, -2.5)},
            args={"value": -2.5})
xi = fx.randint(-9, 9, 5, 6)
mask = fx.rand(6) > 0.5
fx.case("masked_fill_int", "masked_fill", {"x": xi, "mask": mask}, {"out": xi.masked_fill(mask, 7)},
        args={"value": 7})
fx.case("masked_fill_view", "masked_fill", {"x": xi, "mask": mask}, {"out": xi.t().masked_fill(mask[:, None], 7)},
        args={"value": 7}, views={"x": [["transpose", 0, 1]], "mask": [["unsqueeze", 1]]})

fx.save()
