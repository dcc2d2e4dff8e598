"""Golden fixture of SiT's transport (TransportGoldenTest): golden/transport.safetensors.

A plain NumPy/PyTorch reference written from the spec (usp-spec.md 4.2-4.7) in the structure of SiT's
transport/path.py (coupling plans), transport.py (Transport, get_drift, get_score, training_losses, the Sampler's
last steps) and integrators.py (the SDE steps; the ODE steps are torchdiffeq's fixed-grid rules and its dopri5,
written out here because torchdiffeq is not installed).

Numerics follow what usp4j does on purpose: every path coefficient is computed in float64 from the (float32) time and
rounded once to float32 before it meets a float32 tensor, as the brief asks (the original computes them in float32;
the difference is below float32 rounding except near t = 1 on VP, where float64 is the better answer).

Cases (args name the path, prediction, weight, form, method):
  * coef/<path>: alpha, d_alpha, sigma, d_sigma, d_alpha/alpha, drift coefficient, drift var and every diffusion
    form (norm 1 and 0.7) on a grid of t, all float64 stored as int64 bit patterns
  * loss/<path>/<prediction>/<weight>: fixed x0, x1, t and model output: x_t, the loss per sample and the
    gradient of sum(loss * gl) w.r.t. the model output
  * convert/<path>: score and noise from a velocity, velocity from a score, and get_drift/get_score of a fixed
    output for each prediction type
  * sde/<path>/<method>/<form>: one Euler-Maruyama or Heun step of the toy velocity model for a fixed state, time,
    dt and noise; last/<path>/<mode>: the last steps Mean, Tweedie, Euler
  * ode/<method>: euler, heun2, midpoint, rk4 on linspace(0, 1, 5) with the toy model (final state, evaluations)
  * dopri5/<case>: torchdiffeq's dopri5 on the exact velocity of a Gaussian (final state, evaluations, steps)
The toy network is out = (0.5 + 0.3 t) x - 0.2 (float32), simple enough to write the same way in Java.

Run: /usr/bin/python3 diffusion/src/test/python/gen_transport.py
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
FORMS = ["constant", "SBDM", "sigma", "linear", "decreasing", "increasing-decreasing"]


def bits(a):
    """float64 values stored exactly, as int64 bit patterns (Java: Double.longBitsToDouble)."""
    return torch.from_numpy(np.ascontiguousarray(np.asarray(a, dtype=np.float64)).view(np.int64).copy())


def expand_t_like_x(t, x):
    return t.view(t.size(0), *([1] * (x.dim() - 1)))


def f32(c):
    """A float64 coefficient rounded once to float32 (what usp4j's per-sample arrays hold)."""
    return c.float() if torch.is_tensor(c) else torch.tensor(c, dtype=torch.float32)


# ---- path.py -------------------------------------------------------------------------------------------------

class ICPlan:
    """Linear: alpha = t, sigma = 1 - t."""
    name = "Linear"

    def compute_alpha_t(self, t):
        return t, torch.ones_like(t)

    def compute_sigma_t(self, t):
        return 1 - t, -torch.ones_like(t)

    def compute_d_alpha_alpha_ratio_t(self, t):
        return 1 / t

    def drift_coef(self, t):
        return self.compute_d_alpha_alpha_ratio_t(t)

    def compute_drift(self, x, t):
        """(-c x, drift var); t float64 [N], the coefficients rounded to float32."""
        t = expand_t_like_x(t, x)
        return -(x * f32(self.drift_coef(t))), f32(self.drift_var(t))

    def drift_var(self, t):
        sigma_t, d_sigma_t = self.compute_sigma_t(t)
        return self.compute_d_alpha_alpha_ratio_t(t) * sigma_t ** 2 - sigma_t * d_sigma_t

    def compute_diffusion(self, t, form="constant", norm=1.0):
        """float64 w(t) for float64 t."""
        choices = {
            "constant": norm * torch.ones_like(t),
            "SBDM": norm * self.drift_var(t),
            "sigma": norm * self.compute_sigma_t(t)[0],
            "linear": norm * (1 - t),
            "decreasing": 0.25 * (norm * torch.cos(np.pi * t) + 1) ** 2,
            "increasing-decreasing": norm * torch.sin(np.pi * t) ** 2,
        }
        return choices[form]

    def get_score_from_velocity(self, velocity, x, t):
        t = expand_t_like_x(t, x)
        alpha_t, d_alpha_t = self.compute_alpha_t(t)
        sigma_t, d_sigma_t = self.compute_sigma_t(t)
        reverse_alpha_ratio = alpha_t / d_alpha_t
        var = sigma_t ** 2 - reverse_alpha_ratio * d_sigma_t * sigma_t
        return (f32(reverse_alpha_ratio) * velocity - x) / f32(var)

    def get_noise_from_velocity(self, velocity, x, t):
        t = expand_t_like_x(t, x)
        alpha_t, d_alpha_t = self.compute_alpha_t(t)
        sigma_t, d_sigma_t = self.compute_sigma_t(t)
        reverse_alpha_ratio = alpha_t / d_alpha_t
        var = reverse_alpha_ratio * d_sigma_t - sigma_t
        return (f32(reverse_alpha_ratio) * velocity - x) / f32(var)

    def get_velocity_from_score(self, score, x, t):
        drift, var = self.compute_drift(x, t)
        return var * score - drift

    def compute_xt(self, t, x0, x1):
        t = expand_t_like_x(t, x1)
        return x1 * f32(self.compute_alpha_t(t)[0]) + x0 * f32(self.compute_sigma_t(t)[0])

    def compute_ut(self, t, x0, x1):
        t = expand_t_like_x(t, x1)
        return x1 * f32(self.compute_alpha_t(t)[1]) + x0 * f32(self.compute_sigma_t(t)[1])

    def plan(self, t, x0, x1):
        return t, self.compute_xt(t, x0, x1), self.compute_ut(t, x0, x1)


class VPCPlan(ICPlan):
    name = "VP"

    def __init__(self, sigma_min=0.1, sigma_max=20.0):
        self.sigma_min = sigma_min
        self.sigma_max = sigma_max

    def log_mean_coeff(self, t):
        return -0.25 * ((1 - t) ** 2) * (self.sigma_max - self.sigma_min) - 0.5 * (1 - t) * self.sigma_min

    def d_log_mean_coeff(self, t):
        return 0.5 * (1 - t) * (self.sigma_max - self.sigma_min) + 0.5 * self.sigma_min

    def compute_alpha_t(self, t):
        alpha_t = torch.exp(self.log_mean_coeff(t))
        return alpha_t, alpha_t * self.d_log_mean_coeff(t)

    def compute_sigma_t(self, t):
        p_sigma_t = 2 * self.log_mean_coeff(t)
        sigma_t = torch.sqrt(1 - torch.exp(p_sigma_t))
        d_sigma_t = torch.exp(p_sigma_t) * (2 * self.d_log_mean_coeff(t)) / (-2 * sigma_t)
        return sigma_t, d_sigma_t

    def compute_d_alpha_alpha_ratio_t(self, t):
        return self.d_log_mean_coeff(t)

    def beta(self, t):
        return self.sigma_min + (1 - t) * (self.sigma_max - self.sigma_min)

    def drift_coef(self, t):
        return 0.5 * self.beta(t)

    def drift_var(self, t):
        return self.beta(t) / 2


class GVPCPlan(ICPlan):
    name = "GVP"

    def compute_alpha_t(self, t):
        return torch.sin(t * np.pi / 2), np.pi / 2 * torch.cos(t * np.pi / 2)

    def compute_sigma_t(self, t):
        return torch.cos(t * np.pi / 2), -np.pi / 2 * torch.sin(t * np.pi / 2)

    def compute_d_alpha_alpha_ratio_t(self, t):
        return np.pi / (2 * torch.tan(t * np.pi / 2))


PATHS = [ICPlan(), GVPCPlan(), VPCPlan()]


# ---- transport.py --------------------------------------------------------------------------------------------

def mean_flat(x):
    return x.mean(dim=list(range(1, x.dim())))


class Transport:
    def __init__(self, path_sampler, model_type, loss_type="none"):
        self.path_sampler = path_sampler
        self.model_type = model_type
        self.loss_type = loss_type

    def training_losses(self, model, x1, t, x0):
        """t float32 [N] (the coefficients are taken at its float64 value); model(xt, t) -> output."""
        t64 = t.double()
        _, xt, ut = self.path_sampler.plan(t64, x0, x1)
        model_output = model(xt, t)
        if self.model_type == "velocity":
            return mean_flat((model_output - ut) ** 2), xt
        t_x = expand_t_like_x(t64, xt)
        drift_var = self.path_sampler.drift_var(t_x)
        sigma_t = self.path_sampler.compute_sigma_t(t_x)[0]
        if self.loss_type == "velocity":
            weight = f32((drift_var / sigma_t) ** 2)
        elif self.loss_type == "likelihood":
            weight = f32(drift_var / sigma_t ** 2)
        else:
            weight = None
        if self.model_type == "noise":
            sq = (model_output - x0) ** 2
        else:
            sq = (model_output * f32(sigma_t) + x0) ** 2
        return mean_flat(sq if weight is None else sq * weight), xt

    def drift_from_output(self, out, x, t64):
        if self.model_type == "velocity":
            return out
        drift_mean, drift_var = self.path_sampler.compute_drift(x, t64)
        return drift_var * self.score_from_output(out, x, t64) - drift_mean

    def score_from_output(self, out, x, t64):
        if self.model_type == "score":
            return out
        if self.model_type == "noise":
            return -(out / f32(self.path_sampler.compute_sigma_t(expand_t_like_x(t64, x))[0]))
        return self.path_sampler.get_score_from_velocity(out, x, t64)


def toy_model(x, t):
    """The toy network: (0.5 + 0.3 t) x - 0.2 in float32, t float32 [N]."""
    return x * expand_t_like_x(t * 0.3 + 0.5, x) - 0.2


class Counted:
    """A network behind the transport's drift/score at a scalar time shared by the batch, counting evaluations."""

    def __init__(self, transport, model):
        self.transport, self.model, self.n = transport, model, 0

    def out(self, x, t):
        self.n += 1
        tt = torch.full((x.size(0),), t, dtype=torch.float32)
        return self.model(x, tt), tt.double()

    def drift(self, x, t):
        o, t64 = self.out(x, t)
        return self.transport.drift_from_output(o, x, t64)

    def score(self, x, t):
        o, t64 = self.out(x, t)
        return self.transport.score_from_output(o, x, t64)

    def sde_drift(self, x, t, form, norm):
        # one network call: the original calls it twice on the same input (get_drift, get_score)
        o, t64 = self.out(x, t)
        w = float(np.float32(diffusion_at(self.transport.path_sampler, t, form, norm)))
        return self.transport.drift_from_output(o, x, t64) + self.transport.score_from_output(o, x, t64) * w


def diffusion_at(path, t, form, norm):
    return float(path.compute_diffusion(torch.tensor(float(np.float32(t)), dtype=torch.float64), form, norm))


# ---- integrators.py (SDE) and the Sampler's last steps ---------------------------------------------------------

def euler_maruyama_step(f, x, t, dt, w_cur, form, norm):
    dw = w_cur * math.sqrt(dt)
    drift = f.sde_drift(x, t, form, norm)
    diffusion = diffusion_at(f.transport.path_sampler, t, form, norm)
    mean_x = x + drift * dt
    return mean_x + dw * math.sqrt(2 * diffusion)


def heun_step(f, x, t, dt, w_cur, form, norm):
    dw = w_cur * math.sqrt(dt)
    diffusion = diffusion_at(f.transport.path_sampler, t, form, norm)
    xhat = x + dw * math.sqrt(2 * diffusion)
    k1 = f.sde_drift(xhat, t, form, norm)
    xp = xhat + k1 * dt
    k2 = f.sde_drift(xp, t + dt, form, norm)
    return xhat + (k1 + k2) * (0.5 * dt)


def last_step(f, x, t1, mode, size, form, norm):
    path = f.transport.path_sampler
    if mode == "Mean":
        return x + f.sde_drift(x, t1, form, norm) * size
    if mode == "Euler":
        return x + f.drift(x, t1) * size
    tf = torch.tensor(float(np.float32(t1)), dtype=torch.float64)
    a = float(np.float32(path.compute_alpha_t(tf)[0]))
    s = float(np.float32(path.compute_sigma_t(tf)[0]))
    return x / a + f.score(x, t1) * (s * s / a)


# ---- torchdiffeq's fixed-grid rules and dopri5 ------------------------------------------------------------------

def fixed_step(method, f, y, t0, t1):
    dt = t1 - t0
    if method == "euler":
        return y + f.drift(y, t0) * dt
    if method == "midpoint":
        f0 = f.drift(y, t0)
        return y + f.drift(y + f0 * (0.5 * dt), t0 + 0.5 * dt) * dt
    if method == "heun2":
        k1 = f.drift(y, t0)
        k2 = f.drift(y + k1 * dt, t1)
        return y + (k1 + k2) * (0.5 * dt)
    k1 = f.drift(y, t0)  # rk4: torchdiffeq's rk4_alt_step_func, the 3/8 rule
    k2 = f.drift(y + k1 * (dt / 3), t0 + dt / 3)
    k3 = f.drift(y + (k2 - k1 * (1.0 / 3)) * dt, t0 + dt * 2 / 3)
    k4 = f.drift(y + (k1 - k2 + k3) * dt, t1)
    return y + (k1 + (k2 + k3) * 3 + k4) * (dt * 0.125)


A = [1 / 5, 3 / 10, 4 / 5, 8 / 9, 1., 1.]
B = [[1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
     [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
     [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
     [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
C_ERR = [35 / 384 - 1951 / 21600, 0, 500 / 1113 - 22642 / 50085, 125 / 192 - 451 / 720,
         -2187 / 6784 - -12231 / 42400, 11 / 84 - 649 / 6300, -1. / 60.]
C_MID = [6025192743 / 30085553152 / 2, 0, 51252292925 / 65400821598 / 2, -2691868925 / 45128329728 / 2,
         187940372067 / 1594534317056 / 2, -1776094331 / 19743644256 / 2, 11237099 / 235043384 / 2]


def rms(v):
    return float(v.double().pow(2).mean().sqrt())


def lincomb(base, k, w, dt):
    acc = base
    for kj, wj in zip(k, w):
        if wj != 0:
            acc = kj * (wj * dt) if acc is None else acc + kj * (wj * dt)
    return acc


def dopri5(f, y0, grid, atol, rtol):
    """torchdiffeq's RKAdaptiveStepsizeODESolver with the dopri5 tableau; returns (outputs, accepted, rejected)."""
    t = grid[0]
    y = y0
    f0 = f.drift(y0, t)
    # _select_initial_step(order = 4)
    scale = atol + y0.abs().double() * rtol
    d0, d1 = rms(y0.double() / scale), rms(f0.double() / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    f1 = f.drift(y0 + f0 * h0, t + h0)
    d2 = rms((f1.double() - f0.double()) / scale) / h0
    h1 = max(1e-6, h0 * 1e-3) if d1 <= 1e-15 and d2 <= 1e-15 else (0.01 / max(d1, d2)) ** (1. / 5)
    dt = min(100 * h0, h1)
    outs, acc, rej = [y0], 0, 0
    step_t0, coeff = t, None
    for nxt in grid[1:]:
        while nxt > t:
            k = [f0]
            y1 = None
            for a, b in zip(A, B):
                ti = t + dt if a == 1. else t + a * dt
                y1 = lincomb(y, k, b, dt)
                k.append(f.drift(y1, ti))
            err = lincomb(None, k, C_ERR, dt)
            tol = atol + rtol * torch.max(y.abs(), y1.abs()).double()
            ratio = rms(err.double() / tol)
            if ratio <= 1:
                acc += 1
                ymid = lincomb(y, k, C_MID, dt)
                fa, fb = f0, k[6]
                ca = (fb - fa) * (2 * dt) - (y1 + y) * 8 + ymid * 16
                cb = (fa * 5 - fb * 3) * dt + y * 18 + y1 * 14 - ymid * 32
                cc = (fb - fa * 4) * dt - y * 11 - y1 * 5 + ymid * 16
                coeff = [y, fa * dt, cc, cb, ca]
                step_t0, t, y, f0 = t, t + dt, y1, k[6]
            else:
                rej += 1
            if ratio == 0:
                dt = dt * 10
            else:
                dfactor = 1.0 if ratio < 1 else 0.2
                dt = dt * min(10.0, max(0.9 / ratio ** (1. / 5), dfactor))
        x = (nxt - step_t0) / (t - step_t0)
        total, power = coeff[0] + coeff[1] * x, x
        for c in coeff[2:]:
            power *= x
            total = total + c * power
        outs.append(total)
    return outs, acc, rej


def gaussian_velocity(mu, s):
    """The exact Linear-path velocity for data N(mu, diag(s^2)): mu + k(t) (x - t mu), k in float64 -> float32."""
    def model(x, t):
        t64 = expand_t_like_x(t.double(), x)
        s2 = (s.double() ** 2).unsqueeze(0)
        k = (t64 * s2 - (1 - t64)) / (t64 ** 2 * s2 + (1 - t64) ** 2)
        return mu.unsqueeze(0) + k.float() * (x - f32(t64) * mu.unsqueeze(0))
    return model


# ---- the fixture --------------------------------------------------------------------------------------------

def main():
    fx = Fixture("transport", seed=7)
    grid = np.array([1e-3, 0.03, 0.25, 0.5, 0.7, 0.96, 0.999])
    for p in PATHS:
        t = torch.from_numpy(grid)
        outs = {
            "alpha": p.compute_alpha_t(t)[0], "d_alpha": p.compute_alpha_t(t)[1],
            "sigma": p.compute_sigma_t(t)[0], "d_sigma": p.compute_sigma_t(t)[1],
            "ratio": p.compute_d_alpha_alpha_ratio_t(t), "drift_coef": p.drift_coef(t), "drift_var": p.drift_var(t),
        }
        for form in FORMS:
            outs["diffusion/" + form] = p.compute_diffusion(t, form, 1.0)
            outs["diffusion_norm/" + form] = p.compute_diffusion(t, form, 0.7)
        fx.case("coef/" + p.name, "coefficients", {"t": bits(grid)}, {k: bits(v.numpy()) for k, v in outs.items()},
                args={"path": p.name, "norm": 0.7})

    shape = (3, 4, 2, 3)
    for p in PATHS:
        for pred, weights in [("velocity", ["none", "likelihood"]), ("noise", ["none", "velocity", "likelihood"]),
                              ("score", ["none", "velocity", "likelihood"])]:
            for w in weights:
                x0, x1, out = fx.randn(*shape), fx.randn(*shape), fx.randn(*shape)
                t = torch.tensor([0.013, 0.42, 0.97], dtype=torch.float32)
                gl = fx.randn(shape[0])
                leaf = out.clone().requires_grad_(True)
                loss, xt = Transport(p, pred, w).training_losses(lambda a, b: leaf, x1, t, x0)
                (loss * gl).sum().backward()
                fx.case(f"loss/{p.name}/{pred}/{w}", "loss", {"x0": x0, "x1": x1, "t": t, "out": out, "gl": gl},
                        {"loss": loss.detach(), "grad": leaf.grad, "xt": xt},
                        args={"path": p.name, "prediction": pred, "weight": w})

    for p in PATHS:
        x, v, sc = fx.randn(*shape), fx.randn(*shape), fx.randn(*shape)
        t = torch.tensor([0.05, 0.5, 0.9], dtype=torch.float32)
        t64 = t.double()
        outs = {"score": p.get_score_from_velocity(v, x, t64), "noise": p.get_noise_from_velocity(v, x, t64),
                "velocity": p.get_velocity_from_score(sc, x, t64)}
        for pred in ["velocity", "noise", "score"]:
            tr = Transport(p, pred)
            outs["drift/" + pred] = tr.drift_from_output(v, x, t64)
            outs["get_score/" + pred] = tr.score_from_output(v, x, t64)
        fx.case("convert/" + p.name, "convert", {"x": x, "v": v, "s": sc, "t": t}, outs, args={"path": p.name})

    for p in PATHS:
        for method in ["Euler", "Heun"]:
            for form in FORMS:
                x, w = fx.randn(4, 3), fx.randn(4, 3)
                tk, dt = 0.25, 0.96 / 249
                f = Counted(Transport(p, "velocity"), toy_model)
                step = euler_maruyama_step if method == "Euler" else heun_step
                out = step(f, x, tk, dt, w, form, 0.8)
                fx.case(f"sde/{p.name}/{method}/{form}", "sde_step", {"x": x, "w": w}, {"out": out},
                        args={"path": p.name, "method": method, "form": form, "norm": 0.8, "t": tk, "dt": dt,
                              "evaluations": f.n})
        for mode in ["Mean", "Tweedie", "Euler"]:
            x = fx.randn(4, 3)
            f = Counted(Transport(p, "velocity"), toy_model)
            out = last_step(f, x, 0.96, mode, 0.04, "sigma", 1.0)
            fx.case(f"last/{p.name}/{mode}", "last_step", {"x": x}, {"out": out},
                    args={"path": p.name, "mode": mode, "t1": 0.96, "size": 0.04, "form": "sigma", "norm": 1.0})

    grid5 = list(np.linspace(0.0, 1.0, 5))
    for method in ["euler", "heun2", "midpoint", "rk4"]:
        x = fx.randn(4, 3)
        f = Counted(Transport(ICPlan(), "velocity"), toy_model)
        y = x
        for a, b in zip(grid5[:-1], grid5[1:]):
            y = fixed_step(method, f, y, float(a), float(b))
        fx.case("ode/" + method, "ode", {"x": x}, {"out": y}, args={"method": method, "num_steps": 5,
                                                                      "evaluations": f.n})

    for name, d, atol, rtol in [("2d", 2, 1e-6, 1e-3), ("4d_tight", 4, 1e-7, 1e-5)]:
        mu = torch.tensor([1.5, -0.5, 0.25, 2.0][:d])
        s = torch.tensor([0.5, 2.0, 1.0, 0.1][:d])
        x = fx.randn(64, d)
        f = Counted(Transport(ICPlan(), "velocity"), gaussian_velocity(mu, s))
        outs, acc, rej = dopri5(f, x, list(np.linspace(0.0, 1.0, 5)), atol, rtol)
        fx.case("dopri5/" + name, "dopri5", {"x": x, "mu": mu, "s": s}, {"out": outs[-1], "mid": outs[2]},
                args={"num_steps": 5, "atol": atol, "rtol": rtol, "evaluations": f.n, "accepted": acc,
                      "rejected": rej})
    fx.save(OUT_DIR)


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    main()
