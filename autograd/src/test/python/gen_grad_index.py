"""Gradient fixtures of joining, splitting, indexing and sorting: cat, stack, split, chunk, unbind, index_select,
gather, scatter_add, sort and topk (inputs, upstream gradients, PyTorch outputs and input gradients).

Run: /usr/bin/python3 autograd/src/test/python/gen_grad_index.py
"""
import torch

from gradgolden import GradFixture

fx = GradFixture("grad_index", seed=23)


def seq(n, fn):
    """fn(**{x0: ..., x1: ...}) with the inputs in order, for ops that take a list."""
    return lambda **kw: fn([kw[f"x{i}"] for i in range(n)])


# ---- cat: along each dim, non-contiguous parts, empty parts, mixed dtypes --------------------------------------
CAT = [
    ("dim0", 0, [(3, 5), (4, 5), (1, 5)], None),
    ("dim1", 1, [(2, 3, 4), (2, 1, 4), (4, 5, 2)], {"x2": [["permute", [2, 1, 0]]]}),
    ("dim_last", -1, [(3, 2, 7), (3, 2, 10), (3, 2, 1)], {"x1": [["slice", 2, 1, 10, 2]]}),
    ("dim_last_transposed", 1, [(6, 3), (5, 6)], {"x1": [["transpose", 0, 1]]}),
    ("middle_strided", 1, [(4, 7, 3), (4, 2, 3)], {"x0": [["slice", 1, 0, 7, 3]]}),
    ("empty_dim", 1, [(3, 4), (3, 0), (3, 2)], None),
    ("empty_dim0", 0, [(0, 5), (2, 5), (0, 5)], None),
]
for name, dim, shapes, views in CAT:
    n = len(shapes)
    fx.grad_case(f"cat_{name}", "cat", seq(n, lambda xs, dim=dim: torch.cat(xs, dim)),
                 {f"x{i}": fx.randn(*s) for i, s in enumerate(shapes)}, args={"dim": dim, "n": n}, views=views)
# 1-D empty inputs are skipped (whatever the others' rank) and get an empty gradient.
fx.grad_case("cat_skip_1d_empty", "cat", seq(3, lambda xs: torch.cat(xs, 1)),
             {"x0": fx.randn(0), "x1": fx.randn(3, 4), "x2": fx.randn(3, 5)}, args={"dim": 1, "n": 3})
fx.grad_case("cat_1d_empty_middle", "cat", seq(3, lambda xs: torch.cat(xs, 0)),
             {"x0": fx.randn(7), "x1": fx.randn(0), "x2": fx.randn(13)}, args={"dim": 0, "n": 3})
# Mixed dtypes promote; the F16 input's gradient converts back to F16.
fx.grad_case("cat_mixed_dtypes", "cat", seq(2, lambda xs: torch.cat(xs, 1)),
             {"x0": fx.randn(3, 4).half(), "x1": fx.randn(3, 5)}, args={"dim": 1, "n": 2})

# ---- stack: new first, middle and last dim ---------------------------------------------------------------------
for dim, tag in [(0, "first"), (1, "middle"), (2, "last"), (-1, "neg")]:
    fx.grad_case(f"stack_{tag}", "stack", seq(3, lambda xs, dim=dim: torch.stack(xs, dim)),
                 {"x0": fx.randn(3, 5), "x1": fx.randn(5, 3), "x2": fx.randn(3, 9)},
                 args={"dim": dim, "n": 3}, views={"x1": [["transpose", 0, 1]], "x2": [["slice", 1, 0, 9, 2]]})

# ---- split, chunk, unbind: one node, the gradient joined back (zeros for unused pieces) --------------------------
x = fx.randn(4, 13, 3)
fx.grad_case("split_size_dim1", "split_size", lambda x: list(torch.split(x, 5, 1)), {"x": x},
             args={"size": 5, "dim": 1})
fx.grad_case("split_size_exact", "split_size", lambda x: list(torch.split(x, 2, 0)), {"x": fx.randn(4, 6)},
             args={"size": 2, "dim": 0})
fx.grad_case("split_sizes_dim1", "split_sizes", lambda x: list(torch.split(x, [2, 7, 0, 4], 1)), {"x": x},
             args={"sizes": [2, 7, 0, 4], "dim": 1})
fx.grad_case("split_sizes_last_transposed", "split_sizes", lambda x: list(torch.split(x, [3, 1, 5], -1)),
             {"x": fx.randn(9, 5)}, args={"sizes": [3, 1, 5], "dim": -1}, views={"x": [["transpose", 0, 1]]})
fx.grad_case("chunk_uneven", "chunk", lambda x: list(torch.chunk(x, 4, 0)), {"x": fx.randn(10, 3)},
             args={"chunks": 4, "dim": 0})
fx.grad_case("chunk_uneven_last", "chunk", lambda x: list(torch.chunk(x, 3, -1)), {"x": fx.randn(2, 3, 11)},
             args={"chunks": 3, "dim": -1})
fx.grad_case("chunk_qkv", "chunk", lambda x: list(torch.chunk(x, 3, -1)), {"x": fx.randn(2, 5, 3 * 8)},
             args={"chunks": 3, "dim": -1})
fx.grad_case("unbind_dim0", "unbind", lambda x: list(torch.unbind(x, 0)), {"x": fx.randn(3, 4, 5)},
             args={"dim": 0})
fx.grad_case("unbind_middle_permuted", "unbind", lambda x: list(torch.unbind(x, 1)), {"x": fx.randn(3, 4, 5)},
             args={"dim": 1}, views={"x": [["permute", [2, 0, 1]]]})
fx.grad_case("unbind_last", "unbind", lambda x: list(torch.unbind(x, -1)), {"x": fx.randn(7, 2)},
             args={"dim": -1})
