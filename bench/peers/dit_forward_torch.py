"""PyTorch peer of DiTForwardBench: one DiT forward (eval, no grad) at a batch on 32x32x4 latents, the model built
once from the project's reference (diffusion/src/test/python/dit_reference.py, DiT's models.py written out) with
every parameter N(0, 0.02^2), as the Java side fills it. Prints each pass and the median, in the Java bench's words.

side= sets the latent side (as the Java bench's); weights=bf16 runs the model and input in torch.bfloat16.

Usage: /usr/bin/python3 bench/peers/dit_forward_torch.py [model=DiT-XL/2] [batch=1] [side=32] [weights=f32]
       [warmup=2] [iters=5] [threads=2]
"""
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "diffusion", "src", "test", "python")))

import torch  # noqa: E402

import dit_reference as ref  # noqa: E402

args = dict(model="DiT-XL/2", batch="1", side="32", weights="f32", warmup="2", iters="5", threads="2")
for a in sys.argv[1:]:
    k, v = a.split("=", 1)
    if k not in args:
        sys.exit(f"unknown argument {a!r} (model=, batch=, side=, weights=, warmup=, iters=, threads=)")
    args[k] = v
torch.set_num_threads(int(args["threads"]))
batch, warmup, iters = int(args["batch"]), int(args["warmup"]), int(args["iters"])
t0 = time.perf_counter()
side = int(args["side"])
model = ref.named(args["model"], init=False, input_size=side)
gen = torch.Generator().manual_seed(1234)
with torch.no_grad():
    for p in model.parameters():
        p.normal_(0, 0.02, generator=gen)
model.eval()
n_params = sum(p.numel() for p in model.parameters())
x = torch.randn(batch, model.in_channels, side, side, generator=gen)
if args["weights"] == "bf16":
    model = model.to(torch.bfloat16)
    x = x.to(torch.bfloat16)
t = torch.tensor([(137 * i + 500) % 1000 for i in range(batch)])
y = torch.tensor([(211 * i + 7) % 1000 for i in range(batch)])
print(f"torch {torch.__version__} {args['model']}: {n_params:,} parameters, built in {time.perf_counter() - t0:.1f} s;"
      f" batch {batch}, {torch.get_num_threads()} threads, {args['weights']} weights")
times = []
with torch.no_grad():
    for i in range(warmup + iters):
        a = time.perf_counter()
        out = model(x, t, y)
        took = (time.perf_counter() - a) * 1e3
        assert torch.isfinite(out).all()
        print(f"{'warm-up' if i < warmup else 'timed'} pass {i + 1 if i < warmup else i - warmup + 1}: {took:.1f} ms")
        if i >= warmup:
            times.append(took)
print(f"forward {args['model']} batch {batch}: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms")
