"""Golden fixtures of DiT and SiT (DitGoldenTest, DitXlBlockGoldenTest), from the plain-PyTorch reference in
dit_reference.py (DiT's and SiT's models.py written out).

golden/dit.safetensors, small configs with random weights (every parameter drawn, the adaLN and output layers
included, so no branch is zero as at DiT's init; pos_embed is the sin-cos table plus noise, as a checkpoint's
resized table would be, so Java must load it rather than recompute it). Each case stores the float32 state dict
(`sd/<key>`, the Java model loads it with strict=true), the inputs and an upstream gradient, and PyTorch's output,
input gradient and every parameter gradient (pos_embed has none: it does not require grad):
  * dit_learn_sigma_forced_drops: DiT, learned sigma, training mode, label dropout fixed by force_drop_ids
  * dit_cfg: DiT's forward_with_cfg (first 3 channels guided), eval mode, output and input gradient
  * sit_learn_sigma: SiT with continuous t in [0, 1]; forward keeps the first C channels
  * sit_cfg: SiT's forward_with_cfg
  * dit_affine_no_sigma: USP's affine block norms, no learned sigma, no class dropout, patch 4, 3 channels
  * param_counts: sum(p.numel() for p in model.parameters()) of full-size models, as built by the reference
The references run in float64 on the float32 weights and inputs and are rounded once: against float64 only
usp4j's float32 rounding counts (the Java test allows 1e-4 on outputs, 1e-3 on gradients).

golden/dit_xl_block.safetensors: one full-size DiT-XL block (hidden 1152, 16 heads, mlp 4608) with formula
weights (BRIEF-MODELS: keys sorted, k-th key, element i: s·sin(1.7·i + 0.3·k) in float64 rounded to float32,
s = 1/sqrt(fan_in) for rank >= 2 and 0.1 for rank <= 1, norm weights 1 + 0.1·sin), so only the inputs (x, c),
the upstream gradient, the output and the input gradients are stored: vanilla and with USP's affine norms.

Run: /usr/bin/python3 diffusion/src/test/python/gen_dit.py
"""
import copy
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python")))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import dit_reference as ref  # noqa: E402
from golden import Fixture  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))
fx = Fixture("dit", seed=2024)
torch.manual_seed(2024)


