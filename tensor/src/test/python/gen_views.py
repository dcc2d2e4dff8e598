"""Golden fixtures for view semantics: random chains of view ops on torch.arange(n).reshape(shape) for random small
shapes (ranks 0-4, extents 0-5).

Each step is a valid op picked at random for the current shape: transpose, permute, narrow, slice with a step,
select, expand of extent-1 dims (and new leading dims), unsqueeze, squeeze (all, or one dim), flatten, reshape and
view. A view whose shape has the right element count may still be refused by torch when the strides do not allow
it; such steps are listed in args["raises"] (Java's view must throw exactly there and the chain goes on with the
array unchanged; reshape never throws). Each case records the chain, the final values and shape, and whether torch
reports the result contiguous.

Run: /usr/bin/python3 tensor/src/test/python/gen_views.py
"""
import random

import torch

from golden import Fixture, apply_views

fx = Fixture("views", seed=5)
rng = random.Random(5)
MAX_NUMEL = 400
CASES = 150


def factorisations(n, rank):
    """A random shape of the given rank with n elements (n > 0)."""
    dims = []
    for _ in range(rank - 1):
        divisors = [d for d in range(1, n + 1) if n % d == 0 and d <= 6]
        d = rng.choice(divisors)
        dims.append(d)
        n //= d
    dims.append(n)
    rng.shuffle(dims)
    return dims


def new_shape(t):
    """A shape with t's element count: neighbours merged or split, or a random factorisation; maybe with -1."""
    s = list(t.shape)
    n = t.numel()
    r = rng.random()
    if n == 0:
        out = list(s)
        rng.shuffle(out)
        if rng.random() < 0.5:
            out.append(1)
        return out
    if r < 0.35 and len(s) >= 2:
        i = rng.randrange(len(s) - 1)
        out = s[:i] + [s[i] * s[i + 1]] + s[i + 2:]
    elif r < 0.6 and s:
        i = rng.randrange(len(s))
        out = s[:i] + factorisations(s[i], 2) + s[i + 1:]
    else:
        out = factorisations(n, rng.randint(0 if n == 1 else 1, 4))
    if out and rng.random() < 0.3:
        out[rng.randrange(len(out))] = -1
    return out


def pick_step(t):
    """A random op valid for t, as a JSON step."""
    r = t.dim()
    s = list(t.shape)
    ops = ["transpose", "permute", "unsqueeze", "squeeze_all", "squeeze_dim", "flatten", "reshape", "view", "view"]
    if r > 0:
        ops += ["narrow", "slice", "slice"]
        if any(e > 0 for e in s):
            ops.append("select")
        if any(e == 1 for e in s) or t.numel() * 3 <= MAX_NUMEL:
            ops += ["expand", "expand"]
    op = rng.choice(ops)
    wrap = max(r, 1)
    if op == "transpose":
        return ["transpose", rng.randrange(-wrap, wrap), rng.randrange(-wrap, wrap)]
    if op == "permute":
        p = list(range(r))
        rng.shuffle(p)
        return ["permute", [d - r if rng.random() < 0.3 else d for d in p]]
    if op == "unsqueeze":
        return ["unsqueeze", rng.randrange(-r - 1, r + 1)]
    if op == "squeeze_all":
        return ["squeeze"]
    if op == "squeeze_dim":
        return ["squeeze", rng.randrange(-wrap, wrap)]
    if op == "flatten":
        a, b = sorted([rng.randrange(wrap), rng.randrange(wrap)])
        return ["flatten", a - wrap if rng.random() < 0.3 else a, b - wrap if rng.random() < 0.3 else b]
    if op in ("reshape", "view"):
        return [op, new_shape(t)]
    d = rng.randrange(r)
    n = s[d]
    if op == "narrow":
        start = rng.randint(0, n)
        length = rng.randint(0, n - start)
        if start > 0 and start < n and rng.random() < 0.3:
            start -= n  # negative start counts from the end
        return ["narrow", d, start, length]
    if op == "slice":
        start = rng.choice([None, rng.randint(-n - 2, n + 2)])
        end = rng.choice([None, rng.randint(-n - 2, n + 2)])
        return ["slice", d, start, end, rng.randint(1, 3)]
    if op == "select":
        d = rng.choice([i for i, e in enumerate(s) if e > 0])
        return ["select", d, rng.randint(-s[d], s[d] - 1)]
    # expand: extent-1 dims grow (maybe to 0), others keep (maybe as -1), maybe new leading dims.
    target = []
    for e in s:
        if e == 1 and rng.random() < 0.7:
            target.append(rng.randint(0, 4))
        else:
            target.append(-1 if rng.random() < 0.3 else e)
    lead = [rng.randint(1, 3) for _ in range(rng.choice([0, 0, 1, 2]))]
    return ["expand", lead + target]


