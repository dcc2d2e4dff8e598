"""Writes the .pt fixtures of PtFileTest with Debian's torch (run: /usr/bin/python3 nn/src/test/python/gen_pt.py).

Into nn/src/test/resources/pt/:
  state_dict.pt      a plain OrderedDict state dict (Linear, BatchNorm1d with its int64 buffer, LayerNorm)
  dit_checkpoint.pt  {"model", "ema", "opt", "args"} as DiT's train.py saves it; args is an argparse.Namespace
  dtypes.pt          float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool, 0-d and empty tensors
  views.pt           tensors sharing one storage: a base, a row, a strided column, its transpose, a narrowed block,
                     a storage offset, an expanded (stride 0) tensor
  legacy.pt          the same views in the legacy (non-zip) layout, plus an int64 tensor
  evil_*.pt          pickles that would run code: os.system (hand-written GLOBAL), builtins.eval (hand-written),
                     an object whose __reduce__ returns os.system (saved by torch.save, in both layouts), and an
                     arbitrary user class. Each evil command would create /tmp/usp4j_pt_pwned_<name>; this script
                     checks that Python's own loader does run them (the fixtures are live), then deletes the files.
  expected.safetensors  what Java must read: every tensor contiguous under "<fixture>/<dotted name>" (float64 as
                     float32, small ints as int32), and per-fixture JSON metadata (strides, offsets, shared storages,
                     non-tensor values such as the args).
"""
import argparse
import collections
import io
import json
import os
import pickle
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python")))
from golden import write_safetensors  # noqa: E402

OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "pt"))
PWNED = "/tmp/usp4j_pt_pwned_"

expected = {}
meta = {}


def expect(fixture, tensors):
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.float64:
            t = t.float()
        elif t.dtype in (torch.int8, torch.int16, torch.uint8):
            t = t.int()
        expected[fixture + "/" + name] = t


def flatten(obj, prefix=""):
    out = {}
    if isinstance(obj, torch.Tensor):
        out[prefix[:-1]] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, prefix + str(k) + "."))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out.update(flatten(v, prefix + str(i) + "."))
    return out


def model(seed):
    torch.manual_seed(seed)
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.GELU(), torch.nn.LayerNorm(4),
                            torch.nn.Linear(4, 2, bias=False))
    m.train()
    m(torch.randn(5, 3))  # moves BatchNorm's running stats and counter off their initial values
    return m


def gen_state_dict():
    sd = model(0).state_dict()
    torch.save(sd, os.path.join(OUT, "state_dict.pt"))
    expect("state_dict", sd)
    meta["state_dict"] = {"keys": list(sd.keys())}


def gen_dit():
    m, ema = model(1), model(2)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=0)
    m(torch.randn(4, 3)).square().mean().backward()
    opt.step()
    args = argparse.Namespace(data_path="/data/imagenet/train", results_dir="results", model="DiT-S/2",
                              image_size=256, num_classes=1000, epochs=1400, global_batch_size=256, global_seed=0,
                              vae="ema", num_workers=4, log_every=100, ckpt_every=50000, lr=1e-4, use_ema=True,
                              ckpt=None, betas=(0.9, 0.999), size=torch.Size([2, 3]), tags={"a"}, blob=b"\x00\xffok",
                              device=torch.device("cpu"))
    ckpt = {"model": m.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "args": args}
    torch.save(ckpt, os.path.join(OUT, "dit_checkpoint.pt"))
    expect("dit", flatten(ckpt["model"], "model.") | flatten(ckpt["ema"], "ema.") | flatten(ckpt["opt"], "opt."))
    groups = [{k: v for k, v in g.items() if k != "params"} | {"params": g["params"]}
              for g in ckpt["opt"]["param_groups"]]
    meta["dit"] = {"args": {k: (list(v) if isinstance(v, (tuple, torch.Size)) else
                                sorted(v) if isinstance(v, set) else
                                v.decode("latin1") if isinstance(v, bytes) else
                                str(v) if isinstance(v, torch.device) else v)
                            for k, v in vars(args).items()},
                   "param_groups": groups}


