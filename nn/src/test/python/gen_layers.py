"""Golden fixtures of the nn layers: for each case PyTorch builds the module with random float32 weights, and the
fixture stores its state dict, an input, an upstream gradient, the output, the input gradient, every parameter's
gradient, the buffers after the forward pass (BatchNorm's running statistics) and repr(module). The Java test
(LayersGoldenTest) builds the same layer, loads the state dict with strict=true (names and shapes must match),
runs forward and backward and compares everything at relative error 1e-5.

The references run in float64 on the float32 weights and inputs and are rounded once at the end: PyTorch's own
float32 kernels sum in another order than usp4j's (GEMM blocking, conv tiling, the norms' reductions), and against
a float32 PyTorch both sides' rounding would count; against the float64 answer only usp4j's does, which keeps 1e-5
meaningful for every layer here.

timm is not installed next to torch 1.13, so timm 0.9.12's Attention, Mlp and PatchEmbed are written out in timm_layers.py
with timm's module names and forward passes (Attention in its non-fused form, which is also how
F.scaled_dot_product_attention is defined: softmax(q·kᵀ·scale)·v). The fixed sin-cos embeddings are checked
against the NumPy formulas of MAE's get_2d_sincos_pos_embed and DiT's timestep_embedding, written out in float64.

Run: /usr/bin/python3 nn/src/test/python/gen_layers.py
"""
import copy
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
from timm_layers import Attention, Mlp, PatchEmbed  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))
fx = Fixture("layers", seed=101)
torch.manual_seed(101)


def randomise_affine(m, names=("weight", "bias")):
    """Norm layers start at weight 1, bias 0; random values make their gradients and broadcasts visible."""
    with torch.no_grad():
        for n, p in m.named_parameters():
            if n.split(".")[-1] in names and p.dim() <= 2:
                p.copy_(fx.randn(*p.shape, scale=0.5) + (1.0 if n.endswith("weight") else 0.0))


def layer_case(name, op, module, x, args, train=True, forward=None, with_repr=True):
    forward = forward or (lambda m, t: m(t))
    sd = {k: v.detach().clone() for k, v in module.state_dict().items()}
    ref = copy.deepcopy(module).double()
    ref.train(train)
    floating = x.is_floating_point()
    xr = x.double().requires_grad_(True) if floating else x.clone()
    out = forward(ref, xr)
    gout = fx.randn(*out.shape)
    expected = {"out": out.detach().float()}
    if out.requires_grad:
        out.backward(gout.double())
    if floating:
        expected["grad/x"] = xr.grad.float() if xr.grad is not None else torch.zeros_like(x)
    for n, p in ref.named_parameters():
        expected["grad/" + n] = p.grad.float() if p.grad is not None else torch.zeros(p.shape)
    for n, b in ref.named_buffers():
        expected["state/" + n] = b.float() if b.is_floating_point() else b.clone()
    inputs = {"x": x, "gout": gout}
    for k, v in sd.items():
        inputs["sd/" + k] = v
    a = dict(args)
    a["train"] = train
    if with_repr:
        a["repr"] = repr(module)
    fx.case(name, op, inputs, expected, args=a)


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


# ---- Linear and Sequential -------------------------------------------------------------------------------------
layer_case("linear", "linear", nn.Linear(13, 7), fx.randn(2, 5, 13), {"in": 13, "out": 7, "bias": True})
layer_case("linear_nobias", "linear", nn.Linear(8, 17, bias=False), fx.randn(3, 8), {"in": 8, "out": 17,
                                                                                     "bias": False})
layer_case("sequential_mlp", "sequential", nn.Sequential(nn.Linear(6, 10), nn.GELU(), nn.Linear(10, 3)),
           fx.randn(4, 6), {})