def numel_of(step, t):
    try:
        return apply_views(t, [step]).numel()
    except RuntimeError:
        return 0


cases = 0
while cases < CASES:
    rank = rng.choice([0, 1, 2, 2, 3, 3, 4])
    shape = [rng.choice([0, 1, 1, 2, 3, 4, 5]) if rng.random() < 0.15 else rng.randint(1, 5) for _ in range(rank)]
    n = 1
    for e in shape:
        n *= e
    base = torch.arange(n).reshape(shape)
    t = base
    chain, raises = [], []
    for i in range(rng.randint(1, 7)):
        step = pick_step(t)
        if chain and chain[-1][0] in ("transpose", "permute", "slice", "expand") and rng.random() < 0.6:
            step = ["view", new_shape(t)]  # right after a layout change: the interesting case for view
        if numel_of(step, t) > MAX_NUMEL:
            continue
        try:
            t = apply_views(t, [step])
        except RuntimeError as e:
            if step[0] != "view":
                raise
            raises.append(len(chain))
        chain.append(step)
    fx.case(f"chain_{cases:03d}", "chain", {"x": base}, {"out": t.contiguous()},
            args={"chain": chain, "raises": raises, "contiguous": t.is_contiguous()})
    cases += 1

# Hand-picked layouts where view must refuse, or may succeed only thanks to extent-1 / empty dims.
SPECIAL = [
    ([2, 3], [["transpose", 0, 1], ["view", [6]]]),
    ([2, 3, 4], [["permute", [1, 0, 2]], ["view", [3, 8]]]),
    ([2, 3, 4], [["permute", [1, 0, 2]], ["view", [3, 2, 2, 2]]]),
    ([4, 6], [["slice", 1, 0, 6, 2], ["view", [12]]]),
    ([4, 6], [["slice", 1, 0, 6, 2], ["view", [2, 2, 3]]]),
    ([3, 1], [["expand", [3, 4]], ["view", [12]]]),
    ([3, 1], [["expand", [3, 4]], ["view", [3, 2, 2]]]),
    ([1, 4], [["expand", [3, 4]], ["view", [3, 2, 2]]]),
    ([0, 3], [["slice", 1, 0, 3, 2], ["view", [0]]]),
    ([3, 0], [["transpose", 0, 1], ["view", [3, 0, 1]]]),
    ([5, 1, 4], [["transpose", 0, 1], ["view", [20]]]),
    ([2, 1, 3], [["permute", [2, 1, 0]], ["view", [3, 2]]]),
    ([], [["view", [1, 1]], ["view", []], ["unsqueeze", 0], ["expand", [3]]]),
]
for i, (shape, chain) in enumerate(SPECIAL):
    n = 1
    for e in shape:
        n *= e
    base = torch.arange(n).reshape(shape)
    t = base
    raises = []
    for k, step in enumerate(chain):
        try:
            t = apply_views(t, [step])
        except RuntimeError:
            raises.append(k)
    fx.case(f"special_{i:02d}", "chain", {"x": base}, {"out": t.contiguous()},
            args={"chain": chain, "raises": raises, "contiguous": t.is_contiguous()})

fx.save()
