"""Deterministic synthetic test images: smooth gradients, a few shapes and noise, so that resizing
has edges and texture to get wrong. Written with Pillow."""
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def pixels(width: int, height: int, channels: int, seed: int) -> np.ndarray:
    """(height, width, channels) uint8."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = []
    for c in range(channels):
        fx, fy = rng.uniform(0.5, 3.0, 2)
        phase = rng.uniform(0, 2 * np.pi)
        base.append(127 + 90 * np.sin(2 * np.pi * (fx * x / width + fy * y / height) + phase))
    a = np.stack(base, axis=-1) + rng.normal(0, 18, (height, width, channels))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8).squeeze(-1) if channels == 1 else np.clip(a, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(4):
        x0, y0 = rng.integers(0, width), rng.integers(0, height)
        x1, y1 = x0 + rng.integers(1, max(2, width // 2)), y0 + rng.integers(1, max(2, height // 2))
        fill = int(rng.integers(0, 256)) if channels == 1 else tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=fill)
    a = np.asarray(img)
    return a[:, :, None] if a.ndim == 2 else a


def write(path: Path, width: int, height: int, mode: str, seed: int, quality: int = 90) -> Path:
    """Writes an image; mode is L, RGB or RGBA; the format follows the suffix (.png, .jpg, .ppm, .pgm)."""
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    a = pixels(width, height, min(channels, 3), seed)
    if mode == "RGBA":
        alpha = np.random.default_rng(seed + 1).integers(0, 256, (height, width, 1), dtype=np.uint8)
        a = np.concatenate([a, alpha], axis=-1)
    img = Image.fromarray(a.squeeze(-1) if channels == 1 else a, mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        img.save(path, quality=quality)
    else:
        img.save(path)
    return path
