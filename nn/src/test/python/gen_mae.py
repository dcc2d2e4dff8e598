"""Golden fixtures of the ViT/MAE models (dev.usp4j.nn.vit): MAE's MaskedAutoencoderViT on latents as USP uses it
(usp-spec §1.4-1.9, §5) and the timm 0.9.12 VisionTransformer classifier it transfers to (§2.2).

timm is not installed next to torch 1.13 and there is no network, so the reference is written out below in plain
PyTorch, following models_mae.py and timm 0.9.12's module structure and names (Block, Attention, Mlp, PatchEmbed,
VisionTransformer), so its state-dict keys are the originals'. The masking noise is an input of the reference
(MAE draws it with torch.rand inside random_masking): the fixture stores it and Java feeds the same numbers, so
ids_shuffle, ids_restore and the mask are reproduced exactly.

Cases in golden/mae.safetensors (MaeGoldenTest: strict state-dict loads, outputs at relative error 1e-4,
gradients at 1e-3):
  * mae_*: loss, pred, mask, ids_restore, the latent's gradient and every trainable parameter's gradient of a
    small MAE (random weights: MAE's initialize_weights, then biases and LayerNorm affines perturbed so that they
    matter), for loss and pred both carrying an upstream gradient. Also the fixed sin-cos tables the model builds.
  * vit_*: the classifier forward/backward with global average pooling + fc_norm, with the cls token + norm, and
    the linear-probe head BatchNorm1d(affine=False, eps 1e-6) + Linear in training mode (running statistics too).
  * vit_load_from_mae: which keys PyTorch's load_state_dict(strict=False) reports when MAE weights load into the
    classifier; pos_embed_interpolate: MAE's interpolate_pos_embed (bicubic, cls row kept).
Cases in golden/mae_full.safetensors (full sizes, weights from a formula instead of stored):
  * block_vit_b / block_vit_xl: one full-size block (768 wide / 12 heads; 1152 wide / 16 heads of 72) with weights
    from the shared formula (BRIEF-MODELS: sorted keys, w = s·sin(1.7·i + 0.3·k)), a few tokens; only inputs,
    output and input gradient are stored.
  * mae_base_formula (run by a test tagged "slow"): the whole MAE-ViT-B/2 at 28×28 latents (196 tokens) with
    formula weights: loss, pred, mask and the latent's gradient.
  * param_counts: parameter counts of the named configs, counted on the reference models built here.

The references run in float64 on the float32 weights and inputs and are rounded once, so the comparison measures
usp4j's float32 rounding only. Upstream gradients are scaled up (loss ×40, pred ×4, logits ×8) so that parameter
gradients are of order one and the error metric |a − e|/max(|e|, 1) stays a relative one for them.

Run: /usr/bin/python3 nn/src/test/python/gen_mae.py
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python")))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from golden import Fixture  # noqa: E402
from mae_reference import (LN_EPS, Block, MaskedAutoencoderViT, VisionTransformer,  # noqa: E402
                           interpolate_pos_embed, sincos_2d)

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))
fx = Fixture("mae", seed=2025)
fx_full = Fixture("mae_full", seed=2026)
torch.manual_seed(2025)


# ---- helpers -----------------------------------------------------------------------------------------------------
def perturb(model):
    """After MAE's init, biases are 0 and LayerNorms 1/0: random values make them matter in outputs and gradients."""
    with torch.no_grad():
        for n, p in model.named_parameters():
            if not p.requires_grad or p.dim() != 1:
                continue
            if "norm" in n.split(".")[-2] and n.endswith("weight"):
                p.copy_(1 + fx.randn(*p.shape, scale=0.2))
            else:
                p.copy_(fx.randn(*p.shape, scale=0.1))


def state_inputs(model):
    return {"sd/" + k: v.detach().clone().float() if v.is_floating_point() else v.clone()
            for k, v in model.state_dict().items()}


def param_grads(model):
    out = {}
    for n, p in model.named_parameters():
        if p.requires_grad:
            out["grad/" + n] = p.grad.float() if p.grad is not None else torch.zeros(p.shape)
    return out


def is_norm_weight(key, t):
    parts = key.split(".")
    return t.dim() == 1 and parts[-1] == "weight" and len(parts) >= 2 and "norm" in parts[-2]


def formula_state(sd):
    """BRIEF-MODELS' formula weights: k-th sorted key, flat index i: s·sin(1.7·i + 0.3·k), float64 → float32."""
    out = {}
    for k, name in enumerate(sorted(sd)):
        t = sd[name]
        if not t.is_floating_point():
            out[name] = t.clone()
            continue
        i = np.arange(t.numel(), dtype=np.float64)
        v = np.sin(1.7 * i + 0.3 * k)
        if t.dim() >= 2:
            fan_in = int(np.prod(t.shape[1:]))
            v = (1 / math.sqrt(fan_in)) * v
        elif is_norm_weight(name, t):
            v = 1 + 0.1 * v
        else:
            v = 0.1 * v
        out[name] = torch.from_numpy(v.astype(np.float32)).reshape(t.shape)
    return out


