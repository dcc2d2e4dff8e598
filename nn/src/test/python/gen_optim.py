"""Golden optimiser trajectories: from the same initial parameters and the same per-step gradients (generated here
and stored), the parameters after every one of 20 steps of torch.optim.SGD / torch.optim.AdamW / MAE's LARS, with
MAE's per-iteration warmup + half-cycle cosine schedule, torch.nn.utils.clip_grad_norm_, timm's no-weight-decay
groups, MAE's layer-wise lr decay groups, and DiT's EMA update.

torch has no LARS, so LarsReference below writes out the rule of MAE's util/lars.py (MoCo v3's LARS). The param
group rules (timm's param_groups_weight_decay, MAE's param_groups_lrd / get_layer_id_for_vit) and MAE's
adjust_learning_rate are likewise written out here from their published definitions.

Run: /usr/bin/python3 nn/src/test/python/gen_optim.py  (writes nn/src/test/resources/golden/optim.safetensors)
"""
import math
import os
import sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tensor", "src", "test", "python"))

import torch  # noqa: E402

from golden import Fixture  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))
STEPS = 20

fx = Fixture("optim", seed=11)


# ---- references torch lacks ------------------------------------------------------------------------------------

class LarsReference(torch.optim.Optimizer):
    """LARS as MAE's util/lars.py: for parameters with more than one dim the gradient gets weight decay and is
    scaled by the trust ratio trust·‖p‖/‖update‖ (1 when either norm is 0); 1-D parameters (biases, norm affine
    parameters) get neither. Then mu ← momentum·mu + update and p ← p − lr·mu (mu starts at zero)."""

    def __init__(self, params, lr=0.0, weight_decay=0.0, momentum=0.9, trust_coefficient=0.001):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum,
                                      trust_coefficient=trust_coefficient))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                update = p.grad
                if p.ndim > 1:
                    update = update.add(p, alpha=group["weight_decay"])
                    w_norm = torch.norm(p)
                    u_norm = torch.norm(update)
                    one = torch.ones_like(w_norm)
                    ratio = torch.where(w_norm > 0.0,
                                        torch.where(u_norm > 0, group["trust_coefficient"] * w_norm / u_norm, one),
                                        one)
                    update = update.mul(ratio)
                state = self.state[p]
                if "mu" not in state:
                    state["mu"] = torch.zeros_like(p)
                state["mu"].mul_(group["momentum"]).add_(update)
                p.add_(state["mu"], alpha=-group["lr"])


def mae_lr(epoch, lr, min_lr, warmup, epochs):
    """MAE's util/lr_sched.adjust_learning_rate: linear warmup, then half-cycle cosine to min_lr."""
    if epoch < warmup:
        return lr * epoch / warmup
    return min_lr + (lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * (epoch - warmup) / (epochs - warmup)))


def groups_weight_decay(named, weight_decay, skip=()):
    """timm's param_groups_weight_decay: no decay for 1-D parameters, names ending in .bias and the skip list."""
    decay, no_decay = [], []
    for n, p in named.items():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 or n.endswith(".bias") or n in skip else decay).append(n)
    return [{"name": "no_decay", "params": no_decay, "weight_decay": 0.0, "lr_scale": 1.0},
            {"name": "decay", "params": decay, "weight_decay": weight_decay, "lr_scale": 1.0}]


def layer_id_for_vit(name, num_layers):
    if name in ("cls_token", "pos_embed") or name.startswith("patch_embed"):
        return 0
    if name.startswith("blocks"):
        return int(name.split(".")[1]) + 1
    return num_layers


def groups_lrd(named, weight_decay, skip, layer_decay, blocks):
    """MAE's param_groups_lrd: groups layer_<id>_(decay|no_decay) in order of first use, lr scale
    layer_decay^(num_layers − id) with num_layers = blocks + 1; no decay for 1-D parameters and the skip list."""
    num_layers = blocks + 1
    groups = OrderedDict()
    for n, p in named.items():
        if not p.requires_grad:
            continue
        no = p.ndim == 1 or n in skip
        lid = layer_id_for_vit(n, num_layers)
        key = "layer_%d_%s" % (lid, "no_decay" if no else "decay")
        if key not in groups:
            groups[key] = {"name": key, "params": [], "weight_decay": 0.0 if no else weight_decay,
                           "lr_scale": layer_decay ** (num_layers - lid)}
        groups[key]["params"].append(n)
    return list(groups.values())


# ---- the trajectory runner -------------------------------------------------------------------------------------

