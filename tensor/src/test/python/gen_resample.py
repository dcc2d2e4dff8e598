"""Golden fixtures for interpolate (nearest, bilinear, bicubic; by size and by scale factor; align_corners both
ways), avg_pool2d (every flag) and pad (all modes, several dims, negative constant pads, integer and bool dtypes).

interpolate args: mode, align_corners, and either size [h, w] or scale [sh, sw] (F.interpolate's scale_factor,
recompute_scale_factor left unset). avg_pool2d args: kernel, stride, padding, ceil_mode, count_include_pad,
divisor_override (0: none). pad args: pads (F.pad order), mode, value.

PyTorch 1.13 only pads 1-3 trailing dims of 2-5-D inputs in the non-constant modes (circular also needs a batch
and a channel dim); the Java op allows any number of trailing dims. Those wider cases are referenced by composing
torch's own one-dim pads (the modes are separable per dim), checked against F.pad where torch has it.

Run: /usr/bin/python3 tensor/src/test/python/gen_resample.py
"""
import torch

from golden import Fixture

fx = Fixture("resample", seed=11)
F = torch.nn.functional

MODES = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC"}

# ---- interpolate ---------------------------------------------------------------------------------------------


def interp(name, x, mode, ac, size=None, scale=None, views=None):
    xv = fx.inputs_with_views({"x": x}, views)["x"]
    kw = {"mode": mode}
    if mode != "nearest":
        kw["align_corners"] = ac
    if size is not None:
        out = F.interpolate(xv if xv.dim() == 4 else xv.unsqueeze(0), size=tuple(size), **kw)
        args = {"size": list(size)}
    else:
        out = F.interpolate(xv if xv.dim() == 4 else xv.unsqueeze(0), scale_factor=tuple(scale), **kw)
        args = {"scale": list(scale)}
    out = out if xv.dim() == 4 else out.squeeze(0)
    args.update({"mode": MODES[mode], "align_corners": ac})
    fx.case(name, "interpolate", {"x": x}, {"out": out}, args=args, views=views)


SIZES = [(13, 11), (14, 10), (4, 3), (7, 5), (1, 1), (3, 17), (2, 9)]
SCALES = [(2.0, 2.0), (0.5, 0.5), (1.7, 1.7), (0.6, 0.6), (1.7, 0.6), (3.0, 1.05), (2.1, 1.3)]
base = fx.randn(2, 3, 7, 5)
for mode in MODES:
    acs = [False] if mode == "nearest" else [False, True]
    for ac in acs:
        tag = f"{mode}_{'ac' if ac else 'hp'}"
        for size in SIZES:
            interp(f"{tag}_size_{size[0]}x{size[1]}", base, mode, ac, size=size)
        for sc in SCALES:
            interp(f"{tag}_scale_{sc[0]}x{sc[1]}", base, mode, ac, scale=sc)
        # Widths past the vector length, a single-row input, an unbatched input, a non-contiguous view.
        interp(f"{tag}_wide", fx.randn(1, 1, 16, 40), mode, ac, size=(31, 37))
        interp(f"{tag}_x2_wide", fx.randn(1, 1, 9, 33), mode, ac, scale=(2.0, 2.0))
        interp(f"{tag}_one_row", fx.randn(1, 1, 1, 5), mode, ac, size=(3, 9))
        interp(f"{tag}_unbatched", fx.randn(3, 6, 5), mode, ac, scale=(1.5, 2.5))
        interp(f"{tag}_view", fx.randn(2, 6, 5, 3), mode, ac, size=(9, 4), views={"x": [["permute", [0, 3, 1, 2]]]})
        # One channel: PyTorch takes its channels-last kernel (nearest: shortcuts for out = in and out = 2·in).
        for sc in [(1.05, 2.1), (2.1, 1.05), (1.7, 0.6)]:
            interp(f"{tag}_c1_scale_{sc[0]}x{sc[1]}", fx.randn(2, 1, 7, 5), mode, ac, scale=sc)

# ---- avg_pool2d ----------------------------------------------------------------------------------------------


def pool(name, x, k, s=None, p=0, ceil=False, cip=True, div=None):
    out = F.avg_pool2d(x, k, s, p, ceil, cip, div)
    pair = (lambda v: list(v) if isinstance(v, (tuple, list)) else [v, v])
    fx.case(name, "avg_pool2d", {"x": x}, {"out": out},
            args={"kernel": pair(k), "stride": pair(s if s is not None else k), "padding": pair(p),
                  "ceil_mode": ceil, "count_include_pad": cip, "divisor_override": div or 0})


px = fx.randn(2, 3, 11, 9)
pool("k2", px, 2)
pool("k2_s1", px, 2, 1)
pool("k3_s1_p1", px, 3, 1, 1)
for ceil in (False, True):
    for cip in (False, True):
        t = f"{'ceil' if ceil else 'floor'}_{'cip' if cip else 'nocip'}"
        pool(f"k3_s2_p1_{t}", px, 3, 2, 1, ceil, cip)
        pool(f"k32_s21_p10_{t}", px, (3, 2), (2, 1), (1, 0), ceil, cip)
        pool(f"k4_s3_p2_{t}", px, 4, 3, 2, ceil, cip)
        pool(f"k2_s2_p1_{t}", fx.randn(1, 2, 5, 6), 2, 2, 1, ceil, cip)
        pool(f"k5_s2_p2_div7_{t}", px, 5, 2, 2, ceil, cip, 7)
