"""Writes the NumPy fixtures NpzExportTest compares against: np.savez of small uint8 NHWC arrays whose values are
(flat index * 7 + 3) % 256, one RGB and one grey, so the Java test can rebuild the same arrays.

Run from the repository root with /usr/bin/python3 (NumPy 1.24)."""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "npz")


def make(shape):
    n = int(np.prod(shape))
    return ((np.arange(n, dtype=np.int64) * 7 + 3) % 256).astype(np.uint8).reshape(shape)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, shape in [("rgb_3x4x5x3", (3, 4, 5, 3)), ("grey_2x6x7x1", (2, 6, 7, 1))]:
        np.savez(os.path.join(OUT, name + ".npz"), make(shape))
    print("numpy", np.__version__)


if __name__ == "__main__":
    main()
