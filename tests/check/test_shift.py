import numpy as np
import pandas as pd
import pytest
from scipy import stats

import tuneup
from tests.conftest import make_table, table_config
from tuneup.data import shift


def _frames(n: int, seed: int = 0):
    """Reference and current samples: 'spend' shifted by 0.5 sd in current; 'tiny' by 0.02 sd (real but
    too small to matter); the rest alike."""
    rng = np.random.default_rng(seed)

    def sample(shifted: bool) -> pd.DataFrame:
        return pd.DataFrame({
            "spend": rng.normal(0.5 if shifted else 0.0, 1.0, n),
            "tiny": rng.normal(0.02 if shifted else 0.0, 1.0, n),
            "age": rng.normal(40, 12, n),
            "city": rng.choice(["paris", "berlin", "rome", "oslo"], n, p=[0.4, 0.3, 0.2, 0.1]),
        })
    return sample(False), sample(True)


@pytest.mark.parametrize("n", [1_000, 1_000_000])
def test_planted_shift_is_found_in_that_column_only(n):
    ref, cur = _frames(n)
    found = {s.column: s for s in shift.feature_shifts(ref, cur)}
    assert found["spend"].flagged
    assert not found["tiny"].flagged and not found["age"].flagged and not found["city"].flagged
    assert 0.35 < found["spend"].effect < 0.7  # Wasserstein / sd of a 0.5 sd shift
    if n == 1_000_000:
        assert found["tiny"].p_value < 1e-6  # significant at this size, yet too small to flag


def test_ks_statistic_equals_scipy():
    rng = np.random.default_rng(0)
    for _ in range(50):
        a = np.sort(rng.integers(0, rng.integers(2, 30), rng.integers(1, 400)).astype(float))
        b = np.sort(rng.normal(5, 3, rng.integers(1, 400)).round(1))
        ours = shift.numeric_shift("x", a, b).statistic
        assert ours == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


def test_categorical_shift_pools_rare_values_and_counts_missing():
    rng = np.random.default_rng(1)
    values = [f"v{i}" for i in range(500)]
    p = np.random.default_rng(9).dirichlet(np.ones(500) * 0.3)
    ref, cur = pd.Series(rng.choice(values, 20_000, p=p)), pd.Series(rng.choice(values, 20_000, p=p))
    assert not shift.categorical_shift("code", ref, cur).flagged  # the same distribution over 500 values
    moved = pd.Series(rng.choice(values, 20_000, p=np.roll(p, 1)))
    assert shift.categorical_shift("code", ref, moved).flagged
    names, a, b = shift.joint_counts(pd.Series(["1", 1, None, "x"]), pd.Series(["x", "x"]))
    assert dict(zip(names, a)) == {"1": 2, "x": 1, "<missing>": 1} and dict(zip(names, b))["x"] == 2


def test_check_reports_train_vs_target_shift(tmp_path):
    train, target = make_table(1_000, seed=0), make_table(1_000, seed=1)
    target["customer_id"] = [f"p{i}" for i in range(len(target))]
    target["income"] = target["income"] * 1.8  # the planted shift
    train.to_csv(tmp_path / "web.csv", index=False)
    target.to_csv(tmp_path / "phone.csv", index=False)
    cfg = table_config(tmp_path / "web.csv")
    cfg["data"]["target"] = {"path": str(tmp_path / "phone.csv"), "target": "churn", "id": "customer_id"}
    report = tuneup.check(cfg)
    result = report.sections["shift"]["train_vs_target"]
    assert result["flagged"] == ["income"]
    assert result["domain_classifier"]["auc"] > 0.7
    assert result["domain_classifier"]["top_features"][0]["feature"] == "income"
    finding = next(f for f in report.findings if f.check == "shift" and "training and target" in f.title)
    assert finding.severity == "warning" and finding.columns == ["income"]
    assert finding.set == {"data.split.target_in_train": 0.3}
    assert not report.sections["shift"]["dev_vs_test"]["flagged"]  # both from the target source


