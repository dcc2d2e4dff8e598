"""Reference Fréchet distances as the FID tools compute them (pytorch-fid's calculate_frechet_distance, ADM's
evaluator): NumPy float64 statistics (np.mean, np.cov(rowvar=False)) of float32 features, and
d = |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr(sqrtm(S1 S2)) with scipy.linalg.sqrtm, the 1e-6 diagonal offset when the
product's root is not finite, and the real part. Float64 results are stored as int64 bit patterns (exact).

Run: /usr/bin/python3 diffusion/src/test/python/gen_fid.py
"""
import os
import sys

import numpy as np
import torch
from scipy import linalg

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python")))
from golden import Fixture  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))
fx = Fixture("fid", seed=31)
rng = np.random.default_rng(31)


def bits(a):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(a, dtype=np.float64)).view(np.int64).copy())


def frechet(mu1, s1, mu2, s2, eps=1e-6):
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


def features(n, d, shift, scale, mix):
    a = rng.standard_normal((d, d)) * mix + np.eye(d)
    return ((rng.standard_normal((n, d)) * scale) @ a + shift).astype(np.float32)


def case(name, f1, f2):
    s = []
    for f in (f1, f2):
        x = f.astype(np.float64)
        s.append((x.mean(axis=0), np.cov(x, rowvar=False)))
    d = frechet(s[0][0], s[0][1], s[1][0], s[1][1])
    fx.case(name, "fid", {"a": torch.from_numpy(f1), "b": torch.from_numpy(f2)},
            {"mu_a": bits(s[0][0]), "sigma_a": bits(s[0][1]), "mu_b": bits(s[1][0]), "sigma_b": bits(s[1][1]),
             "fid": bits([d])})
    print(name, d)


case("fid_8d", features(500, 8, 0.0, 1.0, 0.3), features(400, 8, 0.2, 1.3, 0.3))
case("fid_64d_correlated", features(400, 64, 0.5, 1.0, 0.2), features(300, 64, 0.45, 0.9, 0.25))
case("fid_offset_features", features(300, 16, 1000.0, 1.0, 0.1), features(300, 16, 1000.5, 1.0, 0.1))
case("fid_rank_deficient", features(20, 32, 0.0, 1.0, 0.2), features(25, 32, 0.1, 1.0, 0.2))
same = features(200, 12, 0.0, 1.0, 0.3)
case("fid_identical", same, same.copy())
fx.save(OUT_DIR)
