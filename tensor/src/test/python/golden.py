"""Shared helpers for the golden-fixture generators (run with Debian's /usr/bin/python3 and python3-torch).

Each generator builds a Fixture of named cases and saves it as one safetensors file under
tensor/src/test/resources/golden/. A case stores its base inputs (contiguous), the view chain applied to each
input before the op (so Java replays the same non-contiguous layout), the op's arguments as JSON, and the
expected outputs computed by PyTorch. The Java side (dev.usp4j.tensor.golden) reads the file without Python.
"""
import json
import os
import struct

import torch

DTYPES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int32: "I32", torch.int64: "I64", torch.bool: "BOOL", torch.int8: "I8", torch.uint8: "U8",
}

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))

# Extents that trip vector loops: empty, one, below/at/above the 16-lane width, odd primes.
AWKWARD = [0, 1, 3, 7, 13, 16, 17, 31, 33, 61, 127]


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.bool:
            raw = t.to(torch.uint8).numpy().tobytes()
        elif t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def apply_views(t, chain):
    """Applies a view chain such as [["transpose", 0, 1], ["slice", 0, 1, 9, 2]]; Java's Views does the same."""
    for step in chain or []:
        op, args = step[0], step[1:]
        if op == "transpose":
            t = t.transpose(args[0], args[1])
        elif op == "permute":
            t = t.permute(args[0])  # lists, so that [] (0-d) works too
        elif op == "narrow":
            t = t.narrow(args[0], args[1], args[2])
        elif op == "slice":  # dim, start, end, step
            idx = [slice(None)] * t.dim()
            idx[args[0]] = slice(args[1], args[2], args[3])
            t = t[tuple(idx)]
        elif op == "select":
            t = t.select(args[0], args[1])
        elif op == "expand":
            t = t.expand(args[0])
        elif op == "unsqueeze":
            t = t.unsqueeze(args[0])
        elif op == "squeeze":
            t = t.squeeze(args[0]) if args else t.squeeze()
        elif op == "reshape":
            t = t.reshape(args[0])
        elif op == "view":
            t = t.view(args[0])
        elif op == "flatten":
            t = t.flatten(args[0], args[1])
        else:
            raise ValueError("unknown view op " + op)
    return t


class Fixture:
    """A named group of cases saved to golden/<group>.safetensors."""

    def __init__(self, group, seed=0):
        self.group = group
        self.tensors = {}
        self.meta = {}
        self.gen = torch.Generator().manual_seed(seed)

    def randn(self, *shape, scale=1.0):
        return torch.randn(tuple(shape), generator=self.gen) * scale

    def rand(self, *shape, low=0.0, high=1.0):
        return low + (high - low) * torch.rand(tuple(shape), generator=self.gen)

    def randint(self, low, high, *shape):
        return torch.randint(low, high, tuple(shape), generator=self.gen)

    def case(self, name, op, inputs, outputs, args=None, views=None, tol=None):
        """inputs/outputs: dicts name -> tensor (inputs are the bases before views); args: JSON-able dict."""
        if name in self.meta:
            raise ValueError("duplicate case " + name)
        spec = {"op": op, "inputs": list(inputs.keys()), "outputs": list(outputs.keys()),
                "args": args or {}, "views": views or {}}
        if tol is not None:
            spec["tol"] = tol
        self.meta[name] = json.dumps(spec, separators=(",", ":"))
        for k, v in inputs.items():
            self.tensors[name + "/in/" + k] = v
        for k, v in outputs.items():
            self.tensors[name + "/out/" + k] = v

    def inputs_with_views(self, inputs, views):
        return {k: apply_views(v, (views or {}).get(k)) for k, v in inputs.items()}

    def save(self, out_dir=OUT_DIR):
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, self.group + ".safetensors")
        write_safetensors(path, self.tensors, self.meta)
        size = os.path.getsize(path)
        print(f"{path}: {len(self.meta)} cases, {size / 1024:.1f} KiB")