pool("k3_s3_ceil_overhang", fx.randn(1, 2, 8, 7), 3, 3, 0, True)
pool("k_whole", px, (11, 9))
pool("div_override_k2", px, 2, 2, 0, False, True, 3)
pool("unbatched", fx.randn(3, 7, 6), 3, 2, 1, True, False)
pool("wide", fx.randn(1, 2, 6, 50), (2, 3), (1, 2), (1, 1))

# ---- pad -----------------------------------------------------------------------------------------------------
PAD_MODES = {"constant": "CONSTANT", "reflect": "REFLECT", "replicate": "REPLICATE", "circular": "CIRCULAR"}


def pad_by_dims(x, pads, mode):
    """Non-constant F.pad over any trailing dims, one dim at a time through torch's 3-D one-dim pad."""
    for i in range(len(pads) // 2):
        d = x.dim() - 1 - i
        moved = x.movedim(d, -1)
        lead = moved.shape[:-1]
        flat = moved.reshape(1, -1, moved.shape[-1])
        padded = F.pad(flat, (pads[2 * i], pads[2 * i + 1]), mode=mode)
        x = padded.reshape(*lead, padded.shape[-1]).movedim(-1, d)
    return x


def pad(name, x, pads, mode="constant", value=0.0, views=None):
    xv = fx.inputs_with_views({"x": x}, views)["x"]
    if mode == "constant":
        out = F.pad(xv, pads, mode="constant", value=value)
    else:
        out = pad_by_dims(xv, pads, mode)
        try:
            direct = F.pad(xv, pads, mode=mode)
        except (RuntimeError, NotImplementedError):
            direct = None
        if direct is not None:
            assert torch.equal(direct, out), name
    fx.case(name, "pad", {"x": x}, {"out": out}, args={"pads": list(pads), "mode": PAD_MODES[mode],
                                                       "value": value}, views=views)


x4 = fx.randn(2, 3, 5, 4)
pad("const_last", x4, (1, 2))
pad("const_2d", x4, (1, 2, 3, 0), value=1.5)
pad("const_3d", x4, (0, 0, 0, 0, 1, 1), value=-2.0)
pad("const_4d", x4, (1, 1, 1, 1, 1, 1, 1, 1), value=3.0)
pad("const_negative", x4, (-1, 2, 1, -2))
pad("const_crop_all", x4, (-2, -1, -1, -3))
pad("const_crop_to_empty", x4, (-2, -2))
pad("const_1d", fx.randn(13), (3, 5), value=0.25)
pad("const_view", fx.randn(4, 5, 6), (2, 1, 1, 3), views={"x": [["transpose", 0, 2]]})
pad("const_i64", fx.randint(-9, 9, 3, 4), (1, 2, -1, 1), value=7)
pad("const_i32", fx.randint(-9, 9, 3, 4).int(), (2, 0, 0, 1), value=-3)
pad("const_bool", fx.rand(3, 5) > 0.5, (1, 1, 2, 0), value=1)
pad("const_empty_dim", torch.zeros(2, 0), (1, 2), value=4.0)
for m in ("reflect", "replicate", "circular"):
    pad(f"{m}_1d", fx.randn(2, 3, 7), (2, 3), m)
    pad(f"{m}_2d", fx.randn(1, 2, 5, 6), (1, 2, 3, 4), m)
    pad(f"{m}_3d", fx.randn(1, 1, 3, 4, 5), (1, 1, 2, 2, 1, 2), m)
    pad(f"{m}_2d_of_3d", fx.randn(2, 4, 3), (2, 1, 1, 2), m)
    pad(f"{m}_4d_of_4d", fx.randn(2, 3, 4, 3), (1, 1, 2, 0, 0, 1, 1, 1), m)
    pad(f"{m}_last_of_2d", fx.randn(3, 7), (3, 1), m)
    pad(f"{m}_wide", fx.randn(1, 2, 40), (17, 20), m)
    pad(f"{m}_view", fx.randn(2, 6, 5), (2, 2, 1, 1), m, views={"x": [["permute", [0, 2, 1]]]})
pad("reflect_max", fx.randn(1, 2, 4, 5), (4, 4, 3, 3), "reflect")
pad("circular_max", fx.randn(1, 2, 4, 5), (5, 5, 4, 4), "circular")
pad("replicate_long", fx.randn(1, 1, 2, 3), (9, 7, 8, 6), "replicate")
pad("circular_i64", fx.randint(-9, 9, 1, 2, 5), (2, 3), "circular")
pad("replicate_zero", fx.randn(2, 3, 4), (0, 0, 0, 0), "replicate")

fx.save()
