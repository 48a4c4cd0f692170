"""Distribution shift between a reference sample and a current one (training vs target data, train vs
dev, training data vs production traffic).

Per feature: a test (KS for numbers, chi-squared for categories) AND an effect size (Wasserstein
distance in reference standard deviations; Jensen-Shannon distance; PSI). A column is flagged only when
the test is significant AND the effect is large enough to matter, so a million rows do not flag every
column for a shift nobody would care about, and a thousand rows do not flag noise.

Also: a classifier that tells the two samples apart (its AUC, and which features drive it), and image
statistics (brightness, contrast, sharpness, noise) with the augmentations that would close the gap.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

P_VALUE = 0.01
NUMERIC_EFFECT = 0.1  # Wasserstein distance, in reference standard deviations
CATEGORICAL_EFFECT = 0.1  # Jensen-Shannon distance (base 2, in [0, 1])
MAX_CATEGORIES = 100  # categorical tests pool the rarer values beyond this many into OTHER
MISSING, OTHER = "<missing>", "<other>"
PSI_BINS = 10
_EPS = 1e-6


@dataclass
class FeatureShift:
    column: str
    kind: str  # numeric | categorical
    test: str  # ks | chi2
    statistic: float
    p_value: float
    effect: float  # numeric: Wasserstein / reference std; categorical: Jensen-Shannon distance
    effect_name: str
    psi: float
    n_reference: int
    n_current: int
    flagged: bool
    reference_summary: str  # e.g. "mean 0.31" or "top 'paris' 40%"
    current_summary: str

    def to_dict(self) -> dict:
        return asdict(self)


def numeric_shift(column: str, ref: np.ndarray, cur: np.ndarray, p_value: float = P_VALUE) -> FeatureShift:
    """KS test, Wasserstein distance (from the sorted samples) and PSI on reference deciles. `p_value`:
    the significance level for flagging (lower it when many columns or windows are tested at once)."""
    ref, cur = _sorted_finite(ref), _sorted_finite(cur)
    if len(ref) == 0 or len(cur) == 0:
        return FeatureShift(column, "numeric", "ks", np.nan, np.nan, np.nan, "wasserstein/std", np.nan,
                            len(ref), len(cur), False, "-", "-")
    ks = max(_ks_from(ref, cur), _ks_from(cur, ref))
    n_eff = len(ref) * len(cur) / (len(ref) + len(cur))
    p = float(stats.kstwo.sf(ks, max(int(round(n_eff)), 1))) if n_eff < 10_000 else float(stats.kstwobign.sf(ks * np.sqrt(n_eff)))
    q = np.linspace(0, 1, 1001)[1:-1]
    w1 = float(np.mean(np.abs(_sorted_quantiles(ref, q) - _sorted_quantiles(cur, q))))
    scale = float(np.std(ref)) or float(np.mean(np.abs(ref))) or 1.0
    effect = w1 / scale
    edges = np.unique(_sorted_quantiles(ref, np.linspace(0, 1, PSI_BINS + 1)[1:-1]))
    binned = lambda x: np.diff(np.r_[0, np.searchsorted(x, edges, side="left"), len(x)])  # noqa: E731  (x sorted)
    psi_value = psi(binned(ref), binned(cur))
    flagged = bool(p < p_value and effect >= NUMERIC_EFFECT)
    return FeatureShift(column, "numeric", "ks", ks, p, effect, "wasserstein/std", psi_value, len(ref), len(cur),
                        flagged, f"mean {ref.mean():.4g}", f"mean {cur.mean():.4g}")


def _sorted_finite(x: np.ndarray) -> np.ndarray:
    """The non-missing values, sorted, as float64 (sorted in their own dtype first: float32 sorts faster,
    and widening after sorting keeps the order)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.sort(x[~np.isnan(x)]).astype(np.float64, copy=False)


def _ks_from(a: np.ndarray, b: np.ndarray) -> float:
    """max |F_a - F_b| over the distinct values of sorted `a` (right-continuous CDFs, as scipy's ks_2samp):
    F_a there is the position of each value's last copy, so only F_b needs counting."""
    last = np.flatnonzero(np.append(a[1:] != a[:-1], True))  # the last copy of each distinct value
    return float(np.max(np.abs((last + 1) / len(a) - _count_at_most(b, a[last]) / len(b))))


