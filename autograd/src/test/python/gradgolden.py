"""Golden fixtures of gradients: each case records the inputs, the upstream gradients, PyTorch's outputs and the
gradient of every differentiable input, into autograd/src/test/resources/golden/<group>.safetensors.

Builds on tensor/src/test/python/golden.py (Fixture, view chains). Run generators with /usr/bin/python3.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python")))

import torch  # noqa: E402

from golden import AWKWARD, Fixture, apply_views  # noqa: E402,F401

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))


class GradFixture(Fixture):
    """A Fixture whose cases run forward and backward in PyTorch.

    grad_case(name, op, fn, inputs, args, views, nondiff): `inputs` are base tensors; floating ones (minus
    `nondiff`) become leaves requiring grad; `views` chains are applied to the leaves before `fn(**viewed)`.
    `fn` returns a tensor or a list/tuple of tensors. Upstream gradients are random normal.
    """

    def grad_case(self, name, op, fn, inputs, args=None, views=None, nondiff=(), tol=None):
        leaves = {}
        for k, v in inputs.items():
            leaf = v.clone()
            if leaf.is_floating_point() and k not in nondiff:
                leaf.requires_grad_(True)
            leaves[k] = leaf
        viewed = {k: apply_views(v, (views or {}).get(k)) for k, v in leaves.items()}
        out = fn(**viewed)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        multi = isinstance(out, (list, tuple))
        saved_in = dict(inputs)
        expected = {}
        roots, grads = [], []
        for i, o in enumerate(outs):
            key = f"out{i}" if multi else "out"
            expected[key] = o.detach()
            if o.requires_grad:
                g = self.randn(*o.shape)
                saved_in[f"gout{i}" if multi else "gout"] = g
                roots.append(o)
                grads.append(g)
        if roots:
            torch.autograd.backward(roots, grads)
        diff = []
        for k, leaf in leaves.items():
            if leaf.requires_grad:
                diff.append(k)
                expected["grad/" + k] = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
        a = dict(args or {})
        a["diff"] = diff
        a["multi"] = multi
        self.case(name, op, saved_in, expected, args=a, views=views, tol=tol)

    def save(self):
        super().save(OUT_DIR)