SMALL_MAE = dict(img_size=8, patch_size=2, in_chans=4, embed_dim=24, depth=2, num_heads=3,
                 decoder_embed_dim=16, decoder_depth=2, decoder_num_heads=2, mlp_ratio=4.0)


# ---- MAE cases ---------------------------------------------------------------------------------------------------
def mae_case(name, cfg, batch, mask_ratio, norm_pix_loss):
    model = MaskedAutoencoderViT(**cfg, norm_pix_loss=norm_pix_loss)
    perturb(model)
    sd = state_inputs(model)
    ref = MaskedAutoencoderViT(**cfg, norm_pix_loss=norm_pix_loss).double()
    ref.load_state_dict({k[3:]: v.double() for k, v in sd.items()}, strict=True)
    L = model.patch_embed.num_patches
    imgs = fx.randn(batch, cfg["in_chans"], cfg["img_size"], cfg["img_size"])
    noise = fx.rand(batch, L)
    x = imgs.double().requires_grad_(True)
    loss, pred, mask, ids_restore = ref(x, mask_ratio, noise.double())
    gloss = torch.tensor(40.0 * (1 + fx.rand(1).item()))
    gpred = fx.randn(*pred.shape, scale=4.0)
    torch.autograd.backward([loss, pred], [gloss.double(), gpred.double()])
    expected = {"loss": loss.detach().float(), "pred": pred.detach().float(), "mask": mask.float(),
                "ids_restore": ids_restore, "grad/imgs": x.grad.float()}
    expected.update(param_grads(ref))
    grid = cfg["img_size"] // cfg["patch_size"]
    expected["sincos/pos_embed"] = torch.from_numpy(sincos_2d(cfg["embed_dim"], grid, True)).float().unsqueeze(0)
    expected["sincos/decoder_pos_embed"] = torch.from_numpy(
        sincos_2d(cfg["decoder_embed_dim"], grid, True)).float().unsqueeze(0)
    expected["patchify"] = ref.patchify(imgs.double()).float()
    inputs = {"imgs": imgs, "noise": noise, "gloss": gloss, "gpred": gpred}
    inputs.update(sd)
    args = dict(cfg, norm_pix_loss=norm_pix_loss, mask_ratio=mask_ratio)
    fx.case(name, "mae", inputs, expected, args=args)
    return model


mae_small = mae_case("mae_small_norm_pix", SMALL_MAE, 2, 0.75, True)
mae_case("mae_small_raw_target_ratio_0.7_batch3", dict(SMALL_MAE, img_size=10, depth=1, decoder_depth=1), 3, 0.7,
         False)


# ---- ViT classifier cases -----------------------------------------------------------------------------------------
SMALL_VIT = dict(img_size=8, patch_size=2, in_chans=4, num_classes=10, embed_dim=24, depth=1, num_heads=3)


def vit_case(name, global_pool, linprobe_head, batch):
    model = VisionTransformer(**SMALL_VIT, global_pool=global_pool, linprobe_head=linprobe_head)
    with torch.no_grad():
        nn.init.normal_(model.cls_token, std=0.5)
    perturb(model)
    sd = state_inputs(model)
    ref = VisionTransformer(**SMALL_VIT, global_pool=global_pool, linprobe_head=linprobe_head).double()
    ref.load_state_dict({k[3:]: v.double() if v.is_floating_point() else v for k, v in sd.items()}, strict=True)
    ref.train(True)
    imgs = fx.randn(batch, 4, 8, 8)
    x = imgs.double().requires_grad_(True)
    out = ref(x)
    gout = fx.randn(*out.shape, scale=8.0)
    out.backward(gout.double())
    expected = {"logits": out.detach().float(), "grad/imgs": x.grad.float()}
    expected.update(param_grads(ref))
    for n, b in ref.named_buffers():
        expected["state/" + n] = b.float() if b.is_floating_point() else b.clone()
    inputs = {"imgs": imgs, "gout": gout}
    inputs.update(sd)
    fx.case(name, "vit", inputs, expected, args=dict(SMALL_VIT, global_pool=global_pool,
                                                       linprobe_head=linprobe_head))


vit_case("vit_avg_pool_fc_norm", "avg", False, 3)
vit_case("vit_cls_token_norm", "token", False, 2)
vit_case("vit_linprobe_bn_head", "token", True, 5)

