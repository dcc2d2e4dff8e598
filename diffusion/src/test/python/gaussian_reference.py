"""DiT's Gaussian diffusion written out (gaussian_diffusion.py, respace.py, diffusion_utils.py: schedules, respacing,
q_sample, the posterior, p_mean_variance, training_losses, the DDPM/DDIM steps) in NumPy float64 schedules and
float32 PyTorch tensors like the original. Shared by the golden fixtures (gen_gaussian.py) and the bench peer
(bench/peers/train_step_torch.py).
"""
import math

import numpy as np
import torch

EPSILON, START_X = "EPSILON", "START_X"
LEARNED, LEARNED_RANGE, FIXED_SMALL, FIXED_LARGE = "LEARNED", "LEARNED_RANGE", "FIXED_SMALL", "FIXED_LARGE"
MSE, RESCALED_MSE, KL, RESCALED_KL = "MSE", "RESCALED_MSE", "KL", "RESCALED_KL"


# ---------------------------------------------------------------- schedules

def named_beta_schedule(name, steps):
    if name == "linear":
        scale = 1000 / steps
        return np.linspace(scale * 0.0001, scale * 0.02, steps, dtype=np.float64)
    if name in ("cosine", "squaredcos_cap_v2"):
        return betas_for_alpha_bar(steps, lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2)
    raise ValueError(name)


def betas_for_alpha_bar(steps, alpha_bar, max_beta=0.999):
    out = []
    for i in range(steps):
        t1, t2 = i / steps, (i + 1) / steps
        out.append(min(1 - alpha_bar(t2) / alpha_bar(t1), max_beta))
    return np.array(out)


def space_timesteps(num_timesteps, section_counts):
    if isinstance(section_counts, str):
        if section_counts.startswith("ddim"):
            desired = int(section_counts[len("ddim"):])
            for stride in range(1, num_timesteps):
                if len(range(0, num_timesteps, stride)) == desired:
                    return set(range(0, num_timesteps, stride))
            raise ValueError("no stride")
        section_counts = [int(x) for x in section_counts.split(",")]
    size_per, extra = divmod(num_timesteps, len(section_counts))
    start, steps = 0, []
    for i, count in enumerate(section_counts):
        size = size_per + (1 if i < extra else 0)
        if size < count:
            raise ValueError("section too small")
        stride = 1 if count <= 1 else (size - 1) / (count - 1)
        cur = 0.0
        for _ in range(count):
            steps.append(start + round(cur))  # Python round: ties to even, on the accumulated float
            cur += stride
        start += size
    return set(steps)


# ---------------------------------------------------------------- tensor helpers

# float32 as the original; float64 only for measuring float32's own error (loss_case's tolerance).
DT = [torch.float32]


def extract(arr, t, shape):
    """A float64 array indexed by t, cast to float32, broadcast to shape (the original's _extract_into_tensor)."""
    res = torch.from_numpy(arr)[t.cpu()].to(device=t.device, dtype=DT[0])
    while res.dim() < len(shape):
        res = res[..., None]
    return res + torch.zeros(shape, dtype=DT[0], device=t.device)


def mean_flat(x):
    return x.mean(dim=list(range(1, x.dim())))


def normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2)
                  + ((mean1 - mean2) ** 2) * torch.exp(-logvar2))


def approx_std_normal_cdf(x):
    return 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def discretized_gaussian_log_likelihood(x, means, log_scales):
    centered = x - means
    inv_stdv = torch.exp(-log_scales)
    cdf_plus = approx_std_normal_cdf(inv_stdv * (centered + 1.0 / 255.0))
    cdf_min = approx_std_normal_cdf(inv_stdv * (centered - 1.0 / 255.0))
    log_cdf_plus = torch.log(cdf_plus.clamp(min=1e-12))
    log_one_minus_cdf_min = torch.log((1.0 - cdf_min).clamp(min=1e-12))
    cdf_delta = cdf_plus - cdf_min
    return torch.where(x < -0.999, log_cdf_plus,
                       torch.where(x > 0.999, log_one_minus_cdf_min, torch.log(cdf_delta.clamp(min=1e-12))))