def randomise(model):
    """Every parameter random: matrices N(0, 1/fan_in), vectors N(0, 0.1²), norm weights 1 + N(0, 0.1²)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "pos_embed":
                p.add_(fx.randn(*p.shape, scale=0.1))
            elif p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(fx.randn(*p.shape, scale=fan_in ** -0.5))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + fx.randn(*p.shape, scale=0.1))
            else:
                p.copy_(fx.randn(*p.shape, scale=0.1))


def model_case(name, family, config, inputs, train, mode="forward", cfg_scale=None, param_grads=True):
    """inputs: x (float32), t, y, optionally force_drop_ids. Runs the float64 reference and stores the case."""
    model = (ref.SiT if family == "SiT" else ref.DiT)(**config)
    randomise(model)
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    r = copy.deepcopy(model).double()
    r.train(train)
    x = inputs["x"].double().requires_grad_(True)
    if mode == "cfg":
        out = r.forward_with_cfg(x, inputs["t"], inputs["y"], cfg_scale)
    else:
        out = r(x, inputs["t"], inputs["y"], inputs.get("force_drop_ids"))
    gout = fx.randn(*out.shape)
    out.backward(gout.double())
    expected = {"out": out.detach().float(), "grad/x": x.grad.float()}
    if param_grads:
        for n, p in r.named_parameters():
            if p.requires_grad:
                expected["grad/" + n] = p.grad.float() if p.grad is not None else torch.zeros(p.shape)
    stored = dict(inputs)
    stored["gout"] = gout
    for k, v in sd.items():
        stored["sd/" + k] = v
    args = {"family": family, "config": config, "train": train, "mode": mode}
    if cfg_scale is not None:
        args["cfg_scale"] = cfg_scale
    fx.case(name, family.lower() + "_" + mode, stored, expected, args=args)


SMALL = dict(input_size=6, patch_size=2, in_channels=4, hidden_size=16, depth=2, num_heads=2, mlp_ratio=4.0,
             class_dropout_prob=0.1, num_classes=10, learn_sigma=True)

model_case("dit_learn_sigma_forced_drops", "DiT", SMALL,
           {"x": fx.randn(3, 4, 6, 6), "t": torch.tensor([0, 417, 999]), "y": torch.tensor([3, 7, 9]),
            "force_drop_ids": torch.tensor([0, 1, 0])}, train=True)
model_case("dit_cfg", "DiT", SMALL,
           {"x": fx.randn(4, 4, 6, 6), "t": torch.tensor([250, 611, 250, 611]), "y": torch.tensor([2, 5, 10, 10])},
           train=False, mode="cfg", cfg_scale=4.0, param_grads=False)
model_case("sit_learn_sigma", "SiT", SMALL,
           {"x": fx.randn(3, 4, 6, 6), "t": torch.tensor([0.0, 0.37, 1.0]), "y": torch.tensor([1, 0, 8])},
           train=False)
model_case("sit_cfg", "SiT", SMALL,
           {"x": fx.randn(2, 4, 6, 6), "t": torch.tensor([0.81, 0.81]), "y": torch.tensor([6, 10])},
           train=False, mode="cfg", cfg_scale=1.5, param_grads=False)
model_case("dit_affine_no_sigma", "DiT",
           dict(input_size=8, patch_size=4, in_channels=3, hidden_size=24, depth=1, num_heads=3, mlp_ratio=2.5,
                class_dropout_prob=0.0, num_classes=5, learn_sigma=False, affine_norm=True),
           {"x": fx.randn(2, 3, 8, 8), "t": torch.tensor([13, 980]), "y": torch.tensor([4, 0])}, train=True)


# ---- parameter counts of full-size models -------------------------------------------------------------------------
def count(name):
    """Builds the model without initialising it (reset_parameters disabled: the count does not depend on values)."""
    saved = {c: c.reset_parameters for c in (nn.Linear, nn.Conv2d, nn.Embedding, nn.LayerNorm)}
    for c in saved:
        c.reset_parameters = lambda self: None
    try:
        m = ref.named(name, init=False)
        n = sum(p.numel() for p in m.parameters())
    finally:
        for c, f in saved.items():
            c.reset_parameters = f
    del m
    return n


COUNT_NAMES = ["DiT-S/2", "DiT-B/2", "DiT-L/2", "DiT-XL/2", "DiT-S/8", "DiT-B/4", "DiT-XL/8", "SiT-B/2",
               "DiT-B/2-VAE-simple", "DiT-XL/2-VAE-simple"]
counts = [count(n) for n in COUNT_NAMES]
for n, c in zip(COUNT_NAMES, counts):
    print(f"{n}: {c}")
fx.case("param_counts", "param_counts", {}, {"counts": torch.tensor(counts, dtype=torch.int64)},
        args={"names": COUNT_NAMES})
fx.save(OUT_DIR)


# ---- one full-size DiT-XL block with formula weights --------------------------------------------------------------
def formula_fill(module):
    """BRIEF-MODELS' formula weights over the module's state dict (Java: nn testing FormulaWeights)."""
    sd = module.state_dict()
    with torch.no_grad():
        for k, key in enumerate(sorted(sd.keys())):
            t = sd[key]
            i = np.arange(t.numel(), dtype=np.float64)
            wave = np.sin(1.7 * i + 0.3 * k)
            last = key.split(".")[-2] if "." in key else ""
            if t.dim() >= 2:
                vals = (1.0 / np.sqrt(t[0].numel())) * wave
            elif "norm" in last.lower() and key.endswith("weight"):
                vals = 1.0 + 0.1 * wave
            else:
                vals = 0.1 * wave
            t.copy_(torch.from_numpy(vals.astype(np.float32)).reshape(t.shape))


xl = Fixture("dit_xl_block", seed=1152)
for affine in (False, True):
    block = ref.DiTBlock(1152, 16, 4.0, affine_norm=affine)
    formula_fill(block)
    r = block.double()
    x = xl.randn(2, 5, 1152)
    c = xl.randn(2, 1152)
    xd = x.double().requires_grad_(True)
    cd = c.double().requires_grad_(True)
    out = r(xd, cd)
    gout = xl.randn(*out.shape)
    out.backward(gout.double())
    xl.case("xl_block" + ("_affine" if affine else ""), "dit_block",
            {"x": x, "c": c, "gout": gout},
            {"out": out.detach().float(), "grad/x": xd.grad.float(), "grad/c": cd.grad.float()},
            args={"hidden_size": 1152, "num_heads": 16, "mlp_ratio": 4.0, "affine_norm": affine})
    del block, r
xl.save(OUT_DIR)
