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


def numeric_shift(column: str, ref: np.ndarray, cur: np.ndarray) -> FeatureShift:
    """KS test, Wasserstein distance (from the sorted samples) and PSI on reference deciles."""
    ref = np.sort(np.asarray(ref, dtype=np.float64)[~np.isnan(ref)])
    cur = np.sort(np.asarray(cur, dtype=np.float64)[~np.isnan(cur)])
    if len(ref) == 0 or len(cur) == 0:
        return FeatureShift(column, "numeric", "ks", np.nan, np.nan, np.nan, "wasserstein/std", np.nan,
                            len(ref), len(cur), False, "-", "-")
    both = np.concatenate([ref, cur])
    cdf_ref = np.searchsorted(ref, both, side="right") / len(ref)
    cdf_cur = np.searchsorted(cur, both, side="right") / len(cur)
    ks = float(np.max(np.abs(cdf_ref - cdf_cur)))
    n_eff = len(ref) * len(cur) / (len(ref) + len(cur))
    p = float(stats.kstwo.sf(ks, max(int(round(n_eff)), 1))) if n_eff < 10_000 else float(stats.kstwobign.sf(ks * np.sqrt(n_eff)))
    q = np.linspace(0, 1, 1001)[1:-1]
    w1 = float(np.mean(np.abs(_sorted_quantiles(ref, q) - _sorted_quantiles(cur, q))))
    scale = float(np.std(ref)) or float(np.mean(np.abs(ref))) or 1.0
    effect = w1 / scale
    edges = np.unique(_sorted_quantiles(ref, np.linspace(0, 1, PSI_BINS + 1)[1:-1]))
    psi_value = psi(np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1),
                    np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1))
    flagged = bool(p < P_VALUE and effect >= NUMERIC_EFFECT)
    return FeatureShift(column, "numeric", "ks", ks, p, effect, "wasserstein/std", psi_value, len(ref), len(cur),
                        flagged, f"mean {ref.mean():.4g}", f"mean {cur.mean():.4g}")


