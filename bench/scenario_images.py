"""Generated images for the scenarios (`bench/scenarios.py`): rendered glyphs and geometric shapes, clean
("web") or degraded with a controlled strength ("phone"), written as image folders the way a user keeps
them (one subfolder per class, PNG). Seeded: the same seed gives the same pixels.

Nothing here is the bundled demo's generator (`builtin:digits-web/phone`: scikit-learn's 8x8 digits, bright
ink on black): glyphs are Pillow's own font, dark ink on light paper; shapes are drawn in colour.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

SIZE = 32  # what the user's images are (and what tuneup resizes to by default)
DRAW = 2 * SIZE  # drawn at twice the size, then downsampled: anti-aliased edges like a real capture
DIGITS = tuple("0123456789")
SHAPES = ("circle", "square", "triangle", "cross", "star", "ring")


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # Pillow's bundled font: the same on every machine


def glyph(char: str, rng: np.random.Generator) -> np.ndarray:
    """One character, (SIZE, SIZE) float in [0, 1], ink = 1: random size, stroke, rotation and position."""
    canvas = Image.new("L", (DRAW, DRAW), 0)
    draw = ImageDraw.Draw(canvas)
    stroke = int(rng.integers(0, 3))
    centre = DRAW / 2 + rng.uniform(-5, 5, size=2)
    draw.text(tuple(centre), char, fill=255, font=_font(int(rng.integers(34, 50))), anchor="mm",
              stroke_width=stroke, stroke_fill=255)
    canvas = canvas.rotate(rng.uniform(-15, 15), resample=Image.BILINEAR)
    return np.asarray(canvas.resize((SIZE, SIZE), Image.BOX), dtype=np.float64) / 255.0


def on_paper(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dark ink on light paper, as a scan or a web image of handwriting looks: (H, W) in [0, 1]."""
    paper, pen = rng.uniform(0.85, 1.0), rng.uniform(0.0, 0.15)
    return paper - ink * (paper - pen)


def _polygon(n: int, radius: float, angle: float, star: bool = False) -> list[tuple[float, float]]:
    points = 2 * n if star else n
    out = []
    for k in range(points):
        r = radius * (0.45 if star and k % 2 else 1.0)
        a = angle + 2 * np.pi * k / points
        out.append((DRAW / 2 + r * np.cos(a), DRAW / 2 + r * np.sin(a)))
    return out


