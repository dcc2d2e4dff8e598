"""Golden fixture of DiT's Gaussian diffusion (GaussianDiffusionGoldenTest), from a NumPy/PyTorch reference written
after the structure of DiT's diffusion/gaussian_diffusion.py, respace.py, diffusion_utils.py and __init__.py
(create_diffusion). Schedules are float64 NumPy like the original; tensors are float32 PyTorch like the original
(_extract_into_tensor indexes the float64 array and casts the picked values to float32).

golden/gaussian.safetensors:
  * schedule_<name>: every derived float64 array of a (possibly respaced) diffusion, stored as int64 bit patterns
    (exact), plus the kept timesteps (timestep_map): linear and cosine T=1000, linear respaced "250", "ddim50" and
    "10,15,20"
  * respacing: space_timesteps(T, s) for a list of strings, as sorted lists in the case args
  * loss_<name>: fixed x_start, noise, t (with t = 0), fixed model output; q_sample, the posterior, p_mean_variance
    (no clipping, and with clip_denoised), per-sample mse/vb/loss of training_losses, the timesteps the model was
    called with, and the gradient of loss.mean() w.r.t. the model output (the VLB's stop-gradient on the mean)
  * ddpm_step / ddim_step_*: one p_sample / ddim_sample step for fixed inputs, model output and noise

Run: /usr/bin/python3 diffusion/src/test/python/gen_gaussian.py
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python")))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from golden import Fixture  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))

from gaussian_reference import *  # noqa: E402,F401,F403  (shared with the bench peer)
from gaussian_reference import DT  # noqa: E402  (switched to float64 for the float64 cases)


# ---------------------------------------------------------------- cases

fx = Fixture("gaussian", seed=7)

for name, sched, resp in [("linear", "linear", None), ("cosine", "cosine", None), ("linear_250", "linear", "250"),
                          ("linear_ddim50", "linear", "ddim50"), ("linear_10_15_20", "linear", "10,15,20")]:
    d = make(sched, resp)
    outs = {k: bits(getattr(d, k)) for k in Diffusion.ARRAYS}
    outs["timestep_map"] = torch.tensor(d.timestep_map, dtype=torch.int64)
    fx.case("schedule_" + name, "schedule", {}, outs,
            args={"schedule": sched, "respacing": resp, "steps": 1000, "arrays": Diffusion.ARRAYS})

RESPACINGS = ["250", "ddim50", "10,15,20", "100", "27", "1,2,3,4", "ddim25", "ddim100", "ddim1000", "7,0,3", "1000",
              "50,50", "999", "3"]
fx.case("respacing", "respacing", {}, {},
        args={"steps": 1000, "strings": RESPACINGS,
              "sets": [sorted(space_timesteps(1000, s)) for s in RESPACINGS],
              "small": {"steps": 10, "strings": ["4", "ddim3", "3,2", "1,1,1"],
                        "sets": [sorted(space_timesteps(10, s)) for s in ["4", "ddim3", "3,2", "1,1,1"]]}})

B, C, H, W = 6, 3, 4, 4


def loss_case(name, d, t, learn_sigma):
    x_start = fx.rand(B, C, H, W, low=-1.0, high=1.0)
    x_start[0, 0, 0, :2] = torch.tensor([-1.0, 1.0])  # the decoder's edge bins (x < -0.999, x > 0.999)
    noise = fx.randn(B, C, H, W)
    x_t_ref = d.q_sample(x_start, t, noise)
    if d.mean_type == START_X:
        head = x_start + 0.1 * fx.randn(B, C, H, W)
    else:
        head = noise + 0.1 * fx.randn(B, C, H, W)
    if learn_sigma:
        tail = fx.rand(B, C, H, W, low=-1.0, high=1.0)
        if d.var_type == LEARNED:  # raw log-variances near the posterior's
            tail = extract(d.posterior_log_variance_clipped, t, x_start.shape) + 0.3 * tail
        model_out = torch.cat([head, tail], dim=1)
    else:
        model_out = head
    leaf = model_out.clone().requires_grad_(True)
    post_mean, post_var, post_logvar = d.q_posterior(x_start, x_t_ref, t)
    pmv = d.p_mean_variance(lambda x, tt: model_out, x_t_ref, t)
    pmv_clip = d.p_mean_variance(lambda x, tt: model_out, x_t_ref, t, clip_denoised=True)
    d.calls.clear()
    terms = d.training_losses(lambda x, tt: leaf, x_start, t, noise)
    terms["loss"].mean().backward()
    # PyTorch's own float32 error on the loss terms and the gradient, against the same code in float64: where the
    # bound cancels (−1 + Δ + e^−Δ for close log-variances) it exceeds 1e-6, and Java cannot be asked to do better.
    DT[0] = torch.float64
    leaf64 = model_out.double().requires_grad_(True)
    terms64 = d.training_losses(lambda x, tt: leaf64, x_start.double(), t, noise.double())
    terms64["loss"].mean().backward()
    DT[0] = torch.float32
    pairs = [(terms[k].detach(), terms64[k].detach()) for k in terms] + [(leaf.grad, leaf64.grad)]
    f32_err = max(((a.double() - e).abs() / e.abs().clamp(min=1)).max().item() for a, e in pairs)
    outs = {"q_sample": x_t_ref, "post_mean": post_mean, "post_var": post_var, "post_logvar": post_logvar,
            "mean": pmv["mean"], "variance": pmv["variance"], "log_variance": pmv["log_variance"],
            "pred_xstart": pmv["pred_xstart"], "clip_mean": pmv_clip["mean"],
            "clip_pred_xstart": pmv_clip["pred_xstart"], "model_t": d.calls[0],
            "loss": terms["loss"].detach(), "grad": leaf.grad}
    for k in ("mse", "vb"):
        if k in terms:
            outs[k] = terms[k].detach()
    fx.case(name, "loss", {"x_start": x_start, "noise": noise, "t": t, "model_out": model_out}, outs,
            tol=max(1e-6, 2 * f32_err),
            args={"float32_error": f32_err, "schedule": SCHED[name], "respacing": RESP[name],
                  "mean_type": d.mean_type, "var_type": d.var_type, "loss_type": d.loss_type})


SCHED, RESP = {}, {}


def add_loss(name, sched, resp, mean_type, var_type, loss_type, t):
    SCHED[name], RESP[name] = sched, resp
    d = make(sched, resp, mean_type, var_type, loss_type)
    loss_case(name, d, torch.tensor(t, dtype=torch.int64), var_type in (LEARNED, LEARNED_RANGE))


add_loss("loss_dit_default", "linear", None, EPSILON, LEARNED_RANGE, MSE, [0, 1, 5, 250, 777, 999])
add_loss("loss_respaced_250", "linear", "250", EPSILON, LEARNED_RANGE, MSE, [0, 1, 2, 100, 200, 249])
add_loss("loss_cosine_learned_xstart", "cosine", None, START_X, LEARNED, RESCALED_MSE, [0, 3, 40, 500, 900, 999])
add_loss("loss_fixed_small_kl", "linear", None, EPSILON, FIXED_SMALL, KL, [0, 2, 10, 300, 600, 999])
add_loss("loss_fixed_large_rescaled_kl", "linear", "ddim50", EPSILON, FIXED_LARGE, RESCALED_KL,
         [0, 1, 7, 20, 33, 49])
add_loss("loss_learned_range_kl", "cosine", "10,15,20", EPSILON, LEARNED_RANGE, KL, [0, 1, 9, 10, 24, 44])


def step_case(name, resp, t, eta=None):
    d = make("linear", resp)
    t = torch.tensor(t, dtype=torch.int64)
    x = fx.randn(B, C, H, W)
    model_out = torch.cat([fx.randn(B, C, H, W), fx.rand(B, C, H, W, low=-1.0, high=1.0)], dim=1)
    noise = fx.randn(B, C, H, W)
    if eta is None:
        sample, pred = d.p_sample(lambda a, b: model_out, x, t, noise)
    else:
        sample, pred = d.ddim_sample(lambda a, b: model_out, x, t, eta, noise)
    fx.case(name, "ddpm" if eta is None else "ddim", {"x": x, "t": t, "model_out": model_out, "noise": noise},
            {"sample": sample, "pred_xstart": pred, "model_t": d.calls[0]},
            args={"schedule": "linear", "respacing": resp, "eta": eta})


step_case("ddpm_step_250", "250", [0, 1, 2, 100, 248, 249])
step_case("ddpm_step_1000", None, [0, 1, 500, 998, 999, 3])
step_case("ddim_step_eta0", "ddim50", [0, 1, 2, 25, 48, 49], eta=0.0)
step_case("ddim_step_eta05", "ddim50", [0, 1, 2, 25, 48, 49], eta=0.5)

fx.save(OUT_DIR)