def _sorted_quantiles(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles of an already sorted sample (numpy's 'linear' method) without sorting it again."""
    pos = q * (len(x) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(x) - 1)
    return x[lo] + (x[hi] - x[lo]) * (pos - lo)


def categorical_shift(column: str, ref: pd.Series, cur: pd.Series) -> FeatureShift:
    """Chi-squared test on the contingency table, Jensen-Shannon distance, PSI over categories."""
    ref = pd.Series(ref).astype(object).where(pd.Series(ref).notna(), "<missing>").astype(str)
    cur = pd.Series(cur).astype(object).where(pd.Series(cur).notna(), "<missing>").astype(str)
    a, b = ref.value_counts(), cur.value_counts()
    cats = a.index.union(b.index)
    a, b = a.reindex(cats, fill_value=0).to_numpy(float), b.reindex(cats, fill_value=0).to_numpy(float)
    if len(cats) < 2:
        chi, p = 0.0, 1.0
    else:
        table = np.stack([a, b])
        table = table[:, table.sum(0) > 0]
        chi, p, _, _ = stats.chi2_contingency(table, correction=False)
    pa, pb = a / max(a.sum(), 1), b / max(b.sum(), 1)
    js = float(_js_distance(pa, pb))
    flagged = bool(p < P_VALUE and js >= CATEGORICAL_EFFECT)
    top = lambda s: f"top {s.index[0]!r} {100 * s.iloc[0] / max(s.sum(), 1):.0f}%" if len(s) else "-"  # noqa: E731
    return FeatureShift(column, "categorical", "chi2", float(chi), float(p), js, "jensen-shannon", psi(a, b),
                        len(ref), len(cur), flagged, top(ref.value_counts()), top(cur.value_counts()))


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


def feature_shifts(ref: pd.DataFrame, cur: pd.DataFrame, types: dict[str, str] | None = None) -> list[FeatureShift]:
    """One FeatureShift per shared column, largest effect first. `types` maps column -> numeric |
    categorical | boolean | datetime (inferred when left out); datetimes are compared as numbers."""
    from tuneup.data import columns as cols

    out = []
    for col in [c for c in ref.columns if c in cur.columns]:
        kind = (types or {}).get(col) or cols.infer_type(ref[col])
        if kind in ("numeric", "boolean"):
            conv = cols.to_boolean if kind == "boolean" else cols.to_numeric
            out.append(numeric_shift(col, conv(ref[col]), conv(cur[col])))
        elif kind == "datetime":
            as_days = lambda s: cols.to_datetime(s).astype("int64").to_numpy() / 8.64e13  # noqa: E731
            out.append(numeric_shift(col, as_days(ref[col]), as_days(cur[col])))
        else:
            out.append(categorical_shift(col, ref[col], cur[col]))
    return sorted(out, key=lambda s: (not s.flagged, -np.nan_to_num(s.effect)))


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
                      seed: int = 0) -> DomainClassifier:
    """Cross-validated AUC of gradient boosting on `ref` vs `cur` (numeric matrices, NaN allowed), and
    permutation importance on a held-out part: which features give the samples away."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, train_test_split

    rng = np.random.default_rng(seed)
    ref, cur = _subsample(np.asarray(ref, np.float32), max_rows // 2, rng), _subsample(np.asarray(cur, np.float32), max_rows // 2, rng)
    x = np.vstack([ref, cur])
    y = np.r_[np.zeros(len(ref)), np.ones(len(cur))]
    aucs = []
    model = HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=seed).split(x, y):
        model.fit(x[tr], y[tr])
        aucs.append(roc_auc_score(y[te], model.predict_proba(x[te])[:, 1]))
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, stratify=y, random_state=seed)
    model.fit(x_tr, y_tr)
    imp = permutation_importance(model, x_te, y_te, scoring="roc_auc", n_repeats=3, random_state=seed)
    order = np.argsort(-imp.importances_mean)[:10]
    top = [(names[i], float(imp.importances_mean[i])) for i in order if imp.importances_mean[i] > 0.005]
    return DomainClassifier(float(np.mean(aucs)), float(np.std(aucs)), len(ref), len(cur), top)


def _subsample(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return x if len(x) <= n else x[np.sort(rng.choice(len(x), n, replace=False))]


# ---- images ---------------------------------------------------------------------------------------
IMAGE_STATS = ("brightness", "contrast", "sharpness", "noise")


def image_stats(images: np.ndarray) -> pd.DataFrame:
    """Per image (uint8, (N, C, H, W)): brightness (mean, [0, 1]), contrast (std), sharpness (variance of
    the Laplacian after a 3x3 median filter), noise (Immerkaer's estimate of Gaussian noise sigma). Computed on the grey image."""
    from scipy import ndimage

    x = np.asarray(images, dtype=np.float32) / 255.0
    grey = x.mean(axis=1) if x.ndim == 4 else x  # (N, H, W)
    brightness = grey.mean(axis=(1, 2))
    contrast = grey.std(axis=(1, 2))
    # the Laplacian of a median-filtered image: noise would otherwise pass for detail
    denoised = ndimage.median_filter(grey, size=(1, 3, 3), mode="reflect")
    sharpness = ndimage.laplace(denoised, mode="reflect")[:, 1:-1, 1:-1].var(axis=(1, 2))
    # Immerkaer (1996): convolve with a mask that cancels smooth structure; the residual is noise
    mask = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
    resid = ndimage.convolve(grey, mask[None], mode="reflect")[:, 1:-1, 1:-1]
    h, w = grey.shape[1:]
    noise = np.sqrt(np.pi / 2) / (6 * max(h - 2, 1) * max(w - 2, 1)) * np.abs(resid).sum(axis=(1, 2))
    return pd.DataFrame({"brightness": brightness, "contrast": contrast, "sharpness": sharpness, "noise": noise})


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
    a, b = image_stats(ref_images), image_stats(cur_images)
    shifts = [numeric_shift(c, a[c].to_numpy(), b[c].to_numpy()) for c in IMAGE_STATS]
    med_a, med_b = a.median().to_dict(), b.median().to_dict()
    augment, reasons = [], []
    by = {s.column: s for s in shifts}

    def ratio(stat: str) -> float:
        return med_b[stat] / med_a[stat] if med_a[stat] > 0 else np.inf

    if by["brightness"].flagged:
        r = ratio("brightness")
        augment.append({"name": "brightness", "max": round(float(min(max(abs(1 - r) * 1.5, 0.1), 0.8)), 2)})
        reasons.append(f"target images are {'darker' if r < 1 else 'brighter'} (median brightness x{r:.2f})")
    if by["contrast"].flagged:
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
