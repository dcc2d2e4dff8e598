"""PyTorch peer of TrainStepBench: whole training steps (forward through the loss, backward, AdamW update) of the
networks the quick pipeline trains, built from the project's references so both sides run the same layers:
  vae: diffusers' AutoencoderKL (nn/src/test/python/vae_reference.py) in the "VAE-f4-small" config on 1x32x32
       images, loss sum|x - decode(sample)| / B + 1e-6 * KL / B (usp4j's VaeTrainer);
  dit: DiT (diffusion/src/test/python/dit_reference.py) on 4xSxS latents (side=S, 8 by default), 10 classes,
       learned sigma, DiT's training_losses (gaussian_reference.py: MSE + VB, linear schedule, 1000 steps) at random
       timesteps;
  mae: MAE's MaskedAutoencoderViT (nn/src/test/python/mae_reference.py) on 4xSxS latents, mask ratio 0.75, the
       MAE-ViT-S/2 config by default (ViT-S encoder, 4 x 256 decoder, 8 heads).
Prints the medians in the Java bench's words, the multiply-add FLOPs of one step (torch.profiler's count of the
forward's matmuls and convolutions, times 3 for forward + backward) and the process's peak RSS.

Run it as ../shared/anchors.md says (OpenBLAS with AVX-512 kernels; Debian's default BLAS is 50x slower):
  env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OPENBLAS_CORETYPE=SkylakeX \
      /usr/bin/python3 bench/peers/train_step_torch.py net=vae|dit|mae [model=NAME] [batch=64] [side=8] [warmup=3]
      [iters=10] [threads=2]
"""
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
for d in ("tensor/src/test/python", "nn/src/test/python", "diffusion/src/test/python"):
    sys.path.insert(0, os.path.join(ROOT, d))

import torch  # noqa: E402

args = dict(net="vae", model="", batch="64", side="8", warmup="3", iters="10", threads="2")
for a in sys.argv[1:]:
    k, v = a.split("=", 1)
    if k not in args:
        sys.exit(f"unknown argument {a!r} (net=, model=, batch=, side=, warmup=, iters=, threads=)")
    args[k] = v
torch.set_num_threads(int(args["threads"]))
batch, side, warmup, iters = int(args["batch"]), int(args["side"]), int(args["warmup"]), int(args["iters"])
gen = torch.Generator().manual_seed(1234)

if args["net"] == "vae":
    import vae_reference as vr  # noqa: E402
    if args["model"] not in ("", "VAE-f4-small"):
        sys.exit("only VAE-f4-small is built here")
    model = vr.AutoencoderKL(in_channels=1, out_channels=1, block_out_channels=(32, 64, 64), layers_per_block=1,
                             latent_channels=4, norm_num_groups=8, scaling_factor=1.0)
    x = torch.rand(batch, 1, 32, 32, generator=gen) * 2 - 1

    def loss_fn():
        q = model.encode(x)
        z = q.mean + q.std * torch.randn(q.mean.shape, generator=gen)
        recon = model.decode(z)
        return (x - recon).abs().sum() / batch + 1e-6 * q.kl().sum() / batch
elif args["net"] == "dit":
    import dit_reference as dr  # noqa: E402
    import gaussian_reference as gr  # noqa: E402
    name = args["model"] or "DiT-Ti/2"
    model = dr.named(name, input_size=side, num_classes=10)
    diffusion = gr.make("linear")
    x = torch.randn(batch, 4, side, side, generator=gen)
    y = torch.randint(0, 10, (batch,), generator=gen)

    def loss_fn():
        t = torch.randint(0, 1000, (batch,), generator=gen)
        noise = torch.randn(x.shape, generator=gen)
        return diffusion.training_losses(lambda xt, ts: model(xt, ts, y), x, t, noise)["loss"].mean()
elif args["net"] == "mae":
    import mae_reference as mr  # noqa: E402
    if args["model"] not in ("", "MAE-ViT-S/2"):
        sys.exit("only MAE-ViT-S/2 is built here")
    model = mr.MaskedAutoencoderViT(img_size=side, patch_size=2, in_chans=4, embed_dim=384, depth=12, num_heads=6,
                                    decoder_embed_dim=256, decoder_depth=4, decoder_num_heads=8, mlp_ratio=4.0,
                                    norm_pix_loss=True)
    x = torch.randn(batch, 4, side, side, generator=gen)
    tokens = (side // 2) ** 2

    def loss_fn():
        return model(x, 0.75, torch.rand(batch, tokens, generator=gen))[0]
else:
    sys.exit("net must be vae, dit or mae")


def step_flops():
    """Multiply-add FLOPs (2 per MAC) of one forward as torch.profiler counts them, times 3 for the backward."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
        with torch.no_grad():
            loss_fn()
    return 3 * sum(e.flops for e in prof.key_averages() if e.flops)


params = sum(p.numel() for p in model.parameters())
m = torch.randn(1024, 1024)
m @ m  # the thread pool starts here, not inside the timing
a = time.perf_counter()
for _ in range(5):
    m @ m
gemm = 5 * 2 * 1024 ** 3 / (time.perf_counter() - a) / 1e9
if gemm < 100:
    print(f"torch: warning: a 1024^3 matmul runs at {gemm:.0f} GFLOP/s; anchors.md asks for OpenBLAS with "
          "AVX-512 kernels (see this script's usage) or the comparison is void", file=sys.stderr)
flops = step_flops()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)
model.train()
times = []
for i in range(-warmup, iters):
    a = time.perf_counter()
    loss = loss_fn()
    b = time.perf_counter()
    opt.zero_grad(set_to_none=False)
    loss.backward()
    c = time.perf_counter()
    opt.step()
    d = time.perf_counter()
    if i >= 0:
        times.append(((b - a) * 1e3, (c - b) * 1e3, (d - c) * 1e3))


def med(col):
    return statistics.median(t[col] for t in times)


print(f"torch {args['net']} {args['model'] or 'default'} batch {batch} ({params:,} parameters, "
      f"{torch.get_num_threads()} threads): median ms forward {med(0):.1f}, backward {med(1):.1f}, "
      f"update {med(2):.1f}, step {statistics.median(sum(t) for t in times):.1f}; "
      f"best step {min(sum(t) for t in times):.1f}; "
      f"flops {flops:.4g}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; "
      f"gemm1024 {gemm:.0f} GFLOP/s")