def shape_mask(name: str, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """One shape, (DRAW, DRAW) float in [0, 1], centred: random size and rotation (moved later)."""
    canvas = Image.new("L", (DRAW, DRAW), 0)
    d = ImageDraw.Draw(canvas)
    r = rng.uniform(14, 24) * scale
    angle = rng.uniform(0, 2 * np.pi)
    c = DRAW / 2
    if name == "circle":
        d.ellipse((c - r, c - r, c + r, c + r), fill=255)
    elif name == "ring":
        d.ellipse((c - r, c - r, c + r, c + r), outline=255, width=max(3, int(r / 3)))
    elif name == "square":
        d.polygon(_polygon(4, r * 1.15, angle), fill=255)
    elif name == "triangle":
        d.polygon(_polygon(3, r * 1.2, angle), fill=255)
    elif name == "star":
        d.polygon(_polygon(5, r * 1.25, angle, star=True), fill=255)
    elif name == "cross":
        w = max(3, int(r / 2.5))
        bar = Image.new("L", (DRAW, DRAW), 0)
        b = ImageDraw.Draw(bar)
        b.rectangle((c - r, c - w / 2, c + r, c + w / 2), fill=255)
        b.rectangle((c - w / 2, c - r, c + w / 2, c + r), fill=255)
        canvas = bar.rotate(np.degrees(angle), resample=Image.BILINEAR)
    else:
        raise ValueError(f"unknown shape {name!r}; shapes: {', '.join(SHAPES)}")
    return np.asarray(canvas, dtype=np.float64) / 255.0


def shape_rgb(name: str, rng: np.random.Generator, scale: float = 1.0, offset: float = 6.0,
              clutter: int = 0) -> np.ndarray:
    """A coloured shape on a light background, plain or with `clutter` random lines and specks behind the
    shape: (SIZE, SIZE, 3) in [0, 1]. The class is the shape, never the colour (drawn independently)."""
    mask = ndimage.shift(shape_mask(name, rng, scale), rng.uniform(-offset, offset, size=2), order=1)
    mask = np.asarray(Image.fromarray((mask * 255).astype(np.uint8)).resize((SIZE, SIZE), Image.BOX)) / 255.0
    ground = np.broadcast_to(rng.uniform(0.75, 1.0, size=3), (SIZE, SIZE, 3))
    if clutter:
        ground = _clutter(ground, rng, clutter)
    colour = rng.uniform(0.0, 0.6, size=3)
    return ground * (1 - mask[..., None]) + colour * mask[..., None]


@dataclass(frozen=True)
class Camera:
    """How a "phone" capture differs from a clean one; every effect scales with `strength` (0: none).
    Parameters are ranges: each image draws its own value, so the target source varies like real uploads."""

    blur: tuple[float, float] = (0.0, 0.0)  # Gaussian sigma, pixels
    contrast: tuple[float, float] = (1.0, 1.0)  # multiplier of the deviation from the image's mean
    brightness: tuple[float, float] = (1.0, 1.0)  # multiplier of every pixel
    noise: tuple[float, float] = (0.0, 0.0)  # sensor noise sigma, in [0, 1] units
    cast: tuple[float, float, float] = (1.0, 1.0, 1.0)  # per-channel gain (RGB): a white-balance error

    def capture(self, img: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
        """`img` (H, W) or (H, W, 3) in [0, 1] -> the degraded capture, same shape, in [0, 1]."""
        s = strength
        out = img.copy()
        sigma = s * rng.uniform(*self.blur)
        if sigma > 0:
            out = ndimage.gaussian_filter(out, sigma=(sigma, sigma, 0)[: out.ndim])
        mean = out.mean()
        out = mean + (out - mean) * (1 + s * (rng.uniform(*self.contrast) - 1))
        out = out * (1 + s * (rng.uniform(*self.brightness) - 1))
        if out.ndim == 3:
            out = out * (1 + s * (np.asarray(self.cast) - 1))
        noise = s * rng.uniform(*self.noise)
        if noise > 0:
            out = out + rng.normal(0, noise, size=out.shape)
        return out.clip(0, 1)


def _clutter(img: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """Thin random lines and dots in random colours: a busy background (never a closed shape)."""
    rgb = img.ndim == 3
    pil = Image.fromarray((img * 255).astype(np.uint8), "RGB" if rgb else "L")
    d = ImageDraw.Draw(pil)
    for _ in range(n):
        colour = tuple(int(v) for v in rng.integers(0, 256, size=3)) if rgb else int(rng.integers(0, 256))
        if rng.random() < 0.6:
            x0, y0, x1, y1 = rng.uniform(0, SIZE, size=4)
            d.line((x0, y0, x1, y1), fill=colour, width=1)
        else:
            x, y = rng.integers(0, SIZE - 1, size=2)
            d.rectangle((int(x), int(y), int(x) + 1, int(y) + 1), fill=colour)  # a 2x2 speck, not a tiny cross
    return np.asarray(pil, dtype=np.float64) / 255.0


def geometric(img: np.ndarray, angle: float, scale: float, shift: np.ndarray) -> np.ndarray:
    """Rotate (degrees) and scale about the centre, then shift (pixels): (H, W) in, (H, W) out; outside is 0."""
    a = np.radians(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) / scale
    centre = (np.asarray(img.shape) - 1) / 2
    return ndimage.affine_transform(img, rot, offset=centre - rot @ (centre + shift), order=1, mode="constant")


@dataclass
class ImageSet:
    images: np.ndarray  # (N, H, W) grey or (N, H, W, 3) RGB, float in [0, 1]
    labels: np.ndarray  # (N,) class names (the folder names)


NEAR = 0.98  # grey 16x16 thumbnails this correlated are one image twice (tuneup's check says copies at 0.99)
TRIES = 50


def _thumb(img: np.ndarray) -> np.ndarray:
    """A standardised 16x16 grey thumbnail: correlation with another is a dot product / 256."""
    grey = img.mean(axis=-1) if img.ndim == 3 else img
    t = np.asarray(Image.fromarray(grey.astype(np.float32), "F").resize((16, 16), Image.BOX), dtype=np.float64)
    return ((t - t.mean()) / (t.std() + 1e-9)).ravel()


def distinct(render, labels: list[str]) -> list[np.ndarray]:
    """One `render(label)` per label, drawn again while it is a near copy of an earlier image of its class:
    a font renders simple glyphs ('1') nearly alike at close sizes and angles, and a copy in dev measures
    memory, not generalisation."""
    seen: dict[str, list[np.ndarray]] = {}
    out = []
    for label in labels:
        thumbs = seen.setdefault(label, [])
        for _ in range(TRIES):
            img = render(label)
            t = _thumb(img)
            if not thumbs or (np.stack(thumbs) @ t).max() / t.size < NEAR:
                break
        thumbs.append(t)
        out.append(img)
    return out


def glyph_set(n: int, rng: np.random.Generator, camera: Camera | None = None, strength: float = 1.0) -> ImageSet:
    """n digit glyphs, dark ink on light paper, balanced classes, no two near copies; captured by `camera`
    when given."""
    labels = balanced_labels(DIGITS, n, rng)
    images = distinct(lambda c: on_paper(glyph(c, rng), rng), labels)
    if camera is not None:
        images = [camera.capture(img, rng, strength) for img in images]
    return ImageSet(np.stack(images), np.asarray(labels))


def shape_set(n: int, rng: np.random.Generator, camera: Camera | None = None, strength: float = 1.0,
              scale: float = 1.0, offset: float = 6.0, clutter: int = 0) -> ImageSet:
    """n coloured shapes (RGB), balanced classes; smaller (`scale`), further off-centre (`offset`, pixels
    at twice the size), over a cluttered background and captured by `camera` when given."""
    labels = balanced_labels(SHAPES, n, rng)
    images = [shape_rgb(c, rng, scale, offset, clutter) for c in labels]
    if camera is not None:
        images = [camera.capture(img, rng, strength) for img in images]
    return ImageSet(np.stack(images), np.asarray(labels))


def digit_set(rows: np.ndarray, rng: np.random.Generator, invert: bool = False, angle: float = 8.0,
              scale: tuple[float, float] = (0.95, 1.05), shift: float = 1.0) -> ImageSet:
    """scikit-learn's bundled 8x8 digits at `rows`, upscaled to 32x32 (bright ink on black as scanned),
    each at a random rotation within +-`angle` degrees, scale and shift; `invert`: dark ink on light."""
    from sklearn.datasets import load_digits

    d = load_digits()
    out = []
    for img in d.images[rows] / 16.0:
        big = np.asarray(Image.fromarray(img.astype(np.float32), "F").resize((SIZE, SIZE), Image.BICUBIC))
        big = geometric(big.clip(0, 1), rng.uniform(-angle, angle), rng.uniform(*scale),
                        rng.uniform(-shift, shift, size=2))
        out.append(1 - big if invert else big)
    return ImageSet(np.stack(out).clip(0, 1), d.target[rows].astype(str))


def write_folder(root: Path, images: list[np.ndarray], labels: list[str]) -> Path:
    """One subfolder per class, one PNG per image (8-bit grey or RGB), named by its index."""
    root.mkdir(parents=True, exist_ok=True)
    for i, (img, label) in enumerate(zip(images, labels)):
        folder = root / label
        folder.mkdir(exist_ok=True)
        mode = "RGB" if img.ndim == 3 else "L"
        Image.fromarray(np.round(img * 255).clip(0, 255).astype(np.uint8), mode).save(folder / f"{i:05d}.png")
    return root


def balanced_labels(classes: tuple[str, ...], n: int, rng: np.random.Generator) -> list[str]:
    """n labels, every class equally often (up to one), in random order."""
    labels = [classes[i % len(classes)] for i in range(n)]
    return [labels[i] for i in rng.permutation(n)]
