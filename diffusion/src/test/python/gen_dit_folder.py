"""A tiny DiT model folder as DiT's training script leaves one, for ModelRegistryTest.

DiT's train.py saves {"model", "ema", "opt", "args"} with torch.save; its sample.py (find_model) takes the "ema"
entry. This writes such a checkpoint (model.pt, with "model" deliberately different from "ema" so a loader that
picks the wrong one is caught) beside a config.json with the constructor's keyword arguments, plus the EMA weights
and one forward pass of the reference in a safetensors fixture.

Run: /usr/bin/python3 diffusion/src/test/python/gen_dit_folder.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python")))
sys.path.insert(0, HERE)

import torch  # noqa: E402

import dit_reference as ref  # noqa: E402
from golden import Fixture  # noqa: E402

RES = os.path.normpath(os.path.join(HERE, "..", "resources"))
FOLDER = os.path.join(RES, "models", "dit_tiny_pt")
CONFIG = dict(input_size=4, patch_size=2, in_channels=4, hidden_size=16, depth=1, num_heads=2, mlp_ratio=2.0,
              class_dropout_prob=0.1, num_classes=3, learn_sigma=True)

fx = Fixture("dit_folder", seed=77)
torch.manual_seed(77)
ema = ref.DiT(**CONFIG)
with torch.no_grad():
    for p in ema.parameters():
        p.copy_(fx.randn(*p.shape, scale=0.3))
    # a resized-looking table: the loader must keep it, not recompute the sin-cos one
    ema.pos_embed.add_(0.25)
model = ref.DiT(**CONFIG)
with torch.no_grad():
    for p, q in zip(model.parameters(), ema.parameters()):
        p.copy_(q + 1.0)
os.makedirs(FOLDER, exist_ok=True)
torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": {}, "args": None},
           os.path.join(FOLDER, "model.pt"))
with open(os.path.join(FOLDER, "config.json"), "w") as f:
    json.dump(dict(_class_name="DiT", **CONFIG), f, indent=2)
    f.write("\n")

ema.eval()
x = fx.randn(2, 4, 4, 4)
t = torch.tensor([3, 900])
y = torch.tensor([0, 3])
with torch.no_grad():
    out = ema.double()(x.double(), t, y)
inputs = {"x": x, "t": t, "y": y}
inputs.update({"sd/" + k: v.float() for k, v in ema.state_dict().items()})
fx.case("dit_tiny_pt", "folder", inputs, {"out": out.float()}, args={"folder": "models/dit_tiny_pt"})
fx.save(os.path.join(RES, "golden"))
