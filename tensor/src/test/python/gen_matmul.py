"""Golden fixtures for matmul: torch.matmul's rank rules, broadcast batch dims, views, empty dims, K = 0.

Expected values are computed in float64 and rounded to float32, so the fixture holds the exact product rather
than one library's rounding. Run: /usr/bin/python3 tensor/src/test/python/gen_matmul.py
"""
import torch

from golden import Fixture

fx = Fixture("matmul", seed=7)


def add(name, a, b, views=None):
    v = fx.inputs_with_views({"a": a, "b": b}, views)
    out = torch.matmul(v["a"].double(), v["b"].double()).float()
    fx.case(name, "matmul", {"a": a, "b": b}, {"out": out}, views=views)


# 1-D and 2-D operands (vector-vector is a 0-d result).
for i, (sa, sb) in enumerate([((7,), (7,)), ((0,), (0,)), ((33,), (33,)), ((300,), (300,))]):
    add(f"vec_vec_{i}", fx.randn(*sa), fx.randn(*sb))
for i, (sa, sb) in enumerate([((7,), (7, 5)), ((13,), (13, 65)), ((1,), (1, 3)), ((64,), (64, 130)),
                              ((0,), (0, 4))]):
    add(f"vec_mat_{i}", fx.randn(*sa), fx.randn(*sb))
for i, (sa, sb) in enumerate([((5, 7), (7,)), ((65, 17), (17,)), ((3, 1), (1,)), ((70, 64), (64,)),
                              ((0, 3), (3,))]):
    add(f"mat_vec_{i}", fx.randn(*sa), fx.randn(*sb))

# 2-D x 2-D around the micro-tile (6x64) and with empty dims and K = 0.
MKN = [(1, 1, 1), (3, 7, 5), (13, 17, 31), (6, 64, 64), (7, 65, 63), (61, 67, 33), (12, 20, 129),
       (17, 0, 5), (0, 5, 3), (4, 3, 0), (0, 0, 0), (2, 300, 2), (97, 3, 70)]
for i, (m, k, n) in enumerate(MKN):
    add(f"mat_mat_{i}", fx.randn(m, k), fx.randn(k, n))

# Batched, and broadcast batch dims.
BATCHED = [((3, 13, 17), (3, 17, 7)), ((2, 5, 0), (2, 0, 4)), ((0, 3, 4), (0, 4, 5)),
           ((2, 1, 5, 7), (3, 7, 4)), ((5, 7), (2, 3, 7, 4)), ((1, 5, 7), (4, 7, 3)),
           ((2, 3, 5, 7), (3, 7, 4)), ((2, 1, 6, 65), (1, 2, 65, 66)), ((7,), (2, 7, 5)), ((4, 5, 7), (7,)),
           ((2, 2, 3, 0), (2, 0, 4))]
for i, (sa, sb) in enumerate(BATCHED):
    add(f"batched_{i}", fx.randn(*sa), fx.randn(*sb))

# 3-D (and 4-D) times 2-D: the batch folds into the rows of one GEMM.
FOLDED = [((4, 13, 17), (17, 9)), ((2, 3, 5, 7), (7, 6)), ((3, 20, 70), (70, 66)), ((0, 5, 7), (7, 3)),
          ((2, 0, 7), (7, 3))]
for i, (sa, sb) in enumerate(FOLDED):
    add(f"folded_{i}", fx.randn(*sa), fx.randn(*sb))

# Views: transposed operands (all four combinations), slices with steps, narrowed, expanded (stride 0) and a
# batch that cannot fold (permuted batch dim) times a 2-D matrix.
T = [["transpose", 0, 1]]
add("view_at", fx.randn(17, 13), fx.randn(17, 9), {"a": T})
add("view_bt", fx.randn(13, 17), fx.randn(70, 17), {"b": T})
add("view_at_bt", fx.randn(17, 13), fx.randn(70, 17), {"a": T, "b": T})
add("view_batched_t", fx.randn(3, 7, 13), fx.randn(3, 9, 7),
    {"a": [["transpose", 1, 2]], "b": [["transpose", 1, 2]]})
add("view_slice", fx.randn(20, 40), fx.randn(30, 25), {"a": [["slice", 1, 0, 40, 2]], "b": [["slice", 0, 5, 25, 1]]})
add("view_slice_rows", fx.randn(41, 20), fx.randn(20, 67), {"a": [["slice", 0, 1, 41, 3]],
                                                           "b": [["slice", 1, 1, 67, 2]]})
add("view_narrow", fx.randn(10, 50), fx.randn(50, 80), {"a": [["narrow", 1, 3, 30]], "b": [["narrow", 0, 10, 30]]})
add("view_expand", fx.randn(1, 5, 7), fx.randn(3, 7, 4), {"a": [["expand", [3, 5, 7]]]})
add("view_unfoldable", fx.randn(5, 4, 7), fx.randn(7, 3), {"a": [["permute", [1, 0, 2]]]})
add("view_attention", fx.randn(2, 9, 3, 8), fx.randn(2, 9, 3, 8),
    {"a": [["permute", [0, 2, 1, 3]]], "b": [["permute", [0, 2, 3, 1]]]})
add("view_vec_strided", fx.randn(7, 30), fx.randn(60), {"b": [["slice", 0, 0, 60, 2]]})

# A few big-ish products: several K blocks (K > 256), M blocks (M > 144), parallel splits.
add("big_0", fx.randn(150, 260), fx.randn(260, 130))
add("big_1", fx.randn(2, 30, 130), fx.randn(130, 70))
add("big_2", fx.randn(3, 20, 40), fx.randn(3, 70, 40), {"b": [["transpose", 1, 2]]})

fx.save()