@pytest.mark.slow
def test_image_shift_suggests_augmentations():
    report = tuneup.check(tuneup.demo_config(epochs=1))
    result = report.sections["shift"]["train_vs_target"]
    assert {"brightness", "contrast", "sharpness", "noise"} <= set(result["flagged"])
    finding = next(f for f in report.findings if f.check == "shift" and "training and target" in f.title)
    names = {a["name"] for a in finding.set["train.augment"]}
    assert {"brightness", "contrast", "blur", "noise"} <= names
    assert not report.errors  # different digits, not copies


def test_image_statistics_of_a_batch_are_each_images_own():
    """Sharpness and noise look at one image at a time: a sharp neighbour in the batch changes nothing."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 3, 24, 20), dtype=np.uint8)
    images[1] = 128  # flat: no detail, no noise
    images[2, :, :, ::2] = 0  # stripes
    alone = pd.concat([shift.image_stats(images[i : i + 1]) for i in range(len(images))], ignore_index=True)
    pd.testing.assert_frame_equal(shift.image_stats(images), alone, rtol=1e-5)
    flat = alone.iloc[1]
    assert flat["sharpness"] == pytest.approx(0.0, abs=1e-9) and flat["noise"] == pytest.approx(0.0, abs=1e-9)


def test_sharpness_falls_with_blur_and_noise_does_not_pass_for_detail():
    from scipy import ndimage

    from tuneup.data import sources

    ds = sources.load(tuneup.load_config({"data": {"train": {"path": "builtin:digits-web"}}}))
    clean = ds.images[:200].astype(np.float32)
    rng = np.random.default_rng(0)
    as_uint8 = lambda a: a.round().clip(0, 255).astype(np.uint8)  # noqa: E731
    blurred = as_uint8(ndimage.gaussian_filter(clean, (0, 0, 1.0, 1.0)))
    noisy = as_uint8(clean + rng.normal(0, 0.04 * 255, clean.shape))
    sharp = {name: shift.image_stats(x)["sharpness"].median()
             for name, x in [("clean", as_uint8(clean)), ("blurred", blurred), ("noisy", noisy)]}
    assert sharp["blurred"] < 0.7 * sharp["clean"]
    assert sharp["noisy"] < 1.3 * sharp["clean"]  # the raw Laplacian variance grows about 1.8x here


def test_an_inverted_target_is_measured_as_polarity_and_gets_the_invert_augmentation():
    """Scans (light ink on black) against photos of paper (dark ink on white): brightness and contrast
    differences would be the wrong reading; the background says one is the other inverted."""
    rng = np.random.default_rng(0)
    ink = np.zeros((80, 1, 24, 24), dtype=np.float32)
    for i in range(len(ink)):
        r, c = rng.integers(6, 12, 2)
        ink[i, 0, r:r + 8, c:c + 3] = 1.0  # a stroke away from the border
    scans = (ink * 230 + rng.normal(0, 3, ink.shape)).clip(0, 255).astype(np.uint8)
    photos = (255 - ink * 200 + rng.normal(0, 3, ink.shape)).clip(0, 255).astype(np.uint8)
    found = shift.image_shift(scans, photos)
    assert found.augmentations[0] == {"name": "invert", "p": 0.5}
    assert not {"brightness", "contrast"} & {a["name"] for a in found.augmentations}
    assert "opposite polarity" in found.reasons[0]
    assert shift.image_shift(scans, scans[::-1]).augmentations == []  # the same polarity: nothing


def test_invert_swaps_light_and_dark():
    import torch

    from tuneup.data.augment import Augmenter

    x = torch.rand(4, 1, 8, 8)
    out, _ = Augmenter([{"name": "invert", "p": 1.0}], "image", "multiclass", 3)([x], torch.zeros(4), torch.Generator())
    assert torch.allclose(out[0], 1 - x)
