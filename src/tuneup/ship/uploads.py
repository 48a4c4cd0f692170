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
MAX_REQUEST_PIXELS = 4 * MAX_PIXELS  # all the images of one request together: what one request may cost to decode


@dataclass
class Upload:
    data: bytes
    pixels: np.ndarray | None  # (C, H, W) uint8 at the model's size; None until decoded
    width: int  # as uploaded
    height: int
    ext: str
    name: str = ""
    format: str = ""


def inspect_image(data: bytes, name: str, max_pixels: int = MAX_PIXELS) -> Upload:
    """Format and size from the header alone (cheap): refused before anything is decoded."""
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
    return Upload(data, None, width, height, EXTENSIONS[fmt], name, fmt)


def check_total(uploads: list[Upload], max_request_pixels: int = MAX_REQUEST_PIXELS) -> None:
    total = sum(u.width * u.height for u in uploads)
    if total > max_request_pixels:
        raise RequestError(413, f"{len(uploads)} images of {total:,} pixels in all; one request may hold at most "
                                f"{max_request_pixels:,}: send fewer or smaller images per request")


def decode_upload(upload: Upload, size: int, channels: int) -> Upload:
    """Decode an inspected upload exactly as training decoded its images (slow for a large image: the server
    calls this on a worker thread, never on the event loop)."""
    try:
        upload.pixels = decode_one(upload.data, size, channels)
    except Exception as e:  # Pillow raises many kinds for a truncated or corrupt file
        raise RequestError(422, f"{upload.name}: the {upload.format} file cannot be decoded ({type(e).__name__}); "
                                "it may be truncated") from None
    return upload


def read_image(data: bytes, name: str, size: int, channels: int, max_pixels: int = MAX_PIXELS) -> Upload:
    """Inspect and decode one upload."""
    return decode_upload(inspect_image(data, name, max_pixels), size, channels)
