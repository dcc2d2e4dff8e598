"""Golden fixtures of the KL autoencoder (diffusers' AutoencoderKL, the SD "KL-f8" VAE; usp-spec §1.2).

diffusers is not installed next to torch 1.13, so its modules are written out below in plain PyTorch with
diffusers' class structure, module names and registration order (ResnetBlock2D, Attention with the
AttnProcessor path used by the VAE, UNetMidBlock2D, Downsample2D, Upsample2D, DownEncoderBlock2D,
UpDecoderBlock2D, Encoder, Decoder, DiagonalGaussianDistribution, AutoencoderKL), so that their state-dict keys are
the keys of the `stabilityai/sd-vae-ft-ema` checkpoint after diffusers' conversion of the legacy attention names.

Cases (read by VaeGoldenTest):
* `sd_layout`: the SD config's parameter count (asserted to be 83,653,863 here) and every state-dict key with its
  shape, from the reference built at full size.
* `vae_small`: a small config with random float32 weights (norm affines randomised so their gradients show),
  its state dict, an input, the noise of one posterior sample and upstream gradients. Expected: posterior mean,
  logvar, std, var, the sample, the decoded sample, KL, NLL of the sample, the mode reconstruction, the scaled
  latents and their decoding, the input gradient and every parameter gradient of
  backward([dec, kl], [g_dec, g_kl]) through encode -> sample -> decode.
* `posterior_clamp`: DiagonalGaussianDistribution alone on moments whose logvar runs past both clamp bounds.
* `sd_resnet_256_512`, `sd_mid_block_512`: full-size SD-VAE blocks (a ResNet block with a 1x1 shortcut, and the
  512-channel mid-block: ResNet, single-head spatial attention, ResNet) at a tiny spatial size, with weights from
  the shared formula (BRIEF-MODELS: sorted keys, w = s*sin(1.7*i + 0.3*k)); only x, g_out, out and grad/x stored.

The references run in float64 on the float32 weights and inputs and are rounded once at the end, so only usp4j's
own float32 rounding counts against the tolerances (1e-4 outputs, 1e-3 gradients).

Run: /usr/bin/python3 nn/src/test/python/gen_vae.py
"""
import copy
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python")))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from golden import Fixture  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))
fx = Fixture("vae", seed=2024)
torch.manual_seed(2024)


from vae_reference import *  # noqa: E402,F401,F403  (the modules, shared with the bench peer)


# ---- the SD config: parameter count and state-dict layout -------------------------------------------------------
SD = dict(in_channels=3, out_channels=3, block_out_channels=(128, 256, 512, 512), layers_per_block=2,
          latent_channels=4, norm_num_groups=32, act_fn="silu")
sd_model = AutoencoderKL(**SD)
sd_count = sum(p.numel() for p in sd_model.parameters())
assert sd_count == 83653863, sd_count
sd_layout = [[k, list(v.shape)] for k, v in sd_model.state_dict().items()]
print(f"SD-VAE reference: {sd_count} parameters, {len(sd_layout)} state-dict tensors")
fx.case("sd_layout", "sd_layout", {}, {}, args={"count": sd_count, "layout": sd_layout})
del sd_model


# ---- the small config, end to end --------------------------------------------------------------------------------
def randomise_norms(m):
    with torch.no_grad():
        for n, p in m.named_parameters():
            if "norm" in n.rsplit(".", 2)[-2]:
                p.copy_(fx.randn(*p.shape, scale=0.3) + (1.0 if n.endswith("weight") else 0.0))


def reference_copy(module):
    ref = copy.deepcopy(module).double()
    for p in ref.parameters():
        p.grad = None
    return ref


SMALL = dict(in_channels=3, out_channels=2, block_out_channels=[6, 12, 12], layers_per_block=2,
             latent_channels=3, norm_num_groups=3, act_fn="silu", scaling_factor=0.18215)
small = AutoencoderKL(**SMALL)
randomise_norms(small)
x = fx.randn(2, 3, 12, 8)
sd = {k: v.detach().clone() for k, v in small.state_dict().items()}
ref = reference_copy(small)
xr = x.double().requires_grad_(True)
post = ref.encode(xr)
lat_shape = tuple(post.mean.shape)
noise = fx.randn(*lat_shape)
z = post.sample(noise.double())
dec = ref.decode(z)
kl = post.kl()
g_dec = fx.randn(*dec.shape)
g_kl = fx.randn(*kl.shape)
torch.autograd.backward([dec, kl], [g_dec.double(), g_kl.double()])
with torch.no_grad():
    # NLL of the sample as Java holds it (rounded to float32): where std is tiny, the float64 sample's distance
    # from the mean is below float32 resolution, and the NLL would measure that rounding, not the formula
    nll = post.nll(z.float().double())
    recon = ref(xr)
    latents = post.mode() * SMALL["scaling_factor"]
    dec_latents = ref.decode(latents / SMALL["scaling_factor"])
