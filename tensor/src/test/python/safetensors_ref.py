"""A hand-written safetensors writer and strict reader following the format's specification and the reference
implementation's rules (the `safetensors` package is not packaged for Debian and PyPI is out of reach here), used
to check usp4j's codec in both directions. Standard library only.

Writer rule (the reference's `serialize`, which `safetensors.torch.save_file` calls):
  * tensors sorted by dtype, descending in the order of the reference's Dtype enum (DTYPE_ORDER below), then by
    name, ascending by UTF-8 bytes; data concatenated in that order with no padding;
  * header = compact JSON (no spaces), "__metadata__" first if there is metadata, each entry's keys in the order
    dtype, shape, data_offsets; non-ASCII characters raw, control characters escaped as serde_json does (which is
    what json.dumps(ensure_ascii=False) does too);
  * header padded with spaces to a multiple of 8; 8-byte little-endian header length first.
Reader rule (the reference's `read_metadata` + `validate`): UTF-8 header starting with '{', no duplicate keys,
known dtypes, shape x width = byte count, and sorted by offset the tensors tile the data section exactly.

Test contents: every tensor's values follow from its name, dtype and flat index (`values` below), so either side
can check a file written by the other without a sidecar. The Java twin of `values` is
tensor/src/test/java/dev/usp4j/tensor/io/SafetensorsCompatTest.java.

Usage (from the repository root, with /usr/bin/python3):
  python3 tensor/src/test/python/safetensors_ref.py gen
      writes tensor/src/test/resources/safetensors/python_written.safetensors (dtypes usp4j writes; the Java test
      loads it, checks every value and re-writes it byte for byte) and python_widened.safetensors (F64, U8, I8, I16,
      U16, U32, which usp4j reads by widening).
  python3 tensor/src/test/python/safetensors_ref.py check
      parses tensor/src/test/resources/safetensors/java_written.safetensors (written by the Java test's
      `writeJavaFixture`, see there) strictly, checks every value, re-serialises it with this writer, requires
      identical bytes, and records the verdict with the file's SHA-256 in java_written.check.json, which the Java
      test compares with what its writer produces today.
"""
import hashlib
import json
import os
import struct
import sys

DTYPE_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
               "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
BITS = dict(zip(DTYPE_ORDER, [8, 4, 6, 6, 8, 8, 8, 8, 8, 16, 16, 16, 16, 32, 32, 32, 64, 64, 64, 64]))
FORMATS = {"F32": "f", "F64": "d", "F16": "e", "I32": "i", "I64": "q", "I16": "h", "U16": "H", "U32": "I",
           "I8": "b", "U8": "B"}

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "safetensors"))

# The tensors of python_written.safetensors: awkward names (escapes, control characters, non-ASCII, and a pair
# whose UTF-8 order differs from its UTF-16 order), every dtype usp4j writes, scalars and empty tensors.
PY_SPEC = [
    ("model.blocks.0.attn.qkv.weight", "F32", [3, 5]),
    ("blocks.10.w", "F32", [2]),
    ("blocks.2.w", "F32", [2]),
    ("a", "F32", []),
    ("zero", "F32", [0, 4]),
    ("B", "BF16", [7]),
    ("b", "BF16", [2, 3]),
    ("half", "F16", [5]),
    ("idx", "I64", [4]),
    ("count", "I32", [3]),
    ("mask", "BOOL", [6]),
    ("\u00fcn\u00efc\u00f8d\u00e9/\u540d\u524d", "F32", [2]),
    ("quote\"back\\slash\ttab/", "I32", [1]),
    ("ctl\u0001\u0008\u000c\u001f\u007f", "BOOL", [1]),
    ("\U0001F600 emoji", "F16", [1]),
    ("\uff5e high BMP", "F16", [1]),
    ("empty_i64", "I64", [0]),
]
PY_META = {"format": "pt", "note": "line1\nline2 \"q\" \u00fc \u0007 tab\t"}

WIDENED_SPEC = [("f64", "F64", [2, 3]), ("u8", "U8", [5]), ("i8", "I8", [5]), ("i16", "I16", [3]),
                ("u16", "U16", [3]), ("u32", "U32", [4])]


def salt(name):
    return sum(name.encode("utf-8")) % 13


def values(name, dtype, n):
    """The elements of tensor `name` of `dtype` with n elements (exact in every float format)."""
    s = salt(name)
    out = []
    for i in range(n):
        if dtype in ("F32", "F64", "F16", "BF16"):
            out.append(((i * 7 + s) % 23 - 11) * 0.25)
        elif dtype == "I32":
            out.append(((i * 7919 + s) % 100003 - 50000) * 40000 + i)
        elif dtype == "I64":
            out.append(((i * 7919 + s) % 100003 - 50000) * 92233720368547 + i)
        elif dtype == "BOOL":
            out.append((i + s) % 3 == 0)
        elif dtype == "U8":
            out.append((i * 13 + s) % 256)
        elif dtype == "I8":
            out.append((i * 13 + s) % 256 - 128)
        elif dtype == "I16":
            out.append((i * 1231 + s) % 65536 - 32768)
        elif dtype == "U16":
            out.append((i * 1231 + s) % 65536)
        elif dtype == "U32":
            out.append((i * 2654435761 + s) % 4294967296)
        else:
            raise ValueError("no test values for " + dtype)
    return out


