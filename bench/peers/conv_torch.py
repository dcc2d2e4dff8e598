"""PyTorch peer of ConvBench: the forward, input gradient and weight gradient of a 3x3, stride-1, padding-1
convolution on the same shapes, printed in ConvBench's words ("conv SHAPE PASS median_ms GFLOP/s"). The gradients
come from aten's convolution_backward, one output at a time, as autograd calls it.

Run it as ../shared/anchors.md says (PyTorch's CPU convolutions go through oneDNN; the BLAS matters for the rest):
  env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OPENBLAS_CORETYPE=SkylakeX \
      /usr/bin/python3 bench/peers/conv_torch.py [shapes=N,Cin,H,W,Cout;...] [threads=2] [iters=10] [warmup=5]
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

args = dict(shapes="64,32,32,32,32;64,64,8,8,64;64,64,16,16,64;64,64,32,32,64", threads="2", iters="10",
            warmup="5")
for a in sys.argv[1:]:
    k, v = a.split("=", 1)
    if k not in args:
        sys.exit(f"unknown argument {a!r} (shapes=, threads=, iters=, warmup=)")
    args[k] = v
torch.set_num_threads(int(args["threads"]))
iters, warmup = int(args["iters"]), int(args["warmup"])
gen = torch.Generator().manual_seed(7)


def report(shape, name, flop, fn):
    with torch.no_grad():
        for _ in range(warmup):
            fn()
        ms = []
        for _ in range(iters):
            t0 = time.perf_counter()
            fn()
            ms.append((time.perf_counter() - t0) * 1e3)
    med = statistics.median(ms)
    print(f"conv {shape} {name} {med:.3f} {flop / med / 1e6:.1f}", flush=True)


for shape in args["shapes"].split(";"):
    n, cin, h, w, cout = (int(v) for v in shape.split(","))
    x = torch.randn(n, cin, h, w, generator=gen)
    wt = torch.randn(cout, cin, 3, 3, generator=gen)
    b = torch.randn(cout, generator=gen)
    g = torch.randn(n, cout, h, w, generator=gen)
    flop = 2.0 * n * h * w * cout * cin * 9
    name = shape.replace(",", "x")

    def backward(mask):
        return torch.ops.aten.convolution_backward(g, x, wt, [cout], [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)

    report(name, "forward", flop, lambda: F.conv2d(x, wt, b, padding=1))
    report(name, "input_grad", flop, lambda: backward([True, False, False]))
    report(name, "weight_grad", flop, lambda: backward([False, True, False]))
