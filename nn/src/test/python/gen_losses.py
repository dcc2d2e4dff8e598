"""Golden fixtures of the losses (values and gradients): MSE with its reductions and MAE's masked mean over
patches, cross-entropy with label smoothing, ignore_index and spatial dims as torch.nn.functional.cross_entropy,
and the KL divergence of diagonal Gaussians as the SD-VAE's DiagonalGaussianDistribution.kl computes it.

Run: /usr/bin/python3 nn/src/test/python/gen_losses.py  (writes nn/src/test/resources/golden/losses.safetensors)
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "autograd", "src", "test", "python"))
sys.path.insert(0, os.path.join(ROOT, "tensor", "src", "test", "python"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from golden import Fixture  # noqa: E402
from gradgolden import GradFixture  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))

fx = GradFixture("losses", seed=7)

# ---- MSE ---------------------------------------------------------------------------------------------------------
for red in ["mean", "sum", "none"]:
    for shape in [(3, 17), (2, 5, 7), (1,), (31,)]:
        name = f"mse_{red}_{'x'.join(map(str, shape))}"
        fx.grad_case(name, "mse", lambda pred, target, red=red: F.mse_loss(pred, target, reduction=red),
                     {"pred": fx.randn(*shape), "target": fx.randn(*shape)}, args={"reduction": red})
# A transposed (non-contiguous) prediction against a target that needs no gradient.
fx.grad_case("mse_mean_view", "mse", lambda pred, target: F.mse_loss(pred, target),
             {"pred": fx.randn(9, 4), "target": fx.randn(4, 9)}, args={"reduction": "mean"},
             views={"pred": [["transpose", 0, 1]]}, nondiff=("target",))


def masked_mse(pred, target, mask):
    """MAE's forward_loss: mean over the patch dim(s), then the mean over the patches the mask keeps."""
    loss = (pred - target) ** 2
    extra = pred.dim() - mask.dim()
    if extra:
        loss = loss.mean(dim=tuple(range(mask.dim(), pred.dim())))
    return (loss * mask).sum() / mask.sum()


for i, (n, L, d) in enumerate([(2, 7, 16), (3, 13, 5), (1, 4, 1)]):
    mask = (torch.rand(n, L, generator=fx.gen) < 0.75).float()
    mask[0, 0] = 1.0  # at least one masked patch
    fx.grad_case(f"mse_masked_patches_{i}", "mse_masked", masked_mse,
                 {"pred": fx.randn(n, L, d), "target": fx.randn(n, L, d), "mask": mask}, nondiff=("mask",))
mask = (torch.rand(4, 6, generator=fx.gen) < 0.5).float()
mask[0, 0] = 1.0
fx.grad_case("mse_masked_elementwise", "mse_masked", masked_mse,
             {"pred": fx.randn(4, 6), "target": fx.randn(4, 6), "mask": mask}, nondiff=("mask",))

# ---- cross-entropy -----------------------------------------------------------------------------------------------


def ce_case(name, logits, target, red="mean", smoothing=0.0, ignore=-100, views=None):
    fx.grad_case(name, "cross_entropy",
                 lambda logits, target: F.cross_entropy(logits, target, reduction=red, label_smoothing=smoothing,
                                                        ignore_index=ignore),
                 {"logits": logits, "target": target},
                 args={"reduction": red, "smoothing": smoothing, "ignore_index": ignore}, views=views)


for red in ["mean", "sum", "none"]:
    for smoothing in [0.0, 0.1]:
        for n, c in [(6, 11), (17, 3), (1, 1000)]:
            ce_case(f"ce_{red}_ls{smoothing}_{n}x{c}", fx.randn(n, c, scale=2.0), fx.randint(0, c, n), red,
                    smoothing)
# ignore_index: some rows ignored (mean divides by the rows kept).
for red in ["mean", "sum", "none"]:
    for smoothing in [0.0, 0.2]:
        t = fx.randint(0, 7, 9)
        t[1] = -100
        t[4] = -100
        ce_case(f"ce_ignore_{red}_ls{smoothing}", fx.randn(9, 7), t, red, smoothing)
t = fx.randint(0, 5, 8)
t[0] = 3
t[2] = 3
ce_case("ce_ignore_index_3", fx.randn(8, 5), t, "mean", 0.1, ignore=3)
# Spatial dims [N, C, d1, d2] with integer targets [N, d1, d2].
for red in ["mean", "none"]:
    t = fx.randint(0, 4, 2, 3, 5)
    t[0, 1, 2] = -100
    ce_case(f"ce_spatial_{red}", fx.randn(2, 4, 3, 5), t, red, 0.1)
# Non-contiguous logits: a transposed [C, N] base.
ce_case("ce_view", fx.randn(10, 6), fx.randint(0, 10, 6), "mean", 0.1, views={"logits": [["transpose", 0, 1]]})
# Class probabilities as targets (mixup's soft labels), with and without smoothing.
for smoothing in [0.0, 0.1]:
    for red in ["mean", "sum", "none"]:
        probs = torch.softmax(fx.randn(5, 8), dim=1)
        fx.grad_case(f"ce_probs_{red}_ls{smoothing}", "cross_entropy_probs",
                     lambda logits, probs, red=red, smoothing=smoothing:
                     F.cross_entropy(logits, probs, reduction=red, label_smoothing=smoothing),
                     {"logits": fx.randn(5, 8), "probs": probs}, args={"reduction": red, "smoothing": smoothing},
                     nondiff=("probs",))

# ---- KL of diagonal Gaussians (ldm's DiagonalGaussianDistribution.kl: sum over every non-batch dim) ----------------


def kl_standard(mean, logvar):
    return 0.5 * torch.sum(mean.pow(2) + logvar.exp() - 1.0 - logvar, dim=tuple(range(1, mean.dim())))


def kl_other(mean, logvar, mean2, logvar2):
    return 0.5 * torch.sum((mean - mean2).pow(2) / logvar2.exp() + logvar.exp() / logvar2.exp() - 1.0 - logvar
                           + logvar2, dim=tuple(range(1, mean.dim())))


for shape in [(2, 4, 3, 5), (3, 7), (1, 4, 8, 8)]:
    tag = "x".join(map(str, shape))
    fx.grad_case(f"kl_standard_{tag}", "kl", kl_standard,
                 {"mean": fx.randn(*shape), "logvar": fx.randn(*shape, scale=0.5)})
    fx.grad_case(f"kl_other_{tag}", "kl_other", kl_other,
                 {"mean": fx.randn(*shape), "logvar": fx.randn(*shape, scale=0.5), "mean2": fx.randn(*shape),
                  "logvar2": fx.randn(*shape, scale=0.5)})
# A channel-sliced view: the moments tensor [N, 2C, H, W] chunked into mean and logvar as the VAE does.
moments = fx.randn(2, 8, 3, 3)
fx.grad_case("kl_moments_chunk", "kl", kl_standard, {"mean": moments, "logvar": moments.clone() * 0.3},
             views={"mean": [["narrow", 1, 0, 4]], "logvar": [["narrow", 1, 4, 4]]})

Fixture.save(fx, OUT_DIR)