def gen_dtypes():
    g = torch.Generator().manual_seed(3)
    d = {
        "f16": (torch.randn(3, 5, generator=g) * 10).half(),
        "bf16": (torch.randn(7, generator=g) * 100).bfloat16(),
        "f64": torch.randn(2, 3, generator=g, dtype=torch.float64) * 1e3,
        "i64": torch.tensor([0, -1, 2 ** 62, -(2 ** 63), 2 ** 63 - 1, 12345678901]),
        "i32": torch.tensor([7, -2 ** 31, 2 ** 31 - 1], dtype=torch.int32),
        "i16": torch.tensor([-32768, 5, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, -1, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 200, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
        "nested": {"list": [torch.ones(2), 3, "text"], "tuple": (torch.arange(3), None)},
    }
    torch.save(d, os.path.join(OUT, "dtypes.pt"))
    expect("dtypes", flatten(d))
    meta["dtypes"] = {"dtypes": {k: str(v.dtype) for k, v in flatten(d).items()}}


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    return {
        "base": base,
        "row": base[1],
        "col": base[:, 2],
        "t": base.t(),
        "block": base[1:3, 2:5],
        "tail": base.view(-1)[5:],
        "expanded": torch.tensor([1.0, 2.0, 3.0]).expand(2, 3),
    }


def view_meta(v):
    return {k: {"stride": list(t.stride()), "offset": t.storage_offset(), "contiguous": t.is_contiguous(),
                "storage": t.storage().data_ptr()} for k, t in v.items()}


def gen_views():
    v = views()
    torch.save(v, os.path.join(OUT, "views.pt"))
    expect("views", v)
    m = view_meta(v)
    ptr0 = m["base"]["storage"]
    for info in m.values():
        info["shares_base"] = info.pop("storage") == ptr0
    meta["views"] = m


def gen_legacy():
    v = views()
    v["i64"] = torch.tensor([1, -2, 3 * 10 ** 12])
    v["half"] = torch.tensor([0.5, -1.25]).half()
    torch.save(v, os.path.join(OUT, "legacy.pt"), _use_new_zipfile_serialization=False)
    expect("legacy", v)
    m = view_meta(v)
    ptr0 = m["base"]["storage"]
    for info in m.values():
        info["shares_base"] = info.pop("storage") == ptr0
    meta["legacy"] = m


class Evil:
    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return os.system, ("touch " + PWNED + self.name,)


class Thing:
    """An ordinary user class: unpickling it means importing and instantiating __main__.Thing."""

    def __init__(self):
        self.weights = [1, 2]


def zip_with_pickle(path, data_pkl):
    """A torch.save-shaped archive whose data.pkl is hand-written."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/version", "3\n")


def prove_live(path, name):
    """Python's own loader runs the payload (so the Java test's 'nothing ran' means something)."""
    flag = PWNED + name
    if os.path.exists(flag):
        os.remove(flag)
    try:
        torch.load(path)
    except Exception:
        pass
    assert os.path.exists(flag), "fixture %s did not run its payload under torch.load" % path
    os.remove(flag)


def gen_evil():
    # GLOBAL 'os system', then REDUCE with ("touch ...",): protocol-2 opcodes written by hand.
    cmd = ("touch " + PWNED + "os_system").encode()
    os_system = (b"\x80\x02cos\nsystem\nq\x00X" + len(cmd).to_bytes(4, "little") + cmd + b"\x85R.")
    zip_with_pickle(os.path.join(OUT, "evil_os_system.pt"), os_system)
    prove_live(os.path.join(OUT, "evil_os_system.pt"), "os_system")

    src = ("__import__('os').system('touch " + PWNED + "eval')").encode()
    evil_eval = (b"\x80\x02}q\x00X\x05\x00\x00\x00modelq\x01cbuiltins\neval\nX" + len(src).to_bytes(4, "little")
                 + src + b"\x85Rs.")
    zip_with_pickle(os.path.join(OUT, "evil_eval.pt"), evil_eval)
    prove_live(os.path.join(OUT, "evil_eval.pt"), "eval")

    # A real torch.save of a checkpoint holding an object whose __reduce__ returns os.system (pickled as
    # 'posix system'), after a genuine tensor: the refusal must come before any storage or later value.
    torch.save({"model": {"w": torch.ones(2)}, "extra": Evil("reduce")}, os.path.join(OUT, "evil_reduce.pt"))
    prove_live(os.path.join(OUT, "evil_reduce.pt"), "reduce")
    torch.save({"w": torch.ones(2), "extra": Evil("legacy")}, os.path.join(OUT, "evil_legacy.pt"),
               _use_new_zipfile_serialization=False)
    prove_live(os.path.join(OUT, "evil_legacy.pt"), "legacy")

    torch.save({"model": {"w": torch.ones(2)}, "thing": Thing()}, os.path.join(OUT, "evil_class.pt"))
    with zipfile.ZipFile(os.path.join(OUT, "evil_class.pt")) as z:
        assert b"__main__" in z.read("evil_class/data.pkl")


def main():
    os.makedirs(OUT, exist_ok=True)
    gen_state_dict()
    gen_dit()
    gen_dtypes()
    gen_views()
    gen_legacy()
    gen_evil()
    write_safetensors(os.path.join(OUT, "expected.safetensors"), expected,
                      {k: json.dumps(v, separators=(",", ":")) for k, v in meta.items()})
    for f in sorted(os.listdir(OUT)):
        print("%-24s %6d bytes" % (f, os.path.getsize(os.path.join(OUT, f))))


if __name__ == "__main__":
    main()
