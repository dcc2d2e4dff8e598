"""PyTorch peer of LoaderBench: torchvision's FashionMNIST-style pipeline on the same IDX files (Debian's
dataset-fashion-mnist) — PIL images, Pad(2), RandomHorizontalFlip, ToTensor, Normalize(0.5, 0.5) — through
torch.utils.data.DataLoader with shuffling, batch 256, drop_last, for each worker count, after a warm-up epoch.

Usage: /usr/bin/python3 bench/peers/loader_torch.py [workers=0,2] [epochs=2] [batch=256]
"""
import gzip
import sys
import time

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

args = dict(workers="0,2", epochs="2", batch="256")
for a in sys.argv[1:]:
    k, v = a.split("=", 1)
    args[k] = v
DIR = "/usr/share/datasets/fashion-mnist/"


def idx(path, offset):
    with gzip.open(DIR + path) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


class FashionMnist(torch.utils.data.Dataset):
    def __init__(self):
        self.images = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
        self.labels = idx("train-labels-idx1-ubyte.gz", 8)
        self.tf = transforms.Compose([transforms.Pad(2), transforms.RandomHorizontalFlip(),
                                      transforms.ToTensor(), transforms.Normalize(0.5, 0.5)])

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.tf(Image.fromarray(self.images[i], mode="L")), int(self.labels[i])


torch.set_num_threads(1)
ds = FashionMnist()
batch = int(args["batch"])
print(f"torch {torch.__version__}: {len(ds)} images")
for w in [int(x) for x in args["workers"].split(",")]:
    loader = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, drop_last=True, num_workers=w,
                                         persistent_workers=w > 0, generator=torch.Generator().manual_seed(0))
    for x, y in loader:
        pass
    start = time.perf_counter()
    n = 0
    for e in range(int(args["epochs"])):
        for x, y in loader:
            n += x.shape[0]
    s = time.perf_counter() - start
    print(f"workers {w}: {n / s:,.0f} images/s ({1e3 * s / (n / batch):.2f} ms per batch of {batch})")