expected = {"mean": post.mean, "logvar": post.logvar, "std": post.std, "var": post.var, "sample": z, "dec": dec,
            "kl": kl, "nll": nll, "recon": recon, "latents": latents, "dec_latents": dec_latents,
            "grad/x": xr.grad}
for n, p in ref.named_parameters():
    expected["grad/" + n] = p.grad
expected = {k: v.detach().float() for k, v in expected.items()}
inputs = {"x": x, "noise": noise, "g_dec": g_dec, "g_kl": g_kl}
inputs.update({"sd/" + k: v for k, v in sd.items()})
cfg = dict(SMALL, sample_size=12, down_block_types=["DownEncoderBlock2D"] * 3,
           up_block_types=["UpDecoderBlock2D"] * 3)
print(f"small VAE: {sum(p.numel() for p in small.parameters())} parameters, latent {list(lat_shape)}")
fx.case("vae_small", "vae_small", inputs, expected, args={"config": cfg})


# ---- the posterior alone, past both clamp bounds ----------------------------------------------------------------
moments = fx.randn(2, 6, 3, 2)
moments[:, 3:] *= 3.0
moments[0, 3, 0, 0] = 25.0
moments[0, 4, 1, 1] = -33.0
moments[1, 5, 2, 0] = -40.0
moments[1, 3, 0, 1] = 21.5
mr = moments.double().requires_grad_(True)
p = DiagonalGaussianDistribution(mr)
eps = fx.randn(2, 3, 3, 2)
s = p.sample(eps.double())
kl = p.kl()
gs = fx.randn(*s.shape)
gk = fx.randn(*kl.shape)
torch.autograd.backward([s, kl], [gs.double(), gk.double()])
with torch.no_grad():
    nll = p.nll(s.float().double())  # std ~ 1e-7 at the clamp: the float32 sample, as in vae_small
fx.case("posterior_clamp", "posterior", {"moments": moments, "noise": eps, "g_sample": gs, "g_kl": gk},
        {k: v.detach().float() for k, v in {"mean": p.mean, "logvar": p.logvar, "std": p.std, "var": p.var,
                                              "sample": s, "kl": kl, "nll": nll, "grad/moments": mr.grad}.items()})


# ---- full-size blocks with formula weights -----------------------------------------------------------------------
def is_norm_weight(key, shape):
    parts = key.split(".")
    return len(shape) <= 1 and parts[-1] == "weight" and len(parts) >= 2 and "norm" in parts[-2].lower()


def formula_fill(module):
    """BRIEF-MODELS' formula: k-th sorted key, flat index i: s*sin(1.7*i + 0.3*k) in float64, rounded to float32."""
    with torch.no_grad():
        sd_ = module.state_dict()
        for k, key in enumerate(sorted(sd_.keys())):
            t = sd_[key]
            i = torch.arange(t.numel(), dtype=torch.float64)
            wave = torch.sin(1.7 * i + 0.3 * k)
            if is_norm_weight(key, t.shape):
                w = 1.0 + 0.1 * wave
            elif t.dim() >= 2:
                w = (1.0 / math.sqrt(t[0].numel())) * wave
            else:
                w = 0.1 * wave
            t.copy_(w.float().reshape(t.shape))


def formula_block(name, module, x_shape):
    formula_fill(module)
    ref = module.double()
    xb = fx.randn(*x_shape)
    xr = xb.double().requires_grad_(True)
    out = ref(xr)
    gout = fx.randn(*out.shape)
    out.backward(gout.double())
    fx.case(name, name, {"x": xb, "g_out": gout}, {"out": out.detach().float(), "grad/x": xr.grad.float()})
    print(f"{name}: {sum(q.numel() for q in module.parameters())} parameters, |out| max "
          f"{out.abs().max().item():.3f}")


formula_block("sd_resnet_256_512", ResnetBlock2D(256, 512, 32), (1, 256, 3, 4))
formula_block("sd_mid_block_512", UNetMidBlock2D(512, 32), (1, 512, 4, 3))

fx.save(OUT_DIR)
