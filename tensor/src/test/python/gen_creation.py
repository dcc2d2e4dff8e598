"""Golden fixtures for the deterministic creation functions: arange (integer and float, negative and fractional
steps whose length is subtle), linspace, eye, and full/zeros/ones in every dtype.

Random creation (rand, randn, randint, randperm, bernoulli) cannot match torch's generator; RandomTest checks it
in Java instead.

Run: /usr/bin/python3 tensor/src/test/python/gen_creation.py
"""
import torch

from golden import Fixture

fx = Fixture("creation", seed=4)

# Integer arange gives int64; any float argument gives float32 (torch's default dtype).
INT_RANGES = [(0, 10, 1), (10, 0, -3), (-5, 7, 2), (3, 3, 1), (0, 1, 5), (7, -8, -1), (-20, -3, 4), (0, 127, 1)]
for i, (a, b, s) in enumerate(INT_RANGES):
    fx.case(f"arange_int_{i}", "arange_int", {}, {"out": torch.arange(a, b, s)},
            args={"start": a, "end": b, "step": s})
FLOAT_RANGES = [(0.0, 1.0, 0.1), (0.0, 1.0000001, 0.1), (1.0, 0.0, -0.1), (-1.0, 1.0, 0.2), (0.0, 0.3, 0.1),
                (0.5, 10.0, 1.5), (2.5, -3.0, -0.7), (0.0, 2.0, 0.25), (-3.0, 3.0, 1.0), (0.0, 1.0, 1.0 / 3),
                (10.0, 10.0, 0.5), (1e3, 1e3 + 1, 0.125),
                # (end - start) / step lands next to an integer (1.3 - 1.0 = 0.30000000000000004: four elements)
                (0.0, 0.9, 0.3), (1.0, 1.3, 0.1), (0.1, 0.7, 0.2), (-0.3, 0.0, 0.1), (0.0, -0.9, -0.3)]
for i, (a, b, s) in enumerate(FLOAT_RANGES):
    fx.case(f"arange_float_{i}", "arange_float", {}, {"out": torch.arange(a, b, s)},
            args={"start": a, "end": b, "step": s})

LINSPACE = [(0.0, 1.0, 0), (0.0, 1.0, 1), (-2.0, 3.0, 1), (0.0, 1.0, 2), (0.0, 1.0, 5), (-3.0, 7.0, 100),
            (1.0, 0.0, 100), (5.0, -5.0, 5), (2.0, 2.0, 7), (0.0, 1e-3, 33), (-1e4, 1e4, 17)]
for i, (a, b, n) in enumerate(LINSPACE):
    fx.case(f"linspace_{i}", "linspace", {}, {"out": torch.linspace(a, b, n)},
            args={"start": a, "end": b, "steps": n})

for n, m in [(0, 0), (1, 1), (4, 4), (17, 17), (3, 5), (6, 2), (0, 3), (4, 0)]:
    fx.case(f"eye_{n}x{m}", "eye", {}, {"out": torch.eye(n, m)}, args={"n": n, "m": m})
fx.case("eye_square_5", "eye_square", {}, {"out": torch.eye(5)}, args={"n": 5})

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "I32": torch.int32,
          "I64": torch.int64, "BOOL": torch.bool}
SHAPES = [[], [0], [7], [3, 5], [2, 0, 3], [2, 3, 4]]
for name, dtype in DTYPES.items():
    for i, shape in enumerate(SHAPES):
        fx.case(f"zeros_{name}_{i}", "zeros", {}, {"out": torch.zeros(shape, dtype=dtype)},
                args={"dtype": name, "shape": shape})
        fx.case(f"ones_{name}_{i}", "ones", {}, {"out": torch.ones(shape, dtype=dtype)},
                args={"dtype": name, "shape": shape})
    for j, v in enumerate([2.5, -3.0, 0.0, 7.0, 1.0 / 3]):
        if dtype == torch.bool or (not dtype.is_floating_point and v != int(v)):
            continue
        fx.case(f"full_{name}_{j}", "full", {}, {"out": torch.full([2, 3], v, dtype=dtype)},
                args={"dtype": name, "shape": [2, 3], "value": v})
fx.case("full_BOOL_true", "full", {}, {"out": torch.full([4], True)}, args={"dtype": "BOOL", "shape": [4], "value": 1})
fx.case("full_F32_nan", "full", {}, {"out": torch.full([3], float("nan"))},
        args={"dtype": "F32", "shape": [3], "value": "nan"})
fx.case("full_F32_inf", "full", {}, {"out": torch.full([3], float("-inf"))},
        args={"dtype": "F32", "shape": [3], "value": "-inf"})
fx.case("full_BF16_rounds", "full", {}, {"out": torch.full([2], 1.00390625 + 2 ** -9, dtype=torch.bfloat16)},
        args={"dtype": "BF16", "shape": [2], "value": 1.00390625 + 2 ** -9})
fx.case("zeros_default", "zeros_f32", {}, {"out": torch.zeros(2, 3)}, args={"shape": [2, 3]})
fx.case("ones_default", "ones_f32", {}, {"out": torch.ones(4)}, args={"shape": [4]})
fx.case("full_default", "full_f32", {}, {"out": torch.full([3, 1], -1.25)}, args={"shape": [3, 1], "value": -1.25})
fx.case("scalar", "scalar", {}, {"out": torch.tensor(4.5)}, args={"value": 4.5})

fx.save()
