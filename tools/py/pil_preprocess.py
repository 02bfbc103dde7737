"""The reference image preprocessing: Pillow + numpy, the way a torchvision pipeline does it.

`Spec` mirrors nninfer's `nninfer.preprocess` metadata (color, width, height, resize,
resize_shorter, scale, mean, std, layout) and `tensor(path, spec)` computes what `nninfer classify`
should feed the model for an image file:

1. `Image.open(path).convert("L" | "RGB")` (alpha dropped, as nninfer does);
2. resize by policy: `stretch` = `img.resize((w, h), BILINEAR)`; `shorter_side_crop` =
   torchvision `Resize(n)` (shorter side n, longer side `int(n * long / short)`, BILINEAR) then
   `CenterCrop((h, w))`; `center_crop` = `CenterCrop((h, w))` only; `none` = the size must match;
   `CenterCrop` offsets are `int(round((size - crop) / 2.0))`, zero padding where the image is smaller;
3. float32 `(v * scale - mean[c]) / std[c]`, channels reversed first for `bgr`;
4. layout `NCHW` or `NHWC`, with a batch dimension of 1.
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np
from PIL import Image


@dataclass
class Spec:
    color: str = "rgb"
    width: int = 224
    height: int = 224
    resize: str = "stretch"
    resize_shorter: Optional[int] = None
    scale: float = 1.0 / 255.0
    mean: List[float] = field(default_factory=lambda: [0.0])
    std: List[float] = field(default_factory=lambda: [1.0])
    layout: str = "NCHW"

    @property
    def channels(self) -> int:
        return 1 if self.color == "gray" else 3

    def flags(self) -> List[str]:
        """The `nninfer classify` flags that set this preprocessing completely."""
        f = ["--color", self.color, "--size", f"{self.width}x{self.height}", "--resize", self.resize,
             "--scale", repr(float(self.scale)), "--mean", ",".join(repr(float(m)) for m in self.mean),
             "--std", ",".join(repr(float(s)) for s in self.std), "--layout", self.layout]
        if self.resize_shorter is not None:
            f += ["--resize-shorter", str(self.resize_shorter)]
        return f

    def input_shape(self, batch="N"):
        if self.layout == "NCHW":
            return [batch, self.channels, self.height, self.width]
        return [batch, self.height, self.width, self.channels]


def shorter_side_size(w: int, h: int, n: int):
    """torchvision Resize(n) for PIL images: the shorter side becomes n, the longer int(n * long / short)."""
    if w <= h:
        return n, int(n * h / w)
    return int(n * w / h), n


def center_crop(img: Image.Image, w: int, h: int) -> Image.Image:
    """torchvision CenterCrop((h, w)): zero-pad an image smaller than the crop ((crop - size) // 2
    before, the rest after), then crop at int(round((size - crop) / 2.0))."""
    iw, ih = img.size
    if w > iw or h > ih:
        left = (w - iw) // 2 if w > iw else 0
        top = (h - ih) // 2 if h > ih else 0
        right = (w - iw + 1) // 2 if w > iw else 0
        bottom = (h - ih + 1) // 2 if h > ih else 0
        canvas = Image.new(img.mode, (iw + left + right, ih + top + bottom))
        canvas.paste(img, (left, top))
        img = canvas
        iw, ih = img.size
    top = int(round((ih - h) / 2.0))
    left = int(round((iw - w) / 2.0))
    return img.crop((left, top, left + w, top + h))


def prepared_image(img: Image.Image, spec: Spec) -> Image.Image:
    img = img.convert("L" if spec.color == "gray" else "RGB")
    if spec.resize == "stretch":
        return img.resize((spec.width, spec.height), Image.BILINEAR)
    if spec.resize == "shorter_side_crop":
        n = spec.resize_shorter or min(spec.width, spec.height)
        img = img.resize(shorter_side_size(*img.size, n), Image.BILINEAR)
        return center_crop(img, spec.width, spec.height)
    if spec.resize == "center_crop":
        return center_crop(img, spec.width, spec.height)
    if img.size != (spec.width, spec.height):
        raise ValueError(f"image is {img.size[0]}x{img.size[1]}, resize 'none' needs {spec.width}x{spec.height}")
    return img


def normalize(img: Image.Image, spec: Spec) -> np.ndarray:
    """(1, C, H, W) or (1, H, W, C) float32."""
    a = np.asarray(img, dtype=np.float32)
    if a.ndim == 2:
        a = a[:, :, None]
    if spec.color == "bgr":
        a = a[:, :, ::-1]
    mean = np.asarray(spec.mean, np.float32).reshape(1, 1, -1)
    std = np.asarray(spec.std, np.float32).reshape(1, 1, -1)
    a = (a * np.float32(spec.scale) - mean) / std
    if spec.layout == "NCHW":
        a = a.transpose(2, 0, 1)
    return np.ascontiguousarray(a[None], dtype=np.float32)


def tensor(path, spec: Spec) -> np.ndarray:
    with Image.open(path) as img:
        return normalize(prepared_image(img, spec), spec)
