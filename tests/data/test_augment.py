import pytest
import torch

from tuneup.data.augment import Augmenter
from tuneup.data.transforms import TRANSFORMS
from tuneup.exceptions import ConfigError


def images(b=8):
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(b, 1, 16, 16)
    x[:, :, 4:12, 6:10] = 1.0  # a bright bar on black
    return (x + 0.01 * torch.rand(x.shape, generator=g)).clamp(0, 1)


@pytest.mark.parametrize("name", [n for n, t in TRANSFORMS.items() if "image" in t.kinds and n != "mixup"])
def test_image_transforms_keep_shape_range_and_change_pixels(name):
    aug = Augmenter([{"name": name, "p": 1.0}], "image", "multiclass", 3)
    x = images()
    out, y = aug([x], torch.zeros(8, dtype=torch.long), torch.Generator().manual_seed(1))
    assert out[0].shape == x.shape and out[0].min() >= 0 and out[0].max() <= 1
    assert not torch.allclose(out[0], x)


def test_same_generator_same_augmentation():
    aug = Augmenter(["rotate", "blur", "noise"], "image", "multiclass", 3)
    a = aug([images()], torch.zeros(8, dtype=torch.long), torch.Generator().manual_seed(3))[0][0]
    b = aug([images()], torch.zeros(8, dtype=torch.long), torch.Generator().manual_seed(3))[0][0]
    assert torch.equal(a, b)


def test_specific_effects():
    x, g = images(), torch.Generator().manual_seed(0)
    flipped = Augmenter([{"name": "hflip", "p": 1.0}], "image", "binary", 1)([x], torch.zeros(8), g)[0][0]
    assert torch.equal(flipped, x.flip(-1))
    dark = Augmenter([{"name": "brightness", "p": 1.0, "max": 0.5}], "image", "binary", 1)([x], torch.zeros(8), g)[0][0]
    ratio = dark.sum((1, 2, 3)) / x.sum((1, 2, 3))
    assert ((ratio >= 0.5 - 1e-4) & (ratio <= 1.5 + 1e-4)).all()
    blurred = Augmenter([{"name": "blur", "p": 1.0, "sigma": 2.0}], "image", "binary", 1)([x], torch.zeros(8), g)[0][0]
    assert blurred.diff(dim=-1).abs().max() < x.diff(dim=-1).abs().max()
    assert blurred.sum() == pytest.approx(x.sum().item(), rel=0.05)  # blur keeps the energy


def test_mixup_mixes_inputs_and_labels():
    aug = Augmenter(["mixup"], "table", "multiclass", 3)
    x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
    (mixed, *_), soft = aug([x], y, torch.Generator().manual_seed(0))
    assert soft.shape == (16, 3) and torch.allclose(soft.sum(1), torch.ones(16))
    assert soft.max(1).values.min() >= 0.5  # the first example stays dominant


def test_table_noise_and_kind_mismatch():
    x = torch.zeros(100, 5)
    out = Augmenter([{"name": "noise", "std": 0.1, "p": 1.0}], "table", "binary", 1)([x], torch.zeros(100), torch.Generator().manual_seed(0))[0][0]
    assert out.std().item() == pytest.approx(0.1, rel=0.1)
    with pytest.raises(ConfigError, match="'hflip' works on image data.*transforms for a table: noise, mixup"):
        Augmenter(["hflip"], "table", "binary", 1)
