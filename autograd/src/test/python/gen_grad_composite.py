"""Gradient fixtures of composite expressions: a pre-norm transformer block written as timm's Block
(LN -> multi-head attention -> residual -> LN -> MLP with exact GELU -> residual), every parameter differentiable.

Run: /usr/bin/python3 autograd/src/test/python/gen_grad_composite.py
"""
import torch
import torch.nn.functional as F

from gradgolden import GradFixture

fx = GradFixture("grad_composite", seed=13)


def block(x, ln1_w, ln1_b, qkv_w, qkv_b, proj_w, proj_b, ln2_w, ln2_b, fc1_w, fc1_b, fc2_w, fc2_b, heads):
    b, n, c = x.shape
    h = F.layer_norm(x, (c,), ln1_w, ln1_b, eps=1e-6)
    qkv = (h @ qkv_w.t() + qkv_b).reshape(b, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.unbind(0)
    attn = ((q @ k.transpose(-2, -1)) * (c // heads) ** -0.5).softmax(dim=-1)
    o = (attn @ v).transpose(1, 2).reshape(b, n, c)
    x = x + (o @ proj_w.t() + proj_b)
    h = F.layer_norm(x, (c,), ln2_w, ln2_b, eps=1e-6)
    h = F.gelu(h @ fc1_w.t() + fc1_b) @ fc2_w.t() + fc2_b
    return x + h


for i, (b, n, c, heads) in enumerate([(2, 7, 16, 2), (1, 5, 24, 3)]):
    hidden = 4 * c
    inputs = {
        "x": fx.randn(b, n, c),
        "ln1_w": 1 + 0.1 * fx.randn(c), "ln1_b": 0.1 * fx.randn(c),
        "qkv_w": fx.randn(3 * c, c) * c ** -0.5, "qkv_b": 0.1 * fx.randn(3 * c),
        "proj_w": fx.randn(c, c) * c ** -0.5, "proj_b": 0.1 * fx.randn(c),
        "ln2_w": 1 + 0.1 * fx.randn(c), "ln2_b": 0.1 * fx.randn(c),
        "fc1_w": fx.randn(hidden, c) * c ** -0.5, "fc1_b": 0.1 * fx.randn(hidden),
        "fc2_w": fx.randn(c, hidden) * hidden ** -0.5, "fc2_b": 0.1 * fx.randn(c),
    }
    fx.grad_case(f"transformer_block_{i}", "transformer_block",
                 lambda heads=heads, **t: block(heads=heads, **t), inputs, args={"heads": heads})

# A small composite of reductions and broadcasting: a normalised, masked softmax cross-entropy.
logits, target = fx.randn(6, 11), fx.randint(0, 11, 6)
fx.grad_case("cross_entropy", "cross_entropy",
             lambda logits, target: -(F.log_softmax(logits, dim=1) * F.one_hot(target, 11)).sum(1).mean(),
             {"logits": logits, "target": target})
fx.save()