# ---------------------------------------------------------------- diffusion

class Diffusion:
    """GaussianDiffusion, or SpacedDiffusion when use_timesteps is given (the model sees the original indices)."""

    def __init__(self, betas, mean_type, var_type, loss_type, use_timesteps=None):
        self.original_num_steps = len(betas)
        if use_timesteps is None:
            self.timestep_map = list(range(len(betas)))
        else:
            base = np.cumprod(1.0 - np.array(betas, dtype=np.float64))
            last, new_betas, self.timestep_map = 1.0, [], []
            for i, ac in enumerate(base):
                if i in use_timesteps:
                    new_betas.append(1 - ac / last)
                    last = ac
                    self.timestep_map.append(i)
            betas = np.array(new_betas)
        self.mean_type, self.var_type, self.loss_type = mean_type, var_type, loss_type
        self.betas = b = np.array(betas, dtype=np.float64)
        self.num_timesteps = len(b)
        alphas = 1.0 - b
        self.alphas_cumprod = ac = np.cumprod(alphas, axis=0)
        self.alphas_cumprod_prev = acp = np.append(1.0, ac[:-1])
        self.alphas_cumprod_next = np.append(ac[1:], 0.0)
        self.sqrt_alphas_cumprod = np.sqrt(ac)
        self.sqrt_one_minus_alphas_cumprod = np.sqrt(1.0 - ac)
        self.log_one_minus_alphas_cumprod = np.log(1.0 - ac)
        self.sqrt_recip_alphas_cumprod = np.sqrt(1.0 / ac)
        self.sqrt_recipm1_alphas_cumprod = np.sqrt(1.0 / ac - 1)
        self.posterior_variance = pv = b * (1.0 - acp) / (1.0 - ac)
        self.posterior_log_variance_clipped = np.log(np.append(pv[1], pv[1:]))
        self.posterior_mean_coef1 = b * np.sqrt(acp) / (1.0 - ac)
        self.posterior_mean_coef2 = (1.0 - acp) * np.sqrt(alphas) / (1.0 - ac)
        self.calls = []

    ARRAYS = ["betas", "alphas_cumprod", "alphas_cumprod_prev", "alphas_cumprod_next", "sqrt_alphas_cumprod",
              "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
              "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
              "posterior_mean_coef1", "posterior_mean_coef2"]

    def wrap(self, model):
        def wrapped(x, t):
            mapped = torch.tensor(self.timestep_map, dtype=t.dtype)[t.cpu()].to(t.device)
            self.calls.append(mapped)
            return model(x, mapped)
        return wrapped

    def q_sample(self, x_start, t, noise):
        return (extract(self.sqrt_alphas_cumprod, t, x_start.shape) * x_start
                + extract(self.sqrt_one_minus_alphas_cumprod, t, x_start.shape) * noise)

    def q_posterior(self, x_start, x_t, t):
        mean = (extract(self.posterior_mean_coef1, t, x_t.shape) * x_start
                + extract(self.posterior_mean_coef2, t, x_t.shape) * x_t)
        return (mean, extract(self.posterior_variance, t, x_t.shape),
                extract(self.posterior_log_variance_clipped, t, x_t.shape))

    def xstart_from_eps(self, x_t, t, eps):
        return (extract(self.sqrt_recip_alphas_cumprod, t, x_t.shape) * x_t
                - extract(self.sqrt_recipm1_alphas_cumprod, t, x_t.shape) * eps)

    def eps_from_xstart(self, x_t, t, pred_xstart):
        return ((extract(self.sqrt_recip_alphas_cumprod, t, x_t.shape) * x_t - pred_xstart)
                / extract(self.sqrt_recipm1_alphas_cumprod, t, x_t.shape))

    def p_mean_variance(self, model, x, t, clip_denoised=False):
        c = x.shape[1]
        out = self.wrap(model)(x, t)
        if self.var_type in (LEARNED, LEARNED_RANGE):
            out, var_values = torch.split(out, c, dim=1)
            if self.var_type == LEARNED:
                log_var = var_values
            else:
                min_log = extract(self.posterior_log_variance_clipped, t, x.shape)
                max_log = extract(np.log(self.betas), t, x.shape)
                frac = (var_values + 1) / 2
                log_var = frac * max_log + (1 - frac) * min_log
            var = torch.exp(log_var)
        else:
            if self.var_type == FIXED_LARGE:
                v = np.append(self.posterior_variance[1], self.betas[1:])
                lv = np.log(v)
            else:
                v, lv = self.posterior_variance, self.posterior_log_variance_clipped
            var, log_var = extract(v, t, x.shape), extract(lv, t, x.shape)
        pred = out if self.mean_type == START_X else self.xstart_from_eps(x, t, out)
        if clip_denoised:
            pred = pred.clamp(-1, 1)
        mean, _, _ = self.q_posterior(pred, x, t)
        return {"mean": mean, "variance": var, "log_variance": log_var, "pred_xstart": pred}

    def vb_terms_bpd(self, model, x_start, x_t, t):
        true_mean, _, true_log_var = self.q_posterior(x_start, x_t, t)
        out = self.p_mean_variance(model, x_t, t)
        kl = mean_flat(normal_kl(true_mean, true_log_var, out["mean"], out["log_variance"])) / np.log(2.0)
        nll = -discretized_gaussian_log_likelihood(x_start, out["mean"], 0.5 * out["log_variance"])
        nll = mean_flat(nll) / np.log(2.0)
        return torch.where(t == 0, nll, kl)

    def training_losses(self, model, x_start, t, noise):
        x_t = self.q_sample(x_start, t, noise)
        terms = {}
        if self.loss_type in (KL, RESCALED_KL):
            terms["loss"] = self.vb_terms_bpd(model, x_start, x_t, t)
            if self.loss_type == RESCALED_KL:
                terms["loss"] = terms["loss"] * self.num_timesteps
            return terms
        out = self.wrap(model)(x_t, t)
        if self.var_type in (LEARNED, LEARNED_RANGE):
            c = x_t.shape[1]
            out, var_values = torch.split(out, c, dim=1)
            frozen = torch.cat([out.detach(), var_values], dim=1)
            # The frozen output is handed back unchanged whatever timesteps the wrapper maps to.
            terms["vb"] = self.vb_terms_bpd(lambda *a: frozen, x_start, x_t, t)
            if self.loss_type == RESCALED_MSE:
                terms["vb"] = terms["vb"] * (self.num_timesteps / 1000.0)
        target = x_start if self.mean_type == START_X else noise
        terms["mse"] = mean_flat((target - out) ** 2)
        terms["loss"] = terms["mse"] + terms["vb"] if "vb" in terms else terms["mse"]
        return terms

    def p_sample(self, model, x, t, noise):
        out = self.p_mean_variance(model, x, t)
        mask = (t != 0).float().view(-1, *([1] * (x.dim() - 1)))
        return out["mean"] + mask * torch.exp(0.5 * out["log_variance"]) * noise, out["pred_xstart"]

    def ddim_sample(self, model, x, t, eta, noise):
        out = self.p_mean_variance(model, x, t)
        eps = self.eps_from_xstart(x, t, out["pred_xstart"])
        ab = extract(self.alphas_cumprod, t, x.shape)
        abp = extract(self.alphas_cumprod_prev, t, x.shape)
        sigma = eta * torch.sqrt((1 - abp) / (1 - ab)) * torch.sqrt(1 - ab / abp)
        mean_pred = out["pred_xstart"] * torch.sqrt(abp) + torch.sqrt(1 - abp - sigma ** 2) * eps
        mask = (t != 0).float().view(-1, *([1] * (x.dim() - 1)))
        return mean_pred + mask * sigma * noise, out["pred_xstart"]


def bits(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64).view(np.int64).copy())


def make(schedule="linear", respacing=None, mean_type=EPSILON, var_type=LEARNED_RANGE, loss_type=MSE, steps=1000):
    betas = named_beta_schedule(schedule, steps)
    use = None if respacing is None else space_timesteps(steps, respacing)
    return Diffusion(betas, mean_type, var_type, loss_type, use)
