"""Uploaded images: checked before decoding (format, pixel count), then decoded exactly as training did."""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from tuneup.data.images import decode_one
from tuneup.ship.http import RequestError

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # Pillow plugins that never call out to other programs
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "BMP": "bmp", "WEBP": "webp", "TIFF": "tif"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger is a decompression bomb or a mistake


@dataclass
class Upload:
    data: bytes
    pixels: np.ndarray  # (C, H, W) uint8 at the model's size
    width: int  # as uploaded
    height: int
    ext: str


def read_image(data: bytes, name: str, size: int, channels: int, max_pixels: int = MAX_PIXELS) -> Upload:
    from PIL import Image

    if not data:
        raise RequestError(422, f"{name}: the file is empty; choose an image ({', '.join(FORMATS)})")
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as im:
            width, height, fmt = im.width, im.height, im.format
    except Image.DecompressionBombError:
        raise RequestError(413, f"{name}: the image is too large to decode; send at most {max_pixels:,} pixels") from None
    except Exception:
        raise RequestError(415, f"{name}: not an image this server reads; send {', '.join(FORMATS)}") from None
    if width * height > max_pixels:
        raise RequestError(413, f"{name}: {width}x{height} is more than {max_pixels:,} pixels; send a smaller image")
    try:
        pixels = decode_one(data, size, channels)
    except Exception as e:  # Pillow raises many kinds for a truncated or corrupt file
        raise RequestError(422, f"{name}: the {fmt} file cannot be decoded ({type(e).__name__}); it may be truncated") from None
    return Upload(data, pixels, width, height, EXTENSIONS[fmt])