def trajectory(name, params, make_opt, groups, args, grad_scale=1.0, skip_grads=None, schedule=None, clip=None,
               frozen=(), zero_grad_steps=None):
    """params: OrderedDict name -> initial value; groups: list of {name, params (names), weight_decay, lr_scale,
    lr}; skip_grads: {param name: steps (1-based) without a gradient}; zero_grad_steps: {name: steps whose gradient
    is all zeros}. Stores per parameter its initial value "p/<name>", its gradients "g/<name>" stacked over the
    steps [STEPS, *shape] (zeros where it had none), and its values after every step stacked the same way."""
    leaves = OrderedDict((n, v.clone().requires_grad_(n not in frozen)) for n, v in params.items())
    torch_groups = [{"params": [leaves[n] for n in g["params"]], "lr": g.get("lr", 0.0),
                     "weight_decay": g["weight_decay"], "lr_scale": g.get("lr_scale", 1.0)} for g in groups]
    opt = make_opt(torch_groups)
    skip_grads = dict(skip_grads or {})
    for n in frozen:
        skip_grads[n] = tuple(range(1, STEPS + 1))
    grads = {n: torch.zeros((STEPS,) + tuple(v.shape)) for n, v in params.items()}
    after = {n: torch.zeros((STEPS,) + tuple(v.shape)) for n, v in params.items()}
    lrs, norms = [], []
    for s in range(1, STEPS + 1):
        scale = grad_scale(s) if callable(grad_scale) else grad_scale
        for n, p in leaves.items():
            if s in skip_grads.get(n, ()):
                p.grad = None
                continue
            g = fx.randn(*p.shape) * scale
            if s in (zero_grad_steps or {}).get(n, ()):
                g = torch.zeros_like(p)
            grads[n][s - 1] = g
            p.grad = g.clone()
        if schedule is not None:
            it = s - 1
            epoch = it // schedule["iters"]
            e = (it % schedule["iters"]) / schedule["iters"] + epoch
            lr = mae_lr(e, schedule["lr"], schedule["min_lr"], schedule["warmup"], schedule["epochs"])
            for g in opt.param_groups:
                g["lr"] = lr * g["lr_scale"]
            lrs.append(lr)
        if clip is not None:
            with_grad = [p for p in leaves.values() if p.grad is not None]
            total = torch.nn.utils.clip_grad_norm_(with_grad, clip["max_norm"], norm_type=clip["norm_type"])
            norms.append(total.item())
        opt.step()
        for n, p in leaves.items():
            after[n][s - 1] = p.detach()
    inputs, outputs = {}, {}
    for n, v in params.items():
        inputs["p/" + n] = v.clone()
        inputs["g/" + n] = grads[n]
        outputs["p/" + n] = after[n]
    a = dict(args)
    a.update({"steps": STEPS, "params": list(params.keys()), "frozen": list(frozen),
              "no_grad": {n: list(v) for n, v in skip_grads.items()}, "groups": groups, "schedule": schedule,
              "clip": None if clip is None else dict(clip, norm_type=json_number(clip["norm_type"])), "lrs": lrs,
              "norms": norms})
    fx.case(name, "trajectory", inputs, outputs, args=a)


def json_number(x):
    """JSON has no infinity: it travels as the string "inf"."""
    return "inf" if x == math.inf else x


def plain(shapes):
    return OrderedDict((n, fx.randn(*s)) for n, s in shapes.items())


SMALL = OrderedDict([("a", (17, 3)), ("b", (33,)), ("c", (1,)), ("d", (2, 16))])


def one_group(names, lr, wd=0.0):
    return [{"name": "default", "params": list(names), "lr": lr, "weight_decay": wd, "lr_scale": 1.0}]


# ---- SGD ---------------------------------------------------------------------------------------------------------
trajectory("sgd_plain", plain(SMALL), lambda g: torch.optim.SGD(g, lr=0.0), one_group(SMALL, 0.05),
           {"optimizer": {"type": "sgd", "momentum": 0.0, "dampening": 0.0, "nesterov": False}})
trajectory("sgd_momentum", plain(SMALL), lambda g: torch.optim.SGD(g, lr=0.0, momentum=0.9),
           one_group(SMALL, 0.05), {"optimizer": {"type": "sgd", "momentum": 0.9, "dampening": 0.0,
                                                  "nesterov": False}},
           skip_grads={"b": (3, 4, 5), "c": (1, 2)})
trajectory("sgd_nesterov_wd", plain(SMALL), lambda g: torch.optim.SGD(g, lr=0.0, momentum=0.9, nesterov=True),
           [{"name": "g0", "params": ["a", "b"], "lr": 0.04, "weight_decay": 0.01, "lr_scale": 1.0},
            {"name": "g1", "params": ["c", "d"], "lr": 0.02, "weight_decay": 0.1, "lr_scale": 1.0}],
           {"optimizer": {"type": "sgd", "momentum": 0.9, "dampening": 0.0, "nesterov": True}})
