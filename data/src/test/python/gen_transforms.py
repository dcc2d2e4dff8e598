"""Writes data/src/test/resources/golden/transforms.safetensors: small test images and what PIL 9.4 makes of them.

Run with Debian's /usr/bin/python3 (python3-pil, python3-numpy, python3-torch). PIL is the oracle for every pixel;
torchvision is not installed here, so its size/offset arithmetic (Resize with an int size, CenterCrop with its
padding, resized_crop) is transcribed below from torchvision 0.14's functional code, and ADM's center_crop_arr from
guided-diffusion. Layout: "input/<name>" holds each source image as float16 [H, W, C] (0..255 are exact in
float16); each case stores "<case>/out" and a metadata entry {"op", "input", "args"} that the Java test
(TransformsGoldenTest) turns into the same transform.
"""
import json
import math
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "tensor", "src", "test", "python"))
from golden import write_safetensors  # noqa: E402

OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "golden", "transforms.safetensors"))
FILTERS = {"NEAREST": Image.NEAREST, "BOX": Image.BOX, "BILINEAR": Image.BILINEAR, "BICUBIC": Image.BICUBIC}


def make_images():
    """Odd sizes, with gradients (where filters differ smoothly) and hard edges and noise (where they ring)."""
    rng = np.random.default_rng(1234)
    images = {}

    w, h = 37, 23
    x = np.arange(w)[None, :].repeat(h, 0)
    y = np.arange(h)[:, None].repeat(w, 1)
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[..., 0] = (x * 255 // (w - 1)).astype(np.uint8)
    rgb[..., 1] = (y * 255 // (h - 1)).astype(np.uint8)
    rgb[..., 2] = np.where(((x // 4) + (y // 3)) % 2 == 0, 255, 0)
    rgb[5:13, 10:18] = 255
    rgb[15:20, 25:33] = (0, 0, 0)
    idx = rng.integers(0, h * w, 25)
    rgb.reshape(-1, 3)[idx] = rng.integers(0, 256, (25, 3))
    images["rgb37x23"] = Image.fromarray(rgb, "RGB")

    w, h = 23, 37
    x = np.arange(w)[None, :].repeat(h, 0)
    y = np.arange(h)[:, None].repeat(w, 1)
    grey = ((x + y) * 255 // (w + h - 2)).astype(np.uint8)
    grey[:, 7:9] = 255
    grey[20:24, :] = 0
    grey[(x - 15) ** 2 + (y - 8) ** 2 < 20] = 200
    idx = rng.integers(0, h * w, 20)
    grey.reshape(-1)[idx] = rng.integers(0, 256, 20)
    images["grey23x37"] = Image.fromarray(grey, "L")

    # Larger images for ADM's repeated BOX halving: rings (high frequencies) over a gradient.
    w, h = 96, 72
    x = np.arange(w)[None, :].repeat(h, 0)
    y = np.arange(h)[:, None].repeat(w, 1)
    r = np.sqrt((x - 40.3) ** 2 + (y - 30.7) ** 2)
    grey = (0.5 * (x * 255 / (w - 1)) + 0.5 * np.where((r.astype(int) // 3) % 2 == 0, 255, 0)).astype(np.uint8)
    images["grey96x72"] = Image.fromarray(grey, "L")

    w, h = 41, 66
    x = np.arange(w)[None, :].repeat(h, 0)
    y = np.arange(h)[:, None].repeat(w, 1)
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[..., 0] = np.where((x // 5) % 2 == 0, 230, 20)
    rgb[..., 1] = (y * 255 // (h - 1)).astype(np.uint8)
    rgb[..., 2] = rng.integers(0, 256, (h, w))
    images["rgb41x66"] = Image.fromarray(rgb, "RGB")
    return images


def to_tensor(img):
    a = np.asarray(img)
    if a.ndim == 2:
        a = a[:, :, None]
    return torch.from_numpy(a.astype(np.float32)).to(torch.float16)


# torchvision 0.14 transcriptions (see the module docstring).
def tv_resize_short(img, size, resample):
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return img.resize((new_w, new_h), resample)


def tv_center_crop(img, cw, ch):
    iw, ih = img.size
    if cw > iw or ch > ih:
        ltrb = [(cw - iw) // 2 if cw > iw else 0, (ch - ih) // 2 if ch > ih else 0,
                (cw - iw + 1) // 2 if cw > iw else 0, (ch - ih + 1) // 2 if ch > ih else 0]
        img = ImageOps.expand(img, border=tuple(ltrb), fill=0)
        iw, ih = img.size
        if cw == iw and ch == ih:
            return img
    top = int(round((ih - ch) / 2.0))
    left = int(round((iw - cw) / 2.0))
    return img.crop((left, top, left + cw, top + ch))


def adm_center_crop(pil_image, image_size):
    while min(*pil_image.size) >= 2 * image_size:
        pil_image = pil_image.resize(tuple(x // 2 for x in pil_image.size), resample=Image.BOX)
    scale = image_size / min(*pil_image.size)
    pil_image = pil_image.resize(tuple(round(x * scale) for x in pil_image.size), resample=Image.BICUBIC)
    arr = np.array(pil_image)
    crop_y = (arr.shape[0] - image_size) // 2
    crop_x = (arr.shape[1] - image_size) // 2
    return Image.fromarray(arr[crop_y: crop_y + image_size, crop_x: crop_x + image_size])


def main():
    images = make_images()
    tensors = {"input/" + k: to_tensor(v) for k, v in images.items()}
    meta = {}

    def case(name, op, src, out, **args):
        assert name not in meta, name
        meta[name] = json.dumps({"op": op, "input": src, "args": args}, separators=(",", ":"))
        tensors[name + "/out"] = to_tensor(out)

    sizes = {
        "rgb37x23": [(18, 11), (12, 8), (7, 5), (29, 17), (53, 34), (55, 31), (50, 15), (1, 1), (37, 40), (20, 23)],
        "grey23x37": [(11, 18), (8, 12), (5, 7), (17, 29), (34, 53), (31, 55), (15, 50), (1, 3), (23, 9), (9, 37)],
    }
    for src, sz in sizes.items():
        for fname, code in FILTERS.items():
            for (w, h) in sz:
                case(f"resize_{fname}_{src}_{w}x{h}", "resize", src, images[src].resize((w, h), code),
                     width=w, height=h, filter=code)
    for fname, code in FILTERS.items():
        case(f"resize_{fname}_grey96x72_13x11", "resize", "grey96x72", images["grey96x72"].resize((13, 11), code),
             width=13, height=11, filter=code)
        case(f"resize_{fname}_rgb41x66_17x29", "resize", "rgb41x66", images["rgb41x66"].resize((17, 29), code),
             width=17, height=29, filter=code)

    for src in ("rgb37x23", "grey23x37"):
        for size, code in ((15, Image.BILINEAR), (30, Image.BICUBIC), (9, Image.BICUBIC)):
            case(f"resize_short_{src}_{size}_{code}", "resize_short", src, tv_resize_short(images[src], size, code),
                 size=size, filter=code)

    for src in ("rgb37x23", "grey23x37"):
        rgb = images[src].mode == "RGB"
        for (l, t, r, b), fill in (((1, 2, 3, 4), [0]), ((0, 5, 0, 0), [200]), ((2, 2, 2, 2), [10, 20, 30])):
            if len(fill) == 3 and not rgb:
                fill = [77]
            # torchvision's _parse_fill makes a tuple per band: PIL would read a bare int as a packed RGB value.
            pil_fill = tuple(fill * 3 if len(fill) == 1 else fill) if rgb else fill[0]
            case(f"pad_{src}_{l}_{t}_{r}_{b}_{fill[0]}", "pad", src,
                 ImageOps.expand(images[src], border=(l, t, r, b), fill=pil_fill), left=l, top=t, right=r, bottom=b,
                 fill=fill)

    for src in ("rgb37x23", "grey23x37"):
        for (cw, ch) in ((16, 16), (20, 10), (3, 22), (1, 1), (40, 30), (37, 23), (23, 37), (24, 18)):
            case(f"center_crop_{src}_{cw}x{ch}", "center_crop", src, tv_center_crop(images[src], cw, ch),
                 width=cw, height=ch)

    for src, targets in (("rgb37x23", (7, 11, 16)), ("grey23x37", (5, 8)), ("grey96x72", (16, 18, 36, 40)),
                         ("rgb41x66", (16, 20))):
        for t in targets:
            case(f"adm_{src}_{t}", "adm", src, adm_center_crop(images[src], t), size=t)

    for src in ("rgb37x23", "grey23x37", "rgb41x66"):
        case(f"grey_{src}", "grey", src, images[src].convert("L"))
    for src in ("rgb37x23", "grey23x37"):
        case(f"rgb_{src}", "rgb", src, images[src].convert("RGB"))
        case(f"flip_{src}", "flip", src, images[src].transpose(Image.FLIP_LEFT_RIGHT))

    # RandomResizedCrop's deterministic part: fixed (i, j, h, w), then resize (torchvision's resized_crop).
    crops = {"rgb37x23": [(3, 5, 15, 20), (0, 0, 23, 37), (10, 20, 13, 17), (4, 1, 9, 7)],
             "grey23x37": [(2, 3, 30, 20), (0, 0, 37, 23), (20, 10, 17, 13)]}
    for src, params in crops.items():
        for (i, j, h, w) in params:
            for (ow, oh, code) in ((16, 16, Image.BICUBIC), (24, 24, Image.BICUBIC), (10, 10, Image.BILINEAR)):
                out = images[src].crop((j, i, j + w, i + h)).resize((ow, oh), code)
                case(f"resized_crop_{src}_{i}_{j}_{h}_{w}_{ow}_{code}", "resized_crop", src, out,
                     top=i, left=j, height=h, width=w, out_width=ow, out_height=oh, filter=code)

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    write_safetensors(OUT, tensors, meta)
    print(f"{OUT}: {len(meta)} cases, {os.path.getsize(OUT) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