def encode(dtype, vals):
    if dtype == "BOOL":
        return bytes(1 if v else 0 for v in vals)
    if dtype == "BF16":
        # The values are exact in bfloat16, so truncating the float32 bits is the conversion.
        return b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16) for v in vals)
    return struct.pack("<%d%s" % (len(vals), FORMATS[dtype]), *vals)


def decode(dtype, raw):
    if dtype == "BOOL":
        if any(b > 1 for b in raw):
            raise ValueError("BOOL byte other than 0/1")
        return [b == 1 for b in raw]
    if dtype == "BF16":
        return [struct.unpack("<f", struct.pack("<I", h << 16))[0]
                for (h,) in struct.iter_unpack("<H", raw)]
    n = len(raw) * 8 // BITS[dtype]
    return list(struct.unpack("<%d%s" % (n, FORMATS[dtype]), raw))


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def serialize(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes). Returns the file's bytes."""
    ordered = sorted(tensors, key=lambda t: (-DTYPE_ORDER.index(t[1]), t[0].encode("utf-8")))
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, dtype, shape, raw in ordered:
        assert len(raw) * 8 == numel(shape) * BITS[dtype]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(t[3] for t in ordered)


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key %r" % k)
        d[k] = v
    return d


def parse(data):
    """Strict reader. Returns (metadata or None, list of (name, dtype, shape, raw) in header order)."""
    if len(data) < 8:
        raise ValueError("header too small")
    (n,) = struct.unpack("<Q", data[:8])
    if n > 100_000_000 or 8 + n > len(data):
        raise ValueError("invalid header length %d" % n)
    text = data[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise ValueError("header does not start with '{'")
    header = json.loads(text, object_pairs_hook=_no_duplicates)
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ValueError("__metadata__ must map strings to strings")
    body = data[8 + n:]
    entries = []
    for name, info in header.items():
        if set(info) - {"dtype", "shape", "data_offsets"} or info["dtype"] not in BITS:
            raise ValueError("bad entry for %r: %r" % (name, info))
        shape, (b, e) = info["shape"], info["data_offsets"]
        if not all(isinstance(x, int) and x >= 0 for x in shape + [b, e]) or e < b:
            raise ValueError("bad shape/offsets for %r" % name)
        if (e - b) * 8 != numel(shape) * BITS[info["dtype"]]:
            raise ValueError("byte count of %r does not match its shape" % name)
        entries.append((name, info["dtype"], shape, (b, e)))
    at = 0
    for name, _, _, (b, e) in sorted(entries, key=lambda t: t[3]):
        if b != at:
            raise ValueError("offsets of %r leave a gap or overlap" % name)
        at = e
    if at != len(body):
        raise ValueError("data section not covered exactly (%d of %d bytes)" % (at, len(body)))
    return metadata, [(name, dt, shape, body[b:e]) for name, dt, shape, (b, e) in entries]


def formula_tensors(spec):
    return [(name, dt, shape, encode(dt, values(name, dt, numel(shape)))) for name, dt, shape in spec]


def check_values(tensors):
    for name, dt, shape, raw in tensors:
        got = decode(dt, raw)
        want = values(name, dt, numel(shape))
        if got != want:
            raise ValueError("values of %r differ: %r vs %r" % (name, got[:8], want[:8]))


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def gen():
    os.makedirs(OUT_DIR, exist_ok=True)
    data = serialize(formula_tensors(PY_SPEC), PY_META)
    meta, tensors = parse(data)
    assert meta == PY_META
    check_values(tensors)
    write(os.path.join(OUT_DIR, "python_written.safetensors"), data)
    write(os.path.join(OUT_DIR, "python_widened.safetensors"), serialize(formula_tensors(WIDENED_SPEC)))
    print("wrote python_written.safetensors (%d bytes) and python_widened.safetensors" % len(data))


def check():
    path = os.path.join(OUT_DIR, "java_written.safetensors")
    with open(path, "rb") as f:
        data = f.read()
    meta, tensors = parse(data)
    check_values(tensors)
    again = serialize(tensors, meta)
    verdict = {
        "file": "java_written.safetensors",
        "sha256": hashlib.sha256(data).hexdigest(),
        "tensors": len(tensors),
        "metadata_keys": sorted(meta or {}),
        "parsed_strictly": True,
        "values_match_formula": True,
        "python_rewrite_identical": again == data,
    }
    with open(os.path.join(OUT_DIR, "java_written.check.json"), "w") as f:
        json.dump(verdict, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(verdict, sort_keys=True))
    if again != data:
        sys.exit("the Python writer gives other bytes for the Java-written tensors")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]]()