# ---- convolutions ---------------------------------------------------------------------------------------------
def conv(name, cin, cout, kernel, xs, stride=1, pad=0, dilation=1, groups=1, bias=True):
    k = pair(kernel)
    if isinstance(pad, (tuple, list)) and len(pad) == 4:
        t, b, l, r = pad
        m = nn.Conv2d(cin, cout, k, stride=stride, padding=0, dilation=dilation, groups=groups, bias=bias)
        fwd = (lambda mod, x: mod(F.pad(x, (l, r, t, b))))
        rep = False
    else:
        p = pair(pad)
        t, b, l, r = p[0], p[0], p[1], p[1]
        m = nn.Conv2d(cin, cout, k, stride=stride, padding=tuple(p), dilation=dilation, groups=groups, bias=bias)
        fwd = None
        rep = True
    layer_case(name, "conv2d", m, fx.randn(*xs),
               {"in": cin, "out": cout, "kernel": k, "stride": pair(stride), "pad": [t, b, l, r],
                "dilation": pair(dilation), "groups": groups, "bias": bias}, forward=fwd, with_repr=rep)


conv("conv_3x3_pad1", 4, 6, 3, (2, 4, 7, 6), pad=1)
conv("conv_stride2_asym_pad0101", 3, 5, 3, (2, 3, 9, 8), stride=2, pad=(0, 1, 0, 1))
conv("conv_stride_2x1_kernel_2x3", 3, 4, (2, 3), (1, 3, 9, 7), stride=(2, 1), pad=(1, 0))
conv("conv_dilation2", 2, 3, 3, (2, 2, 11, 9), pad=2, dilation=2)
conv("conv_groups2_nobias", 6, 4, 3, (2, 6, 7, 5), pad=1, groups=2, bias=False)
conv("conv_depthwise_stride2", 5, 5, 3, (1, 5, 9, 9), stride=2, pad=1, groups=5)
conv("conv_pointwise", 16, 13, 1, (2, 16, 5, 3))
conv("conv_unbatched", 3, 4, 3, (3, 6, 5), pad=1)


def conv_t(name, cin, cout, kernel, xs, stride=1, pad=0, output_padding=0, groups=1, bias=True, dilation=1):
    k = pair(kernel)
    m = nn.ConvTranspose2d(cin, cout, k, stride=stride, padding=pad, output_padding=output_padding, groups=groups,
                           bias=bias, dilation=dilation)
    p = pair(pad)
    layer_case(name, "conv_transpose2d", m, fx.randn(*xs),
               {"in": cin, "out": cout, "kernel": k, "stride": pair(stride), "pad": [p[0], p[0], p[1], p[1]],
                "dilation": pair(dilation), "groups": groups, "bias": bias,
                "output_padding": pair(output_padding)})


conv_t("convt_s2_p1_op1", 4, 3, 3, (2, 4, 5, 4), stride=2, pad=1, output_padding=1)
conv_t("convt_groups2_nobias", 4, 6, 2, (1, 4, 3, 5), stride=2, groups=2, bias=False)
conv_t("convt_dilation2", 3, 2, 3, (1, 3, 4, 4), pad=1, dilation=2)


# ---- normalisations ---------------------------------------------------------------------------------------------
def norm_case(name, op, m, x, args, train=True):
    randomise_affine(m)
    layer_case(name, op, m, x, args, train=train)


norm_case("layer_norm_affine_eps1e-6", "layer_norm", nn.LayerNorm(24, eps=1e-6), fx.randn(2, 5, 24, scale=2) + 1,
          {"shape": [24], "eps": 1e-6, "affine": True})
norm_case("layer_norm_no_affine", "layer_norm", nn.LayerNorm(17, elementwise_affine=False), fx.randn(3, 17),
          {"shape": [17], "eps": 1e-5, "affine": False})
norm_case("layer_norm_2d_shape", "layer_norm", nn.LayerNorm((3, 5)), fx.randn(4, 3, 5),
          {"shape": [3, 5], "eps": 1e-5, "affine": True})
norm_case("group_norm_3_groups", "group_norm", nn.GroupNorm(3, 6, eps=1e-6), fx.randn(2, 6, 4, 5),
          {"groups": 3, "channels": 6, "eps": 1e-6, "affine": True})