# MAE weights into the classifier, as main_finetune.py: drop mismatched head keys, interpolate pos_embed,
# load_state_dict(strict=False). The lists PyTorch reports are the expected load report.
vit = VisionTransformer(**SMALL_VIT, global_pool="avg")
mae_for_vit = MaskedAutoencoderViT(**dict(SMALL_MAE, depth=1))
report = vit.load_state_dict(mae_for_vit.state_dict(), strict=False)
fx.case("vit_load_from_mae", "vit_load", {}, {},
        args=dict(SMALL_VIT, global_pool="avg", mae=dict(SMALL_MAE, depth=1), missing=list(report.missing_keys),
                  unexpected=list(report.unexpected_keys)))

pe = torch.from_numpy(sincos_2d(24, 4, True)).float().unsqueeze(0) + fx.randn(1, 17, 24, scale=0.1)
fx.case("pos_embed_interpolate_4_to_6", "pos_embed_interpolate", {"pos_embed": pe},
        {"out": interpolate_pos_embed(pe.double(), 36, 1).float()}, args={"extra_tokens": 1, "grid": 6})
fx.case("pos_embed_interpolate_14_to_16", "pos_embed_interpolate",
        {"pos_embed": torch.from_numpy(sincos_2d(8, 14, True)).float().unsqueeze(0)},
        {"out": interpolate_pos_embed(torch.from_numpy(sincos_2d(8, 14, True)).unsqueeze(0), 256, 1).float()},
        args={"extra_tokens": 1, "grid": 16})


# ---- full-size blocks with formula weights -------------------------------------------------------------------------
def block_case(name, dim, heads, tokens, batch):
    blk = Block(dim, heads).double()
    blk.load_state_dict({k: v.double() for k, v in formula_state(blk.state_dict()).items()}, strict=True)
    xs = fx_full.randn(batch, tokens, dim)
    x = xs.double().requires_grad_(True)
    out = blk(x)
    gout = fx_full.randn(*out.shape)
    out.backward(gout.double())
    fx_full.case(name, "block_formula", {"x": xs, "gout": gout},
                 {"out": out.detach().float(), "grad/x": x.grad.float()}, args={"dim": dim, "heads": heads})


block_case("block_vit_b_768x12", 768, 12, 5, 1)
block_case("block_vit_xl_1152x16_head72", 1152, 16, 3, 1)


# ---- parameter counts of the named configs ------------------------------------------------------------------------
NAMED = {
    "MAE-ViT-B/2": dict(embed_dim=768, depth=12, num_heads=12),
    "MAE-ViT-L/2": dict(embed_dim=1024, depth=24, num_heads=16),
    "MAE-ViT-XL/2": dict(embed_dim=1152, depth=28, num_heads=16),
    "MAE-ViT-H/2": dict(embed_dim=1280, depth=32, num_heads=16),
}


def counts(model):
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    decoder = sum(p.numel() for n, p in model.named_parameters() if n.startswith("decoder_") or n == "mask_token")
    return {"total": total, "trainable": trainable, "encoder": total - decoder, "decoder": decoder}


param_counts = {}
for cname, enc in NAMED.items():
    m = MaskedAutoencoderViT(img_size=28, patch_size=2, in_chans=4, decoder_embed_dim=512, decoder_depth=8,
                             decoder_num_heads=16, mlp_ratio=4.0, norm_pix_loss=True, **enc)
    param_counts[cname] = counts(m)
    if cname == "MAE-ViT-B/2":
        mae_base = m
    else:
        del m
    v = VisionTransformer(28, 2, 4, 1000, "avg", **enc)
    param_counts[cname.replace("MAE-", "")] = {"total": sum(p.numel() for p in v.parameters())}
    del v
fx_full.case("param_counts", "param_counts", {}, {}, args={"counts": param_counts})
print(param_counts)

# ---- the whole MAE-ViT-B/2 with formula weights (slow Java test) ----------------------------------------------------
ref = mae_base.double()
ref.load_state_dict({k: v.double() for k, v in formula_state(ref.state_dict()).items()}, strict=True)
imgs = fx_full.randn(1, 4, 28, 28)
noise = fx_full.rand(1, 196)
x = imgs.double().requires_grad_(True)
loss, pred, mask, ids_restore = ref(x, 0.75, noise.double())
loss.backward()
fx_full.case("mae_base_formula", "mae_formula", {"imgs": imgs, "noise": noise},
        {"loss": loss.detach().float(), "pred": pred.detach().float(), "mask": mask.float(),
         "ids_restore": ids_restore, "grad/imgs": x.grad.float()},
        args={"name": "MAE-ViT-B/2", "img_size": 28, "mask_ratio": 0.75})

fx.save(OUT_DIR)
fx_full.save(OUT_DIR)