# Only some pieces reach the loss: the others contribute zero gradient.
fx.grad_case("split_some_used", "split_size_pick", lambda x: [torch.split(x, 4, 1)[i] for i in (0, 2)],
             {"x": fx.randn(3, 11)}, args={"size": 4, "dim": 1, "pick": [0, 2]})
fx.grad_case("chunk_one_used", "chunk_pick", lambda x: [torch.chunk(x, 3, 0)[1]], {"x": fx.randn(9, 4)},
             args={"chunks": 3, "dim": 0, "pick": [1]})
fx.grad_case("unbind_some_used", "unbind_pick", lambda x: [torch.unbind(x, 2)[i] for i in (3, 1)],
             {"x": fx.randn(2, 3, 5)}, args={"dim": 2, "pick": [3, 1]})

# ---- index_select with repeated indices: first, middle, last dim -------------------------------------------------
rep = torch.tensor([4, 0, 4, 2, 4, 1, 0])
base = fx.randn(5, 6, 7)
for dim in (0, 1, 2):
    idx = rep if dim != 1 else torch.tensor([5, 5, 1, 3, 1])
    fx.grad_case(f"index_select_dim{dim}", "index_select", lambda x, index, dim=dim: torch.index_select(x, dim, index),
                 {"x": base, "index": idx}, args={"dim": dim})
fx.grad_case("index_select_i32_transposed", "index_select", lambda x, index: torch.index_select(x, -1, index),
             {"x": fx.randn(9, 4), "index": torch.tensor([8, 2, 2, 0, 8], dtype=torch.int32)}, args={"dim": -1},
             views={"x": [["transpose", 0, 1]]})
fx.grad_case("index_select_empty_index", "index_select", lambda x, index: torch.index_select(x, 0, index),
             {"x": fx.randn(4, 3), "index": torch.zeros(0, dtype=torch.int64)}, args={"dim": 0})

# ---- gather and scatter_add with repeated indices ------------------------------------------------------------------
fx.grad_case("gather_dim1_repeats", "gather", lambda x, index: torch.gather(x, 1, index),
             {"x": fx.randn(4, 6), "index": fx.randint(0, 6, 4, 9)}, args={"dim": 1})
fx.grad_case("gather_dim0_smaller", "gather", lambda x, index: torch.gather(x, 0, index),
             {"x": fx.randn(5, 6), "index": fx.randint(0, 5, 8, 3)}, args={"dim": 0})
fx.grad_case("gather_last_3d_transposed", "gather", lambda x, index: torch.gather(x, -1, index),
             {"x": fx.randn(3, 7, 2), "index": fx.randint(0, 7, 3, 2, 11)}, args={"dim": -1},
             views={"x": [["transpose", 1, 2]]})
fx.grad_case("scatter_add_dim0", "scatter_add", lambda x, index, src: x.scatter_add(0, index, src),
             {"x": fx.randn(4, 5), "index": fx.randint(0, 4, 7, 5), "src": fx.randn(7, 5)}, args={"dim": 0})
fx.grad_case("scatter_add_dim1_transposed", "scatter_add", lambda x, index, src: x.scatter_add(1, index, src),
             {"x": fx.randn(3, 6), "index": fx.randint(0, 6, 3, 10), "src": fx.randn(10, 3)}, args={"dim": 1},
             views={"src": [["transpose", 0, 1]]})
fx.grad_case("scatter_add_3d_middle", "scatter_add", lambda x, index, src: x.scatter_add(1, index, src),
             {"x": fx.randn(2, 3, 4), "index": fx.randint(0, 3, 2, 8, 4), "src": fx.randn(2, 8, 4)},
             args={"dim": 1})

# ---- sort and topk (random normal values: no ties) ---------------------------------------------------------------
for dim in (0, -1):
    for desc in (False, True):
        fx.grad_case(f"sort_dim{dim}_{'desc' if desc else 'asc'}", "sort",
                     lambda x, dim=dim, desc=desc: torch.sort(x, dim, desc)[0],
                     {"x": fx.randn(7, 13)}, args={"dim": dim, "descending": desc})
fx.grad_case("sort_middle_transposed", "sort", lambda x: torch.sort(x, 1, True)[0], {"x": fx.randn(3, 5, 17)},
             args={"dim": 1, "descending": True}, views={"x": [["transpose", 1, 2]]})
fx.grad_case("sort_1d", "sort", lambda x: torch.sort(x, 0, False)[0], {"x": fx.randn(31)},
             args={"dim": 0, "descending": False})
for largest in (True, False):
    tag = "largest" if largest else "smallest"
    fx.grad_case(f"topk_{tag}_last", "topk", lambda x, largest=largest: torch.topk(x, 3, -1, largest, True)[0],
                 {"x": fx.randn(6, 17)}, args={"k": 3, "dim": -1, "largest": largest})
    fx.grad_case(f"topk_{tag}_dim0", "topk", lambda x, largest=largest: torch.topk(x, 5, 0, largest, True)[0],
                 {"x": fx.randn(13, 4)}, args={"k": 5, "dim": 0, "largest": largest},
                 views={"x": [["slice", 1, 0, 4, 2]]})
fx.grad_case("topk_middle_strided", "topk", lambda x: torch.topk(x, 2, 1, True, True)[0], {"x": fx.randn(3, 14, 4)},
             args={"k": 2, "dim": 1, "largest": True}, views={"x": [["slice", 1, 1, 14, 2]]})
fx.grad_case("topk_all", "topk", lambda x: torch.topk(x, 7, 0, False, True)[0], {"x": fx.randn(7)},
             args={"k": 7, "dim": 0, "largest": False})

fx.save()
