"""Writes small PNG/JPEG fixtures in many pixel formats, and what PIL's convert("RGB") / convert("L") make of them.

Run with /usr/bin/python3 (Pillow 9.4, NumPy) from anywhere; writes data/src/test/resources/images/:
  <name>.png|.jpg      the input (7x5 pixels; some are written by hand below because Pillow cannot write them)
  <name>.rgb           PIL's Image.open(f).convert("RGB") as raw HWC bytes
  <name>.l             PIL's Image.open(f).convert("L") as raw bytes
  <name>.mode          PIL's mode after open, for the reader's "auto" choice (L-like -> 1 channel, else 3)
ImageFolderTest decodes each input with javax.imageio and must give the same bytes.
"""
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "images")
W, H = 7, 5
rng = np.random.default_rng(1234)


def raw_png(path, bit_depth, color_type, rows, extra_chunks=()):
    """A PNG written by hand: filter 0 rows of already packed big-endian samples."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", W, H, bit_depth, color_type, 0, 0, 0)
    body = b"".join(b"\x00" + r for r in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(chunk(k, d) for k, d in extra_chunks)
                + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b""))


def pack_bits(values, bits):
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << bits) | int(v)
        n += bits
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {}
    rgb = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (H, W), dtype=np.uint8)
    alpha = rng.integers(0, 256, (H, W), dtype=np.uint8)

    Image.fromarray(rgb, "RGB").save(os.path.join(OUT, "rgb8.png"))
    Image.fromarray(grey, "L").save(os.path.join(OUT, "grey8.png"))
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(os.path.join(OUT, "rgba8.png"))
    Image.fromarray(np.dstack([grey, alpha]), "LA").save(os.path.join(OUT, "greyalpha8.png"))
    Image.fromarray(grey > 127).save(os.path.join(OUT, "bilevel.png"))
    pal = Image.fromarray(rgb, "RGB").quantize(colors=6)
    pal.info["transparency"] = 2
    pal.save(os.path.join(OUT, "palette.png"), transparency=2)
    # 16-bit grey: Pillow opens it as mode "I" and convert() clips to 0..255 rather than scaling; match that.
    g16 = rng.integers(0, 1024, (H, W)).astype(">u2")
    raw_png(os.path.join(OUT, "grey16.png"), 16, 0, [g16[y].tobytes() for y in range(H)])
    rgb16 = rng.integers(0, 65536, (H, W, 3)).astype(">u2")
    raw_png(os.path.join(OUT, "rgb16.png"), 16, 2, [rgb16[y].tobytes() for y in range(H)])
    rgba16 = rng.integers(0, 65536, (H, W, 4)).astype(">u2")
    raw_png(os.path.join(OUT, "rgba16.png"), 16, 6, [rgba16[y].tobytes() for y in range(H)])
    la16 = rng.integers(0, 65536, (H, W, 2)).astype(">u2")
    raw_png(os.path.join(OUT, "greyalpha16.png"), 16, 4, [la16[y].tobytes() for y in range(H)])
    g2 = rng.integers(0, 4, (H, W))
    raw_png(os.path.join(OUT, "grey2.png"), 2, 0, [pack_bits(g2[y], 2) for y in range(H)])
    g4 = rng.integers(0, 16, (H, W))
    raw_png(os.path.join(OUT, "grey4.png"), 4, 0, [pack_bits(g4[y], 4) for y in range(H)])
    # JPEG: smooth content so that decoders' rounding differences stay small.
    yy, xx = np.mgrid[0:16, 0:16]
    smooth = np.dstack([xx * 15, yy * 15, 255 - xx * 8 - yy * 7]).astype(np.uint8)
    Image.fromarray(smooth, "RGB").save(os.path.join(OUT, "rgb.jpg"), quality=95)
    Image.fromarray(smooth[:, :, 0], "L").save(os.path.join(OUT, "grey.jpg"), quality=95)

    for name in sorted(os.listdir(OUT)):
        if not (name.endswith(".png") or name.endswith(".jpg")):
            continue
        path = os.path.join(OUT, name)
        stem = os.path.splitext(name)[0]
        with Image.open(path) as im:
            with open(os.path.join(OUT, stem + ".mode"), "w") as f:
                f.write(im.mode + "\n")
            for mode, ext in (("RGB", ".rgb"), ("L", ".l")):
                with open(os.path.join(OUT, stem + ext), "wb") as f:
                    f.write(np.asarray(im.convert(mode), dtype=np.uint8).tobytes())
            print(name, im.mode, im.size)


if __name__ == "__main__":
    main()
