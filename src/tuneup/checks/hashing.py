"""Fingerprints for finding the same example twice.

Tables: a 64-bit hash of each row's features (exact), and of the row with numbers cut to about 4
significant digits and text folded (case, spaces) (near). Columns are hashed as numbers or category codes
and mixed (SplitMix64): several times faster than hashing a million strings per column.

Images: a hash of the decoded pixels (exact), and a 64-bit difference hash (dHash: is each cell of an 8x9
grey thumbnail brighter than its left neighbour?), which survives resizing, re-encoding, brightness,
contrast and mild blur or noise. Perceptual hashes of different images can collide, so candidate pairs are
confirmed on the pixels: the correlation of their grey thumbnails (blind to brightness and contrast) must
reach NEAR_CORRELATION."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

SIGNIFICANT = 4  # near-duplicate rows: numbers equal to about this many significant digits
NEAR_CORRELATION = 0.99  # near-duplicate images: grey thumbnails at least this correlated
THUMB = 16  # thumbnail side for the confirmation (16x16 tells different digits apart as well as 32x32)
BANDS = 4  # dHash split into bands of 16 bits: a pair within 3 bits shares at least one band
MAX_HAMMING = 10  # dHash bits two near copies may differ in (noise flips a few; different images, many)
MAX_BUCKET = 500  # band values shared by more images than this (flat backgrounds) propose no pairs
CHUNK = 4096
_PRIME = np.uint64(1099511628211)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment: zero does not stay zero
MANTISSA_BITS = 13  # 2**-13 ~ 1.2e-4: about 4 significant decimal digits
_KEEP = ~np.uint64((1 << (52 - MANTISSA_BITS)) - 1)


def combine_both(columns: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Exact and near row hashes in one pass over (exact values, near values) per column; a column whose
    near values are the exact ones (the same array) is mixed once for both."""
    n = len(columns[0][0]) if columns else 0
    exact, near = np.zeros(n, dtype=np.uint64), np.zeros(n, dtype=np.uint64)
    for values, near_values in columns:
        mixed = column_hash(values)
        exact ^= mixed
        exact *= _PRIME  # wraps around
        near ^= mixed if near_values is values else column_hash(near_values)
        near *= _PRIME
    return exact, near


def column_hash(values: np.ndarray) -> np.ndarray:
    """(N,) uint64 per value: equal values (all NaNs alike, -0.0 as 0.0), equal hashes."""
    if values.dtype.kind == "f":
        floats = np.asarray(values, dtype=np.float64) + 0.0  # -0.0 and 0.0 hash alike
        bits = np.where(np.isnan(floats), np.nan, floats).view(np.uint64)  # one NaN, whatever its payload
    else:
        bits = np.asarray(values).astype(np.int64).view(np.uint64)
    return _mix(bits + _GOLDEN)


def _mix(v: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place: every input bit reaches every output bit."""
    v ^= v >> np.uint64(30)
    v *= np.uint64(0xBF58476D1CE4E5B9)
    v ^= v >> np.uint64(27)
    v *= np.uint64(0x94D049BB133111EB)
    v ^= v >> np.uint64(31)
    return v


def near_values(values: np.ndarray, kind: str, uniques: pd.Index | None = None) -> np.ndarray:
    """A column as a person would compare it: numbers to SIGNIFICANT digits; category codes (`values`, with
    their `uniques`) merged when the texts differ only in case or spaces; booleans and dates as they are."""
    if kind == "numeric":
        return round_significant(values)
    if kind != "categorical":
        return values
    folded = uniques.astype(str).str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)
    refold, _ = pd.factorize(folded)
    if np.array_equal(refold, np.arange(len(uniques))):
        return values  # no two texts merge: the exact codes (and their hash) serve
    return np.where(values >= 0, refold[np.maximum(values, 0)], -1)


def round_significant(x: np.ndarray) -> np.ndarray:
    """Numbers cut to their first MANTISSA_BITS binary digits (about SIGNIFICANT decimal ones): values
    that agree that far get the same bits. Bit masking, not decimal rounding: 20x faster at 1M rows."""
    x = np.asarray(x, dtype=np.float64) + 0.0
    cut = (x.view(np.uint64) & _KEEP).view(np.float64)
    return np.where(np.isfinite(x), cut, x)  # NaN and infinities as they are


# ---- images -----------------------------------------------------------------------------------------
def pixel_hashes(images: np.ndarray) -> np.ndarray:
    """(N,) uint64 of each image's decoded pixels."""
    flat = np.ascontiguousarray(images).reshape(len(images), -1)
    return np.array([int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest(), "little")
                     for row in flat], dtype=np.uint64)