norm_case("group_norm_no_affine", "group_norm", nn.GroupNorm(2, 8, affine=False), fx.randn(3, 8, 7),
          {"groups": 2, "channels": 8, "eps": 1e-5, "affine": False})
norm_case("group_norm_per_channel", "group_norm", nn.GroupNorm(4, 4), fx.randn(2, 4, 3, 3),
          {"groups": 4, "channels": 4, "eps": 1e-5, "affine": True})


def bn(name, c, x, train, eps=1e-5, momentum=0.1, affine=True, track=True, stats=False, tracked=0):
    m = nn.BatchNorm1d(c, eps=eps, momentum=momentum, affine=affine, track_running_stats=track)
    randomise_affine(m)
    if stats:
        with torch.no_grad():
            m.running_mean.copy_(fx.randn(c, scale=0.5))
            m.running_var.copy_(fx.rand(c, low=0.5, high=2.0))
    if track:
        m.num_batches_tracked.fill_(tracked)
    layer_case(name, "batch_norm1d", m, x, {"features": c, "eps": eps, "momentum": momentum, "affine": affine,
                                            "track": track}, train=train)


bn("bn_train_2d", 5, fx.randn(8, 5, scale=2) + 0.5, True)
bn("bn_train_3d_no_affine", 4, fx.randn(3, 4, 6), True, affine=False, eps=1e-6, stats=True)
bn("bn_train_cumulative_momentum", 3, fx.randn(6, 3, 2), True, momentum=None, stats=True, tracked=3)
bn("bn_eval_running_stats", 4, fx.randn(3, 4, 5), False, stats=True, tracked=7)
bn("bn_eval_2d", 6, fx.randn(5, 6), False, momentum=0.3, stats=True)
bn("bn_no_tracking_train", 3, fx.randn(4, 3), True, track=False)
bn("bn_no_tracking_eval_uses_batch", 3, fx.randn(2, 3, 4), False, track=False)

# ---- embedding, dropout, activations --------------------------------------------------------------------------
layer_case("embedding_repeated_indices", "embedding", nn.Embedding(10, 4),
           torch.tensor([[1, 3, 3, 9, 0], [3, 1, 7, 7, 3]], dtype=torch.int64), {"num": 10, "dim": 4})
layer_case("embedding_1d", "embedding", nn.Embedding(6, 7), torch.tensor([5, 0, 5], dtype=torch.int64),
           {"num": 6, "dim": 7})
layer_case("dropout_p0_train", "dropout", nn.Dropout(0.0), fx.randn(4, 9), {"p": 0.0}, train=True)
layer_case("dropout_eval_identity", "dropout", nn.Dropout(0.5), fx.randn(3, 7, 2), {"p": 0.5}, train=False)
layer_case("gelu_exact", "gelu", nn.GELU(), fx.randn(5, 13, scale=2), {"approximate": "none"})
layer_case("gelu_tanh", "gelu", nn.GELU(approximate="tanh"), fx.randn(5, 13, scale=2), {"approximate": "tanh"})
layer_case("silu", "silu", nn.SiLU(), fx.randn(4, 11, scale=3), {})
layer_case("relu", "relu", nn.ReLU(), fx.randn(4, 11), {})
layer_case("tanh", "tanh", nn.Tanh(), fx.randn(4, 11), {})
layer_case("sigmoid", "sigmoid", nn.Sigmoid(), fx.randn(4, 11, scale=3), {})


# ---- timm blocks ------------------------------------------------------------------------------------------------
def attention(name, b, n, dim, heads, qkv_bias):
    layer_case(name, "attention", Attention(dim, heads, qkv_bias), fx.randn(b, n, dim),
               {"dim": dim, "heads": heads, "qkv_bias": qkv_bias})


