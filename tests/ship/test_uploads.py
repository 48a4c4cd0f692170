"""Uploads are checked before decoding and decoded exactly as training decoded image files."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tuneup.data.images import decode_one
from tuneup.ship.http import RequestError
from tuneup.ship.uploads import read_image


def png(image: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def test_a_photo_decodes_like_training(tmp_path):
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (37, 50, 3), dtype=np.uint8))
    path = tmp_path / "x.png"
    img.save(path)
    up = read_image(path.read_bytes(), "x.png", 32, 1)
    np.testing.assert_array_equal(up.pixels, decode_one(path, 32, 1))
    assert (up.width, up.height, up.ext) == (50, 37, "png")
    assert read_image(png(img, "JPEG"), "x.jpg", 16, 3).ext == "jpg"


@pytest.mark.parametrize("data, status", [
    (b"", 422), (b"hello, not an image", 415), (b"%!PS-Adobe-3.0 EPSF-3.0\n", 415),
])
def test_not_an_image(data, status):
    with pytest.raises(RequestError) as e:
        read_image(data, "f", 32, 1)
    assert e.value.status == status and "f:" in str(e.value)


def test_too_many_pixels_is_refused_before_decoding():
    big = png(Image.new("1", (8000, 6000)))  # 48 megapixels in a few kB
    with pytest.raises(RequestError) as e:
        read_image(big, "huge.png", 32, 1)
    assert e.value.status == 413 and "8000x6000" in str(e.value)


def test_a_truncated_file_is_a_422():
    data = png(Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64), dtype=np.uint8)))
    with pytest.raises(RequestError) as e:
        read_image(data[: len(data) // 2], "cut.png", 32, 1)
    assert e.value.status == 422
