"""Prints facts about the installed Fashion-MNIST that FashionMnistTest hard-codes, computed independently of the
Java reader (NumPy + gzip only).

Run: /usr/bin/python3 data/src/test/python/fashion_mnist_facts.py [/usr/share/datasets/fashion-mnist]
For each split: the count, the label histogram, and for a few fixed indices the label, the pixel sum and the
SHA-256 of the 784 pixel bytes (row-major, as stored).
"""
import gzip
import hashlib
import os
import sys

import numpy as np

INDICES = {"train": [0, 1, 12345, 59999], "test": [0, 1, 4321, 9999]}


def read(path, rank):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    assert magic == 0x0800 | rank, hex(magic)
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = read(os.path.join(root, prefix + "-images-idx3-ubyte.gz"), 3)
        labels = read(os.path.join(root, prefix + "-labels-idx1-ubyte.gz"), 1)
        print(split, "count", len(labels), "shape", images.shape[1:])
        print(split, "histogram", np.bincount(labels, minlength=10).tolist())
        print(split, "total pixel sum", int(images.astype(np.int64).sum()))
        for i in INDICES[split]:
            img = images[i]
            print(split, "index", i, "label", int(labels[i]), "sum", int(img.astype(np.int64).sum()),
                  "sha256", hashlib.sha256(img.tobytes()).hexdigest())


if __name__ == "__main__":
    main()