def grey_thumbnails(images: np.ndarray, size: tuple[int, int]):
    """Grey thumbnails (n, h, w) float32 by area averaging."""
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(np.asarray(images, dtype=np.float32)).mean(dim=1, keepdim=True)  # (n, 1, H, W)
    return F.adaptive_avg_pool2d(x, size)[:, 0].numpy()


def difference_hashes(images: np.ndarray) -> np.ndarray:
    """(N,) uint64 dHash."""
    out = np.empty(len(images), dtype=np.uint64)
    for start in range(0, len(images), CHUNK):
        g = grey_thumbnails(images[start : start + CHUNK], (8, 9))
        bits = (g[:, :, 1:] > g[:, :, :-1]).reshape(len(g), 64)
        out[start : start + CHUNK] = np.packbits(bits, axis=1).view(">u8")[:, 0]
    return out


def thumbnails(images: np.ndarray) -> np.ndarray:
    """(N, THUMB*THUMB) grey thumbnails with zero mean and unit length: dot product = correlation."""
    side = min(THUMB, images.shape[-1], images.shape[-2])
    out = np.empty((len(images), side * side), dtype=np.float32)
    for start in range(0, len(images), CHUNK):
        g = grey_thumbnails(images[start : start + CHUNK], (side, side)).reshape(-1, side * side)
        g = g - g.mean(axis=1, keepdims=True)
        out[start : start + CHUNK] = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-6)
    return out


def near_pairs(dhash: np.ndarray, images: np.ndarray, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """(k, 2) pairs of rows (one from `a`, one from `b`; within `a` when b is None, i < j) whose dHashes
    share a band and differ in at most MAX_HAMMING bits, and whose thumbnails correlate at least
    NEAR_CORRELATION."""
    pairs = candidate_pairs(dhash, a, b)
    pairs = pairs[np.bitwise_count(dhash[pairs[:, 0]] ^ dhash[pairs[:, 1]]) <= MAX_HAMMING]
    if not len(pairs):
        return pairs
    rows, where = np.unique(pairs, return_inverse=True)
    where = where.reshape(pairs.shape)
    thumbs = thumbnails(images[rows])  # only the images some pair involves
    corr = np.empty(len(pairs), dtype=np.float32)
    for start in range(0, len(pairs), 65_536):
        w = where[start : start + 65_536]
        corr[start : start + 65_536] = np.einsum("ij,ij->i", thumbs[w[:, 0]], thumbs[w[:, 1]])
    return pairs[corr >= NEAR_CORRELATION]


def candidate_pairs(dhash: np.ndarray, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Pairs whose dHashes agree on at least one of BANDS bands of 16 bits."""
    within = b is None
    b = a if within else b
    found = []
    for band in range(BANDS):
        shift, mask = np.uint64(16 * band), np.uint64(0xFFFF)
        left = pd.DataFrame({"key": ((dhash[a] >> shift) & mask).astype(np.int64), "i": a})
        right = pd.DataFrame({"key": ((dhash[b] >> shift) & mask).astype(np.int64), "j": b})
        crowded = pd.concat([left["key"], right["key"]]).value_counts()
        crowded = crowded.index[crowded > MAX_BUCKET]
        left, right = left[~left["key"].isin(crowded)], right[~right["key"].isin(crowded)]
        pairs = left.merge(right, on="key")[["i", "j"]].to_numpy(dtype=np.int64)
        found.append(pairs[pairs[:, 0] < pairs[:, 1]] if within else pairs)
    pairs = np.concatenate(found)
    n = int(pairs.max()) + 1 if len(pairs) else 1
    flat = np.unique(pairs[:, 0] * n + pairs[:, 1])  # one key per pair: far faster than unique rows
    return np.stack([flat // n, flat % n], axis=1)
