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


# ---- diffusers' modules, written out ------------------------------------------------------------------------------
def activation(name):
    return {"silu": nn.SiLU, "swish": nn.SiLU, "gelu": nn.GELU, "relu": nn.ReLU}[name]()


class ResnetBlock2D(nn.Module):
    """diffusers ResnetBlock2D without time embedding (temb_channels=None), output_scale_factor 1."""

    def __init__(self, in_channels, out_channels, groups, eps=1e-6, act_fn="silu"):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=1, padding=1)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps, affine=True)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1)
        self.nonlinearity = activation(act_fn)
        self.conv_shortcut = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else None

    def forward(self, x):
        h = self.conv1(self.nonlinearity(self.norm1(x)))
        h = self.conv2(self.dropout(self.nonlinearity(self.norm2(h))))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Attention(nn.Module):
    """diffusers Attention as the VAE builds it: heads = 1, dim_head = C, GroupNorm, biased q/k/v/out, residual."""

    def __init__(self, channels, groups, eps=1e-6):
        super().__init__()
        self.scale = channels ** -0.5
        self.group_norm = nn.GroupNorm(groups, channels, eps=eps, affine=True)
        self.to_q = nn.Linear(channels, channels, bias=True)
        self.to_k = nn.Linear(channels, channels, bias=True)
        self.to_v = nn.Linear(channels, channels, bias=True)
        self.to_out = nn.ModuleList([nn.Linear(channels, channels, bias=True), nn.Dropout(0.0)])

    def forward(self, x):
        residual = x
        b, c, h, w = x.shape
        hs = x.view(b, c, h * w).transpose(1, 2)
        hs = self.group_norm(hs.transpose(1, 2)).transpose(1, 2)
        q, k, v = self.to_q(hs), self.to_k(hs), self.to_v(hs)
        probs = (q @ k.transpose(-1, -2) * self.scale).softmax(dim=-1)
        hs = self.to_out[1](self.to_out[0](probs @ v))
        hs = hs.transpose(-1, -2).reshape(b, c, h, w)
        return hs + residual


class UNetMidBlock2D(nn.Module):
    def __init__(self, channels, groups, act_fn="silu", add_attention=True):
        super().__init__()
        self.attentions = nn.ModuleList([Attention(channels, groups) if add_attention else None])
        self.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, groups, act_fn=act_fn),
                                      ResnetBlock2D(channels, channels, groups, act_fn=act_fn)])

    def forward(self, x):
        x = self.resnets[0](x)
        for attn, resnet in zip(self.attentions, self.resnets[1:]):
            if attn is not None:
                x = attn(x)
            x = resnet(x)
        return x


class Downsample2D(nn.Module):
    """Stride-2 3x3 conv after zero padding of one column on the right and one row at the bottom."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1), mode="constant", value=0))


class Upsample2D(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownEncoderBlock2D(nn.Module):
    def __init__(self, in_channels, out_channels, num_layers, groups, add_downsample, act_fn="silu"):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, groups,
                                                    act_fn=act_fn) for i in range(num_layers)])
        self.downsamplers = nn.ModuleList([Downsample2D(out_channels)]) if add_downsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        if self.downsamplers is not None:
            for d in self.downsamplers:
                x = d(x)
        return x


class UpDecoderBlock2D(nn.Module):
    def __init__(self, in_channels, out_channels, num_layers, groups, add_upsample, act_fn="silu"):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, groups,
                                                    act_fn=act_fn) for i in range(num_layers)])
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels)]) if add_upsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        if self.upsamplers is not None:
            for u in self.upsamplers:
                x = u(x)
        return x


class Encoder(nn.Module):
    def __init__(self, in_channels, out_channels, block_out_channels, layers_per_block, groups, act_fn):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, block_out_channels[0], 3, stride=1, padding=1)
        self.mid_block = None
        self.down_blocks = nn.ModuleList([])
        out_ch = block_out_channels[0]
        for i, ch in enumerate(block_out_channels):
            in_ch, out_ch = out_ch, ch
            self.down_blocks.append(DownEncoderBlock2D(in_ch, out_ch, layers_per_block, groups,
                                                       add_downsample=i != len(block_out_channels) - 1,
                                                       act_fn=act_fn))
        self.mid_block = UNetMidBlock2D(block_out_channels[-1], groups, act_fn=act_fn)
        self.conv_norm_out = nn.GroupNorm(groups, block_out_channels[-1], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(block_out_channels[-1], 2 * out_channels, 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for b in self.down_blocks:
            x = b(x)
        x = self.mid_block(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, in_channels, out_channels, block_out_channels, layers_per_block, groups, act_fn):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, block_out_channels[-1], 3, stride=1, padding=1)
        self.mid_block = None
        self.up_blocks = nn.ModuleList([])
        self.mid_block = UNetMidBlock2D(block_out_channels[-1], groups, act_fn=act_fn)
        rev = list(reversed(block_out_channels))
        out_ch = rev[0]
        for i, ch in enumerate(rev):
            prev, out_ch = out_ch, ch
            self.up_blocks.append(UpDecoderBlock2D(prev, out_ch, layers_per_block + 1, groups,
                                                   add_upsample=i != len(block_out_channels) - 1, act_fn=act_fn))
        self.conv_norm_out = nn.GroupNorm(groups, block_out_channels[0], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(block_out_channels[0], out_channels, 3, padding=1)

    def forward(self, z):
        z = self.conv_in(z)
        z = self.mid_block(z)
        for b in self.up_blocks:
            z = b(z)
        return self.conv_out(self.conv_act(self.conv_norm_out(z)))


class DiagonalGaussianDistribution:
    def __init__(self, parameters):
        self.mean, self.logvar = torch.chunk(parameters, 2, dim=1)
        self.logvar = torch.clamp(self.logvar, -30.0, 20.0)
        self.std = torch.exp(0.5 * self.logvar)
        self.var = torch.exp(self.logvar)

    def sample(self, noise):
        return self.mean + self.std * noise

    def kl(self):
        return 0.5 * torch.sum(self.mean.pow(2) + self.var - 1.0 - self.logvar, dim=[1, 2, 3])

    def nll(self, sample, dims=(1, 2, 3)):
        return 0.5 * torch.sum(math.log(2.0 * math.pi) + self.logvar + (sample - self.mean).pow(2) / self.var,
                               dim=list(dims))

    def mode(self):
        return self.mean


class AutoencoderKL(nn.Module):
    def __init__(self, in_channels=3, out_channels=3, block_out_channels=(64,), layers_per_block=1,
                 latent_channels=4, norm_num_groups=32, act_fn="silu", scaling_factor=0.18215):
        super().__init__()
        self.scaling_factor = scaling_factor
        self.encoder = Encoder(in_channels, latent_channels, block_out_channels, layers_per_block,
                               norm_num_groups, act_fn)
        self.decoder = Decoder(latent_channels, out_channels, block_out_channels, layers_per_block,
                               norm_num_groups, act_fn)
        self.quant_conv = nn.Conv2d(2 * latent_channels, 2 * latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(latent_channels, latent_channels, 1)

    def encode(self, x):
        return DiagonalGaussianDistribution(self.quant_conv(self.encoder(x)))

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))

    def forward(self, x):
        return self.decode(self.encode(x).mode())


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