trajectory("sgd_dampening_schedule", plain(SMALL),
           lambda g: torch.optim.SGD(g, lr=0.0, momentum=0.8, dampening=0.25),
           [{"name": "g0", "params": ["a", "b", "c", "d"], "lr": 0.0, "weight_decay": 0.05, "lr_scale": 1.0}],
           {"optimizer": {"type": "sgd", "momentum": 0.8, "dampening": 0.25, "nesterov": False}},
           schedule={"lr": 0.1, "min_lr": 0.001, "warmup": 1, "epochs": 4, "iters": 5})

# ---- AdamW -------------------------------------------------------------------------------------------------------
# A small named model: timm's no-decay rule (1-D, .bias, skip list) decides the two groups.
NAMED = OrderedDict([("cls_token", (1, 1, 8)), ("pos_embed", (1, 5, 8)), ("patch.weight", (8, 4)),
                     ("patch.bias", (8,)), ("norm.weight", (8,)), ("norm.bias", (8,)), ("head.weight", (3, 8)),
                     ("head.bias", (3,)), ("head.scale", (1, 3)), ("frozen.weight", (2, 8))])
named = plain(NAMED)
wd_groups = groups_weight_decay(OrderedDict((n, v.clone().requires_grad_(n != "frozen.weight"))
                                            for n, v in named.items()), 0.05, skip=("pos_embed",))
trajectory("adamw_wd_groups_schedule", named,
           lambda g: torch.optim.AdamW(g, lr=0.0, betas=(0.9, 0.95), eps=1e-8), wd_groups,
           {"optimizer": {"type": "adamw", "betas": [0.9, 0.95], "eps": 1e-8},
            "group_rule": {"type": "weight_decay", "weight_decay": 0.05, "skip": ["pos_embed"]}},
           skip_grads={"head.bias": (2, 3, 7), "cls_token": (1,)},
           schedule={"lr": 0.05, "min_lr": 0.0, "warmup": 1.5, "epochs": 4, "iters": 5}, frozen=("frozen.weight",))
trajectory("adamw_dit_constant", plain(SMALL), lambda g: torch.optim.AdamW(g, lr=0.0, weight_decay=0.0),
           one_group(SMALL, 0.03), {"optimizer": {"type": "adamw", "betas": [0.9, 0.999], "eps": 1e-8}})
trajectory("adamw_tiny_grads_eps", plain(SMALL), lambda g: torch.optim.AdamW(g, lr=0.0, eps=1e-6),
           one_group(SMALL, 0.05, 0.02), {"optimizer": {"type": "adamw", "betas": [0.9, 0.999], "eps": 1e-6}},
           grad_scale=lambda s: 3e-6 if s % 3 else 3e-7)
trajectory("adamw_clip", plain(SMALL), lambda g: torch.optim.AdamW(g, lr=0.0, betas=(0.8, 0.9)),
           one_group(SMALL, 0.05, 0.1), {"optimizer": {"type": "adamw", "betas": [0.8, 0.9], "eps": 1e-8}},
           grad_scale=lambda s: 0.02 if s % 2 else 0.5, clip={"max_norm": 1.0, "norm_type": 2.0},
           skip_grads={"d": (4,)})

# Layer-wise lr decay on a toy ViT (2 blocks), names as timm's VisionTransformer.
VIT = OrderedDict([("cls_token", (1, 1, 4)), ("pos_embed", (1, 5, 4)), ("patch_embed.proj.weight", (4, 4, 1, 1)),
                   ("patch_embed.proj.bias", (4,))])
for b in range(2):
    VIT.update([(f"blocks.{b}.norm1.weight", (4,)), (f"blocks.{b}.norm1.bias", (4,)),
                (f"blocks.{b}.attn.qkv.weight", (12, 4)), (f"blocks.{b}.attn.qkv.bias", (12,)),
                (f"blocks.{b}.mlp.fc1.weight", (8, 4)), (f"blocks.{b}.mlp.fc1.bias", (8,))])
VIT.update([("fc_norm.weight", (4,)), ("fc_norm.bias", (4,)), ("head.weight", (3, 4)), ("head.bias", (3,))])
vit = plain(VIT)
FROZEN_VIT = ("blocks.0.mlp.fc1.bias",)
lrd = groups_lrd(OrderedDict((n, v.clone().requires_grad_(n not in FROZEN_VIT)) for n, v in vit.items()), 0.05,
                 ("pos_embed", "cls_token", "dist_token"), 0.75, 2)
