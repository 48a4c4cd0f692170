"""Examples as pictures: the images behind ids (for the report's top losses) and a contact sheet of
misclassified examples for a person to tag. Arrays and PNG bytes, never embedded in JSON."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from tuneup.exceptions import DataError, listing

THUMB = 96  # pixels per side on a contact sheet
CAPTION = 28  # pixels of text under each thumbnail


def example_images(run, ids) -> np.ndarray:
    """(K, C, H, W) uint8 images of the run's examples `ids`, in that order (image runs only)."""
    ds = run.data()
    if ds.images is None:
        raise DataError(f"run '{run.name}' was trained on a table; it has no images to show")
    rows = pd.Index(ds.ids.astype(str)).get_indexer([str(i) for i in ids])
    if (rows < 0).any():
        lost = [str(i) for i, r in zip(ids, rows) if r < 0]
        raise DataError(f"run '{run.name}' has no examples with ids {listing(lost, 5)}")
    return ds.images[rows]


def to_pil(image: np.ndarray):
    """(C, H, W) uint8 -> a PIL image (grey for one channel)."""
    from PIL import Image

    hwc = np.moveaxis(np.asarray(image, dtype=np.uint8), 0, -1)  # (H, W, C)
    return Image.fromarray(hwc[..., 0] if hwc.shape[-1] == 1 else hwc)


def png_bytes(image: np.ndarray, size: int | None = None) -> bytes:
    """One (C, H, W) uint8 image as PNG, optionally scaled (nearest: pixels stay visible)."""
    from PIL import Image

    picture = to_pil(image)
    if size:
        picture = picture.resize((size, size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def contact_sheet(images: np.ndarray, captions: list[str], columns: int = 10, thumb: int = THUMB) -> bytes:
    """A grid of thumbnails, each with its caption (id, true -> predicted), as PNG bytes."""
    from PIL import Image, ImageDraw

    k = len(images)
    cols = max(1, min(columns, k))
    rows = max(1, -(-k // cols))
    sheet = Image.new("RGB", (cols * thumb, rows * (thumb + CAPTION)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (image, caption) in enumerate(zip(images, captions)):
        x, y = (i % cols) * thumb, (i // cols) * (thumb + CAPTION)
        sheet.paste(to_pil(image).convert("RGB").resize((thumb, thumb), Image.Resampling.NEAREST), (x, y))
        for line, text in enumerate(caption.split("\n")[:2]):
            draw.text((x + 2, y + thumb + 1 + 13 * line), _fit(draw, text, thumb - 4), fill="black")
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()


def _fit(draw, text: str, width: int) -> str:
    while text and draw.textlength(text) > width:
        text = text[:-1]
    return text