def _count_at_most(b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """How many values of sorted `b` are <= each value of sorted `x`. Binary searches go the cheap way
    round: a million values against a few thousand cost a few thousand searches and one cumulative sum."""
    if len(x) <= len(b):
        return np.searchsorted(b, x, side="right")
    return np.cumsum(np.bincount(np.searchsorted(x, b, side="left"), minlength=len(x) + 1))[: len(x)]


def _sorted_quantiles(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles of an already sorted sample (numpy's 'linear' method) without sorting it again."""
    pos = q * (len(x) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(x) - 1)
    return x[lo] + (x[hi] - x[lo]) * (pos - lo)


def categorical_shift(column: str, ref: pd.Series, cur: pd.Series, p_value: float = P_VALUE) -> FeatureShift:
    """Chi-squared test on the contingency table, Jensen-Shannon distance, PSI over categories.

    Beyond MAX_CATEGORIES values the rarest are pooled as '<other>': a chi-squared test over thousands of
    sparse cells is not valid, and an id-like column would otherwise look 'shifted' value by value."""
    names, a, b = joint_counts(ref, cur)
    top_ref, top_cur = _top(names, a), _top(names, b)
    if len(names) > MAX_CATEGORIES:
        order = np.argsort(-(a + b), kind="stable")
        keep, rest = order[: MAX_CATEGORIES - 1], order[MAX_CATEGORIES - 1 :]
        a, b = np.r_[a[keep], a[rest].sum()], np.r_[b[keep], b[rest].sum()]
    a, b = a.astype(float), b.astype(float)
    if len(a) < 2:
        chi, p = 0.0, 1.0
    else:
        table = np.stack([a, b])
        chi, p, _, _ = stats.chi2_contingency(table[:, table.sum(0) > 0], correction=False)
    pa, pb = a / max(a.sum(), 1), b / max(b.sum(), 1)
    js = float(_js_distance(pa, pb))
    flagged = bool(p < p_value and js >= CATEGORICAL_EFFECT)
    return FeatureShift(column, "categorical", "chi2", float(chi), float(p), js, "jensen-shannon", psi(a, b),
                        int(a.sum()), int(b.sum()), flagged, top_ref, top_cur)


def joint_counts(ref: pd.Series, cur: pd.Series) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """(category names as text, rows per category in ref, in cur): one factorisation of both samples,
    text only for the distinct values ('<missing>' for missing; 1 and "1" are one category)."""
    n_ref = len(ref)
    both = pd.concat([pd.Series(ref), pd.Series(cur)], ignore_index=True)
    codes, uniques = pd.factorize(both)  # -1 for missing
    names = pd.Index(uniques).astype(str)
    if not isinstance(both.dtype, pd.StringDtype) and names.has_duplicates:
        remap, names = pd.factorize(names)
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    codes = np.where(codes < 0, len(names), codes)  # missing: one more category, at the end
    a = np.bincount(codes[:n_ref], minlength=len(names) + 1)
    b = np.bincount(codes[n_ref:], minlength=len(names) + 1)
    if a[-1] == 0 and b[-1] == 0:
        return pd.Index(names), a[:-1], b[:-1]
    return pd.Index(names).append(pd.Index([MISSING])), a, b


def _top(names: pd.Index, counts: np.ndarray) -> str:
    if not len(counts) or counts.sum() == 0:
        return "-"
    i = int(np.argmax(counts))
    return f"top {names[i]!r} {100 * counts[i] / counts.sum():.0f}%"


def _js_distance(p: np.ndarray, q: np.ndarray) -> float:
    from scipy.spatial.distance import jensenshannon

    if p.sum() == 0 or q.sum() == 0:
        return 0.0
    return float(jensenshannon(p, q, base=2))


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Population stability index: sum (cur - ref) * ln(cur / ref) over bins (0.1 moderate, 0.25 large)."""
    r = np.asarray(ref_counts, float) / max(np.sum(ref_counts), 1) + _EPS
    c = np.asarray(cur_counts, float) / max(np.sum(cur_counts), 1) + _EPS
    return float(np.sum((c - r) * np.log(c / r)))


def feature_shifts(ref: pd.DataFrame, cur: pd.DataFrame, types: dict[str, str] | None = None,
                   p_value: float = P_VALUE, max_rows: int | None = None, seed: int = 0) -> list[FeatureShift]:
    """One FeatureShift per shared column, largest effect first. `types` maps column -> numeric |
    categorical | boolean | datetime (inferred when left out); datetimes are compared as numbers.
    `p_value`: the significance level for flagging (e.g. P_VALUE / number of tests, Bonferroni).
    `max_rows`: compare random samples of at most this many rows of each side (tests of a million rows
    are no sharper where it matters: the effect-size gate decides)."""
    from tuneup.data import columns as cols

    if max_rows is not None:
        rng = np.random.default_rng(seed)
        ref, cur = _sample_rows(ref, max_rows, rng), _sample_rows(cur, max_rows, rng)
    out = []
    for col in [c for c in ref.columns if c in cur.columns]:
        kind = (types or {}).get(col) or cols.infer_type(ref[col])
        if kind in ("numeric", "boolean"):
            conv = cols.to_boolean if kind == "boolean" else cols.to_numeric
            out.append(numeric_shift(col, conv(ref[col]), conv(cur[col]), p_value))
        elif kind == "datetime":
            out.append(numeric_shift(col, days_since_epoch(ref[col]), days_since_epoch(cur[col]), p_value))
        else:
            out.append(categorical_shift(col, ref[col], cur[col], p_value))
    return sorted(out, key=lambda s: (not s.flagged, -np.nan_to_num(s.effect)))


def days_since_epoch(s: pd.Series) -> np.ndarray:
    """Dates as numbers (NaN where missing), whatever unit or time zone pandas parsed them in."""
    from tuneup.data import columns as cols

    when = cols.to_datetime(s)
    if when.dt.tz is not None:
        when = when.dt.tz_convert("UTC").dt.tz_localize(None)
    days = when.dt.as_unit("s").astype("int64").to_numpy() / 86400.0
    return np.where(when.isna().to_numpy(), np.nan, days)


def _sample_rows(frame: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    return frame if len(frame) <= n else frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))]


@dataclass
class DomainClassifier:
    """How well a classifier tells the two samples apart: AUC 0.5 means it cannot; near 1, it easily can."""

    auc: float
    auc_std: float
    n_reference: int
    n_current: int
    top_features: list[tuple[str, float]]  # (feature, drop in AUC when shuffled)

    def to_dict(self) -> dict:
        return {"auc": self.auc, "auc_std": self.auc_std, "n_reference": self.n_reference,
                "n_current": self.n_current, "top_features": [{"feature": f, "importance": v} for f, v in self.top_features]}


def domain_classifier(ref: np.ndarray, cur: np.ndarray, names: list[str], max_rows: int = 20_000,
                      seed: int = 0, max_iter: int = 100, learning_rate: float = 0.1) -> DomainClassifier:
    """Cross-validated AUC of gradient boosting on `ref` vs `cur` (numeric matrices, NaN allowed), and
    permutation importance on the last fold's held-out part: which features give the samples away.
    `max_iter`, `learning_rate`: fewer, larger boosting steps for a quicker look."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    rng = np.random.default_rng(seed)
    ref, cur = _subsample(np.asarray(ref, np.float32), max_rows // 2, rng), _subsample(np.asarray(cur, np.float32), max_rows // 2, rng)
    x = np.vstack([ref, cur])
    y = np.r_[np.zeros(len(ref)), np.ones(len(cur))]
    aucs = []
    model = HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=learning_rate, random_state=seed)
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=seed).split(x, y):
        model.fit(x[tr], y[tr])
        aucs.append(roc_auc_score(y[te], model.predict_proba(x[te])[:, 1]))
    # on 1,000 held-out rows: enough to rank features, and predicting is what permutation importance costs
    imp = permutation_importance(model, x[te], y[te], scoring="roc_auc", n_repeats=3, random_state=seed,
                                 max_samples=min(1_000, len(te)))
    order = np.argsort(-imp.importances_mean)[:10]
    top = [(names[i], float(imp.importances_mean[i])) for i in order if imp.importances_mean[i] > 0.005]
    return DomainClassifier(float(np.mean(aucs)), float(np.std(aucs)), len(ref), len(cur), top)


def _subsample(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return x if len(x) <= n else x[np.sort(rng.choice(len(x), n, replace=False))]


# ---- images ---------------------------------------------------------------------------------------
IMAGE_STATS = ("brightness", "contrast", "sharpness", "noise", "background")
POLARITY_GAP = 0.3  # backgrounds this far apart on either side of mid-grey: one source is the other inverted


_LAPLACE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float32)
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


def image_stats(images: np.ndarray) -> pd.DataFrame:
    """Per image (uint8, (N, C, H, W)), on the grey image: brightness (mean, [0, 1]), contrast (std), noise
    (Immerkaer's estimate of Gaussian noise sigma), sharpness: the variance of the Laplacian less what
    that noise puts into it (20 sigma^2 for white noise), so a noisy photo does not pass for a sharp one, and
    background: the median of the outermost two pixels all round (dark ink on paper: high; scans: low)."""
    from scipy import ndimage

    x = np.asarray(images, dtype=np.float32) / 255.0
    grey = x.mean(axis=1) if x.ndim == 4 else x  # (N, H, W)
    brightness = grey.mean(axis=(1, 2))
    contrast = grey.std(axis=(1, 2))
    # each image alone: (1, 3, 3) kernels never reach the neighbouring images of the batch
    # Immerkaer (1996): convolve with a mask that cancels smooth structure; the residual is noise
    resid = ndimage.convolve(grey, _IMMERKAER[None], mode="reflect")[:, 1:-1, 1:-1]
    h, w = grey.shape[1:]
    noise = np.sqrt(np.pi / 2) / (6 * max(h - 2, 1) * max(w - 2, 1)) * np.abs(resid).sum(axis=(1, 2))
    laplacian = ndimage.convolve(grey, _LAPLACE[None], mode="reflect")[:, 1:-1, 1:-1].var(axis=(1, 2))
    sharpness = np.maximum(laplacian - 20.0 * noise**2, 0.0)
    frame = np.ones(grey.shape[1:], dtype=bool)
    frame[2:-2, 2:-2] = False  # (H, W): the border
    background = np.median(grey[:, frame], axis=1)
    return pd.DataFrame({"brightness": brightness, "contrast": contrast, "sharpness": sharpness, "noise": noise,
                         "background": background})


@dataclass
class ImageShift:
    stats: list[FeatureShift]  # one per image statistic
    reference: dict[str, float]  # median per statistic
    current: dict[str, float]
    augmentations: list[dict]  # train.augment entries that make the reference look like the current sample
    reasons: list[str]

    def to_dict(self) -> dict:
        return {"stats": [s.to_dict() for s in self.stats], "reference": self.reference, "current": self.current,
                "augmentations": self.augmentations, "reasons": self.reasons}


def image_shift(ref_images: np.ndarray, cur_images: np.ndarray) -> ImageShift:
    """Compare image statistics and choose augmentations from the measured differences: darker or
    brighter -> brightness; flatter -> contrast; blurrier -> blur; noisier -> noise."""
    return compare_image_stats(image_stats(ref_images), image_stats(cur_images))


def compare_image_stats(a: pd.DataFrame, b: pd.DataFrame) -> ImageShift:
    """`image_shift` from statistics already computed (`image_stats` of each sample)."""
    shifts = [numeric_shift(c, a[c].to_numpy(), b[c].to_numpy()) for c in IMAGE_STATS]
    med_a, med_b = a.median().to_dict(), b.median().to_dict()
    augment, reasons = [], []
    by = {s.column: s for s in shifts}

    def ratio(stat: str) -> float:
        return med_b[stat] / med_a[stat] if med_a[stat] > 0 else np.inf

    inverted = (min(med_a["background"], med_b["background"]) < 0.5 < max(med_a["background"], med_b["background"])
                and abs(med_a["background"] - med_b["background"]) > POLARITY_GAP)
    if inverted:
        augment.append({"name": "invert", "p": 0.5})
        reasons.append(f"target images have the opposite polarity (median background {med_a['background']:.2f} -> "
                       f"{med_b['background']:.2f}): {'light' if med_b['background'] > 0.5 else 'dark'} ground where "
                       "training has the other")
    if by["brightness"].flagged and not inverted:  # an inversion moves brightness and contrast by itself
        r = ratio("brightness")
        augment.append({"name": "brightness", "max": round(float(min(max(abs(1 - r) * 1.5, 0.1), 0.8)), 2)})
        reasons.append(f"target images are {'darker' if r < 1 else 'brighter'} (median brightness x{r:.2f})")
    if by["contrast"].flagged and not inverted:
        r = ratio("contrast")
        augment.append({"name": "contrast", "max": round(float(min(max(abs(1 - r) * 1.5, 0.1), 0.8)), 2)})
        reasons.append(f"target images have {'less' if r < 1 else 'more'} contrast (median x{r:.2f})")
    if by["sharpness"].flagged and ratio("sharpness") < 1:
        # a Gaussian blur of sigma s divides Laplacian variance by roughly (1 + 2 s^2)^2 on smooth images
        sigma = float(np.sqrt(max(np.sqrt(1 / max(ratio("sharpness"), 1e-3)) - 1, 0) / 2))
        augment.append({"name": "blur", "sigma": round(min(max(sigma * 2, 1.0), 3.0), 2)})
        reasons.append(f"target images are blurrier (median sharpness x{ratio('sharpness'):.2f})")
    if by["noise"].flagged and med_b["noise"] > med_a["noise"]:
        extra = float(np.sqrt(max(med_b["noise"] ** 2 - med_a["noise"] ** 2, 0)))
        augment.append({"name": "noise", "std": round(min(max(extra * 2, 0.01), 0.3), 3)})
        reasons.append(f"target images are noisier (noise sigma {med_a['noise']:.3f} -> {med_b['noise']:.3f})")
    return ImageShift(shifts, med_a, med_b, augment, reasons)
