"""Gradient fixtures of matmul in all of torch.matmul's shape cases.

Run: /usr/bin/python3 autograd/src/test/python/gen_grad_linear.py
"""
import torch

from gradgolden import GradFixture

fx = GradFixture("grad_linear", seed=12)
CASES = [
    ((7,), (7,), None), ((7,), (7, 5), None), ((4, 7), (7,), None), ((4, 7), (7, 5), None),
    ((3, 4, 7), (3, 7, 5), None), ((2, 1, 5, 7), (3, 7, 4), None), ((5, 7), (2, 3, 7, 4), None),
    ((6, 9, 13), (13, 17), None), ((7,), (3, 7, 5), None), ((3, 4, 7), (7,), None),
    ((7, 4), (5, 7), {"a": [["transpose", 0, 1]], "b": [["transpose", 0, 1]]}),
    ((2, 13, 6), (2, 17, 13), {"a": [["transpose", 1, 2]], "b": [["transpose", 1, 2]]}),
    ((4, 1, 7), (7, 5), {"a": [["expand", [4, 3, 7]]]}),
    ((0, 7), (7, 5), None), ((4, 0), (0, 5), None),
]
for i, (sa, sb, views) in enumerate(CASES):
    fx.grad_case(f"matmul_{i}", "matmul", lambda a, b: torch.matmul(a, b), {"a": fx.randn(*sa), "b": fx.randn(*sb)},
                 views=views)
# A linear layer on tokens: x [B, T, D] @ W^T + b, the weight gradient folds the batch.
x, w, b = fx.randn(4, 9, 16), fx.randn(24, 16) * 0.2, fx.randn(24)
fx.grad_case("linear", "linear", lambda x, w, b: x @ w.t() + b, {"x": x, "w": w, "b": b})
fx.save()