trajectory("adamw_layer_decay", vit, lambda g: torch.optim.AdamW(g, lr=0.0), lrd,
           {"optimizer": {"type": "adamw", "betas": [0.9, 0.999], "eps": 1e-8},
            "group_rule": {"type": "layer_decay", "weight_decay": 0.05, "layer_decay": 0.75,
                           "skip": ["pos_embed", "cls_token", "dist_token"]}},
           schedule={"lr": 0.08, "min_lr": 1e-3, "warmup": 1, "epochs": 4, "iters": 5}, frozen=FROZEN_VIT)

# ---- LARS --------------------------------------------------------------------------------------------------------
LARS_P = OrderedDict([("w", (7, 5)), ("bias", (5,)), ("zero", (3, 4)), ("v", (4, 4)), ("conv", (2, 3, 2, 2))])
lp = plain(LARS_P)
lp["zero"] = torch.zeros(3, 4)  # ‖p‖ = 0 on the first step: trust ratio 1
trajectory("lars_trust_ratio", lp, lambda g: LarsReference(g, momentum=0.9, trust_coefficient=0.001),
           [{"name": "decay", "params": ["w", "bias", "conv"], "lr": 50.0, "weight_decay": 0.05, "lr_scale": 1.0},
            # Its first step (ratio 1) moves it by lr·g: a smaller lr keeps later steps well conditioned in float.
            {"name": "fresh", "params": ["zero"], "lr": 2.0, "weight_decay": 0.05, "lr_scale": 1.0},
            {"name": "no_decay", "params": ["v"], "lr": 30.0, "weight_decay": 0.0, "lr_scale": 1.0}],
           {"optimizer": {"type": "lars", "momentum": 0.9, "trust": 0.001}},
           zero_grad_steps={"v": (2, 3)})  # ‖update‖ = 0 with no decay: trust ratio 1
trajectory("lars_linprobe_schedule", plain(OrderedDict([("head.weight", (10, 16)), ("head.bias", (10,))])),
           lambda g: LarsReference(g, momentum=0.9, trust_coefficient=0.001),
           one_group(["head.weight", "head.bias"], 0.0, 0.0),
           {"optimizer": {"type": "lars", "momentum": 0.9, "trust": 0.001}},
           schedule={"lr": 0.4, "min_lr": 0.0, "warmup": 2, "epochs": 4, "iters": 5})
trajectory("lars_momentum_trust", plain(OrderedDict([("w", (16, 17)), ("b", (17,))])),
           lambda g: LarsReference(g, momentum=0.5, trust_coefficient=0.02),
           one_group(["w", "b"], 3.0, 1e-3), {"optimizer": {"type": "lars", "momentum": 0.5, "trust": 0.02}})

# ---- clipping with SGD (2-norm and inf-norm) ---------------------------------------------------------------------
trajectory("sgd_clip_inf", plain(SMALL), lambda g: torch.optim.SGD(g, lr=0.0, momentum=0.5), one_group(SMALL, 0.1),
           {"optimizer": {"type": "sgd", "momentum": 0.5, "dampening": 0.0, "nesterov": False}},
           grad_scale=lambda s: 0.3 if s % 3 else 2.0, clip={"max_norm": 1.5, "norm_type": math.inf})
trajectory("sgd_clip_2", plain(SMALL), lambda g: torch.optim.SGD(g, lr=0.0), one_group(SMALL, 0.1),
           {"optimizer": {"type": "sgd", "momentum": 0.0, "dampening": 0.0, "nesterov": False}},
           grad_scale=lambda s: 0.05 if s % 2 else 1.0, clip={"max_norm": 2.0, "norm_type": 2.0})


# ---- DiT's EMA ---------------------------------------------------------------------------------------------------

def ema_case(name, decay, steps):
    """update_ema: ema ← decay·ema + (1 − decay)·param for every named parameter, from an exact copy."""
    model = plain(OrderedDict([("w", (17, 3)), ("b", (33,))]))
    ema = OrderedDict((n, v.clone()) for n, v in model.items())
    inputs = {"p0/" + n: v.clone() for n, v in model.items()}
    outputs = {}
    for s in range(1, steps + 1):
        for n in model:
            model[n] = model[n] + 0.5 * fx.randn(*model[n].shape)
            inputs[f"p{s}/{n}"] = model[n].clone()
            ema[n].mul_(decay).add_(model[n], alpha=1 - decay)
            outputs[f"e{s}/{n}"] = ema[n].clone()
    fx.case(name, "ema", inputs, outputs, args={"decay": decay, "steps": steps, "params": list(model.keys())})


ema_case("ema_0.9", 0.9, 10)
ema_case("ema_0.9999", 0.9999, 5)

fx.save(OUT_DIR)
