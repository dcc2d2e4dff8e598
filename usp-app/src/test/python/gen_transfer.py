"""USP's weight transfer (usp-spec §2.1, the --finetune branch of USP's generation/{DiT,SiT}/train.py) in PyTorch,
as the reference for usp4j's UspTransfer: a small MAE state dict with random values, loaded into a small
DiT-...-VAE-simple (affine norm1/norm2) whose grid differs, so pos_embed goes through F.interpolate(bicubic,
align_corners=False). Saves the MAE tensors, the DiT tensors that the transfer wrote, and the key lists that
load_state_dict(strict=False) reported.

Run: /usr/bin/python3 usp-app/src/test/python/gen_transfer.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tensor", "src", "test", "python"))
sys.path.insert(0, os.path.join(ROOT, "diffusion", "src", "test", "python"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import dit_reference as ref  # noqa: E402
from golden import Fixture  # noqa: E402

OUT_DIR = os.path.join(ROOT, "usp-app", "src", "test", "resources", "golden")
fx = Fixture("transfer", seed=2024)

D, DEPTH, HEADS, MAE_GRID, PATCH, CH, DEC = 16, 2, 2, 4, 2, 4, 8


def mae_state():
    """The names and shapes of MAE's state dict (models_mae.py) for the small config, random values."""
    sd = {"cls_token": fx.randn(1, 1, D), "pos_embed": fx.randn(1, 1 + MAE_GRID ** 2, D),
          "mask_token": fx.randn(1, 1, DEC), "decoder_pos_embed": fx.randn(1, 1 + MAE_GRID ** 2, DEC),
          "patch_embed.proj.weight": fx.randn(D, CH, PATCH, PATCH), "patch_embed.proj.bias": fx.randn(D)}
    for i in range(DEPTH):
        p = f"blocks.{i}."
        sd.update({p + "norm1.weight": fx.randn(D), p + "norm1.bias": fx.randn(D),
                   p + "attn.qkv.weight": fx.randn(3 * D, D), p + "attn.qkv.bias": fx.randn(3 * D),
                   p + "attn.proj.weight": fx.randn(D, D), p + "attn.proj.bias": fx.randn(D),
                   p + "norm2.weight": fx.randn(D), p + "norm2.bias": fx.randn(D),
                   p + "mlp.fc1.weight": fx.randn(4 * D, D), p + "mlp.fc1.bias": fx.randn(4 * D),
                   p + "mlp.fc2.weight": fx.randn(D, 4 * D), p + "mlp.fc2.bias": fx.randn(D)})
    sd.update({"norm.weight": fx.randn(D), "norm.bias": fx.randn(D),
               "decoder_embed.weight": fx.randn(DEC, D), "decoder_embed.bias": fx.randn(DEC),
               "decoder_blocks.0.norm1.weight": fx.randn(DEC), "decoder_norm.weight": fx.randn(DEC),
               "decoder_pred.weight": fx.randn(PATCH * PATCH * CH, DEC)})
    return sd


def usp_load(model, checkpoint_model, in_channels):
    """The --finetune branch: patch conv if the channels agree, pos_embed without cls (resized), then non-strict."""
    ckpt = dict(checkpoint_model)
    w = ckpt.pop("patch_embed.proj.weight")
    b = ckpt.pop("patch_embed.proj.bias")
    if w.shape[1] == in_channels:
        ckpt["x_embedder.proj.weight"] = w
        ckpt["x_embedder.proj.bias"] = b
    pos = ckpt["pos_embed"][:, 1:, :]
    old = int(pos.shape[1] ** 0.5)
    new = int(model.pos_embed.shape[1] ** 0.5)
    if old != new:
        grid = pos.reshape(1, old, old, -1).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(new, new), mode="bicubic", align_corners=False)
        pos = grid.permute(0, 2, 3, 1).flatten(1, 2)
    ckpt["pos_embed"] = pos
    return model.load_state_dict(ckpt, strict=False)


for name, input_size in (("transfer_resized_grid", 12), ("transfer_same_grid", 8)):
    mae = mae_state()
    dit = ref.DiT(input_size=input_size, patch_size=PATCH, in_channels=CH, hidden_size=D, depth=DEPTH,
                  num_heads=HEADS, mlp_ratio=4.0, class_dropout_prob=0.1, num_classes=10, learn_sigma=True,
                  affine_norm=True)
    report = usp_load(dit, mae, CH)
    sd = dit.state_dict()
    written = ["pos_embed", "x_embedder.proj.weight", "x_embedder.proj.bias"] + [
        k for k in mae if k.startswith("blocks.")]
    fx.case(name, "transfer", {"mae/" + k: v for k, v in mae.items()},
            {"dit/" + k: sd[k].clone() for k in written},
            args={"input_size": input_size, "hidden_size": D, "depth": DEPTH, "num_heads": HEADS,
                  "patch_size": PATCH, "in_channels": CH, "num_classes": 10,
                  "missing": sorted(report.missing_keys), "unexpected": sorted(report.unexpected_keys)})
fx.save(OUT_DIR)
