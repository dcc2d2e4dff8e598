"""PyTorch peer of CudaBench and of TrainStepBench device=cuda, run on the same GPU in the same job
(cuda/run-device.sh): GEMM in fp32 (TF32 off), TF32 and bf16 at 4096^3 and DiT-B/2's transformer shapes (batch 256,
256 tokens), scaled_dot_product_attention in fp32 at DiT-B/2's shape (forward, forward + backward), and a DiT-B/2
training step (batch 256, 4x32x32 latents, 10 classes, learned sigma, DiT's losses, AdamW) in PyTorch eager fp32.
Prints lines in CudaBench's and TrainStepBench's words.
  python3 bench/peers/cuda_torch.py [gemm] [attention] [dit] [iters=10] [warmup=3]
"""
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
for d in ("tensor/src/test/python", "nn/src/test/python", "diffusion/src/test/python"):
    sys.path.insert(0, os.path.join(ROOT, d))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

parts = [a for a in sys.argv[1:] if "=" not in a] or ["gemm", "attention", "dit"]
opts = dict(iters="10", warmup="3", batch="256", side="32", model="DiT-B/2")
for a in sys.argv[1:]:
    if "=" in a:
        k, v = a.split("=", 1)
        opts[k] = v
iters, warmup = int(opts["iters"]), int(opts["warmup"])
dev = torch.device("cuda")
print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}")


def timed(fn):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    t = []
    for _ in range(iters):
        a = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        t.append((time.perf_counter() - a) * 1e3)
    return statistics.median(t)


if "gemm" in parts:
    shapes = [(4096, 4096, 4096), (65536, 768, 2304), (65536, 768, 768), (65536, 768, 3072), (65536, 3072, 768)]
    for prec in ("fp32", "tf32", "bf16"):
        torch.backends.cuda.matmul.allow_tf32 = prec == "tf32"
        for m, k, n in shapes:
            dt = torch.bfloat16 if prec == "bf16" else torch.float32
            a = torch.randn(m, k, device=dev, dtype=dt)
            b = torch.randn(k, n, device=dev, dtype=dt)
            ms = timed(lambda: a @ b)
            print(f"torch gemm {prec} {m}x{k}x{n}: {ms:.3f} ms, {2 * m * k * n / ms / 1e9:.1f} TFLOP/s")
    torch.backends.cuda.matmul.allow_tf32 = False

if "attention" in parts:
    B, H, T, D = 256, 12, 256, 64
    q, k, v = (torch.randn(B, H, T, D, device=dev, requires_grad=True) for _ in range(3))
    g = torch.randn(B, H, T, D, device=dev)
    fwd = timed(lambda: F.scaled_dot_product_attention(q, k, v))

    def both():
        o = F.scaled_dot_product_attention(q, k, v)
        torch.autograd.grad(o, (q, k, v), g)
    fb = timed(both)
    flops = 4.0 * B * H * T * T * D
    print(f"torch attention fp32 B={B} H={H} T={T} D={D}: forward {fwd:.3f} ms ({flops / fwd / 1e9:.1f} TFLOP/s), "
          f"forward+backward {fb:.3f} ms ({3.5 * flops / fb / 1e9:.1f} TFLOP/s)")

if "dit" in parts:
    import dit_reference as dr  # noqa: E402
    import gaussian_reference as gr  # noqa: E402
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    batch, side = int(opts["batch"]), int(opts["side"])
    gen = torch.Generator(device=dev).manual_seed(1234)
    model = dr.named(opts["model"], input_size=side, num_classes=10).to(dev)
    diffusion = gr.make("linear")
    x = torch.randn(batch, 4, side, side, device=dev, generator=gen)
    y = torch.randint(0, 10, (batch,), device=dev, generator=gen)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)
    model.train()
    times = []
    for i in range(-warmup, iters):
        a = time.perf_counter()
        t = torch.randint(0, 1000, (batch,), device=dev, generator=gen)
        noise = torch.randn(x.shape, device=dev, generator=gen)
        loss = diffusion.training_losses(lambda xt, ts: model(xt, ts, y), x, t, noise)["loss"].mean()
        loss.item()
        b = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.cuda.synchronize()
        c = time.perf_counter()
        opt.step()
        torch.cuda.synchronize()
        d = time.perf_counter()
        if i >= 0:
            times.append(((b - a) * 1e3, (c - b) * 1e3, (d - c) * 1e3))
    step = statistics.median(sum(t) for t in times)
    params = sum(p.numel() for p in model.parameters())
    print(f"torch dit {opts['model']} batch {batch} side {side} ({params:,} parameters) on cuda: median ms forward "
          f"{statistics.median(t[0] for t in times):.1f}, backward {statistics.median(t[1] for t in times):.1f}, "
          f"update {statistics.median(t[2] for t in times):.1f}, step {step:.1f}; {batch / step * 1e3:.1f} images/s;"
          f" peak device memory {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