attention("attention_qkv_bias", 2, 7, 32, 4, True)
attention("attention_no_qkv_bias", 1, 17, 48, 3, False)
attention("attention_one_token", 3, 1, 16, 2, True)
attention("attention_one_head", 2, 5, 8, 1, True)

layer_case("mlp_exact_gelu", "mlp", Mlp(12, 40, 12), fx.randn(2, 5, 12),
           {"in": 12, "hidden": 40, "out": 12, "act": "gelu"})
layer_case("mlp_tanh_gelu_out", "mlp", Mlp(16, 24, 9, act_layer=lambda: nn.GELU(approximate="tanh")),
           fx.randn(3, 16), {"in": 16, "hidden": 24, "out": 9, "act": "gelu_tanh"})
layer_case("patch_embed_latent", "patch_embed", PatchEmbed(8, 2, 4, 16), fx.randn(2, 4, 8, 8),
           {"img": 8, "patch": 2, "in_chans": 4, "embed_dim": 16})
layer_case("patch_embed_patch4", "patch_embed", PatchEmbed(12, 4, 3, 10), fx.randn(1, 3, 12, 12),
           {"img": 12, "patch": 4, "in_chans": 3, "embed_dim": 10})


# ---- fixed sin-cos embeddings (usp-spec §3.1), NumPy float64 formulas -----------------------------------------
def sincos_1d(d, pos):
    omega = np.arange(d // 2, dtype=np.float64) / (d / 2.0)
    omega = 1.0 / 10000 ** omega
    out = np.einsum("m,d->md", pos.reshape(-1).astype(np.float64), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def pos_2d(embed_dim, gh, gw, cls):
    grid = np.meshgrid(np.arange(gw, dtype=np.float64), np.arange(gh, dtype=np.float64))  # w first
    emb = np.concatenate([sincos_1d(embed_dim // 2, grid[0]), sincos_1d(embed_dim // 2, grid[1])], axis=1)
    if cls:
        emb = np.concatenate([np.zeros([1, embed_dim]), emb], axis=0)
    return torch.from_numpy(emb).float()


def timestep(t, dim, max_period=10000.0):
    half = dim // 2
    freqs = np.exp(-math.log(max_period) * np.arange(half, dtype=np.float64) / half)
    args = t.astype(np.float64)[:, None] * freqs[None]
    emb = np.concatenate([np.cos(args), np.sin(args)], axis=-1)
    if dim % 2:
        emb = np.concatenate([emb, np.zeros_like(emb[:, :1])], axis=-1)
    return torch.from_numpy(emb).float()


def dit_timestep_float32(t, dim, max_period=10000):
    """DiT's own float32 PyTorch version, only to report how far its rounding is from the exact values."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(start=0, end=half, dtype=torch.float32) / half)
    a = t[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(a), torch.sin(a)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


for d, gh, gw, cls in [(16, 4, 4, False), (32, 3, 3, True), (8, 2, 5, False), (64, 14, 14, True)]:
    fx.case(f"pos_embed_2d_d{d}_{gh}x{gw}{'_cls' if cls else ''}", "pos_embed_2d", {},
            {"out": pos_2d(d, gh, gw, cls)}, args={"embed_dim": d, "grid_h": gh, "grid_w": gw, "cls": cls})

steps = np.array([0, 1, 17, 250, 500.5, 999], dtype=np.float32)
frac = np.array([0.0, 0.25, 0.9, 1.0], dtype=np.float32)
for name, t, dim in [("timestep_dim16", steps, 16), ("timestep_dim15_odd", steps, 15),
                     ("timestep_dim256", steps, 256), ("timestep_fractional_sit", frac, 32)]:
    expected = timestep(t, dim)
    fx.case(name, "timestep_embedding", {"t": torch.from_numpy(t)}, {"out": expected},
            args={"dim": dim, "max_period": 10000.0})
    diff = (dit_timestep_float32(torch.from_numpy(t), dim) - expected).abs().max().item()
    print(f"{name}: DiT's float32 version differs from the exact values by up to {diff:.2e}")

fx.save(OUT_DIR)
