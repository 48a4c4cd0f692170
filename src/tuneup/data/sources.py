"""Load the config's sources into one `Dataset`.

Tables (CSV, Parquet): a target column, an optional id column, `data.meta` columns kept for analysis,
the rest features. Image folders (class per subfolder), a table listing image paths, and the built-ins.
Every problem a person can cause raises `DataError` naming the file, the column and the fix.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from tuneup._progress import warn
from tuneup.config import Config, Data, Source
from tuneup.data import builtins, images
from tuneup.data.dataset import TARGET_SOURCE, TRAIN_SOURCE, Dataset
from tuneup.exceptions import DataError, counted, did_you_mean, listing, shown

TABLE_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


def load(cfg: Config) -> Dataset:
    """The training source, and the target source when there is one, as one Dataset."""
    train = load_source(cfg, cfg.data.train, TRAIN_SOURCE)
    if cfg.data.target is None:
        return train
    target = load_source(cfg, cfg.data.target, TARGET_SOURCE)
    return _combine(train, target, cfg.data)


def identity(cfg: Config) -> list[str]:
    """What the config's data is on disk now: the identity (path, mtime, size) of every source file, and of
    every file in a source folder. Equal identities: the same data (a cache of it is still good)."""
    keys = []
    for src in (cfg.data.train, cfg.data.target):
        if src is None or src.path.startswith("builtin:"):
            continue
        path = Path(cfg.resolve_path(src.path))
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        if src.image_column and path.is_file():  # a table listing images: the images too
            listed = read_table(path, source_format(cfg, src, "data"), src).get(src.image_column, pd.Series([]))
            files += [p if p.is_absolute() else path.parent / p for p in map(Path, listed.dropna().astype(str))]
        keys += [images.file_key(f) for f in files if f.exists()]
    return keys


def load_source(cfg: Config, src: Source, role: str) -> Dataset:
    key = f"data.{role}"
    fmt = source_format(cfg, src, key)
    if fmt == "builtin":
        ds = _load_builtin(src.path.removeprefix("builtin:"), role, cfg.data)
    elif fmt == "images":
        ds = _load_image_folder(cfg, src, role)
    else:
        frame = read_table(cfg.resolve_path(src.path), fmt, src, key)
        ds = _from_image_list(cfg, frame, src, role) if src.image_column else _from_table(frame, src, role, cfg.data)
    if len(ds) == 0:
        raise DataError(f"{key}.path: {src.path} holds no examples")
    return ds


def source_format(cfg: Config, src: Source, key: str) -> str:
    if src.format != "auto":
        return src.format
    if src.path.startswith("builtin:"):
        builtins.check_name(src.path.removeprefix("builtin:"))
        return "builtin"
    path = Path(cfg.resolve_path(src.path))
    if not path.exists():
        raise DataError(f"{key}.path: {path}: no such file or folder; check the path (relative to {cfg.base_dir})")
    if path.is_dir():
        return "images"
    fmt = TABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"{key}.path: {path}: cannot tell the format from '{path.suffix}'; use a .csv or .parquet file, "
            f"a folder of images, or set {key}.format"
        )
    return fmt


def read_table(path: Path, fmt: str, src: Source, key: str = "data.train") -> pd.DataFrame:
    if not Path(path).exists():
        raise DataError(f"{key}.path: {path}: no such file")
    try:
        if fmt == "parquet":
            frame = _read_parquet(path)
        else:
            sep = src.sep or _sniff_sep(path)
            frame = pd.read_csv(path, sep=sep, na_values=src.na_values or None, low_memory=False)
            header = _header(path, sep)  # as written: pandas renames a second 'colour' to 'colour.1'
            if len(header) == frame.shape[1]:
                frame.columns = header
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; it needs a header row and at least one example") from None
    except pd.errors.ParserError as e:
        detail = str(e).strip().splitlines()[-1].removeprefix("Error tokenizing data. C error: ")
        raise DataError(f"{path}: malformed CSV ({detail}); fix that line or set {key}.sep") from None
    except (OSError, ValueError) as e:  # parquet: not a parquet file, or an unreadable one
        raise DataError(f"{path}: cannot read it as {fmt} ({str(e).splitlines()[0][:160]})") from None
    if frame.shape[1] == 0 or len(frame) == 0:
        raise DataError(f"{path}: no rows; the file needs a header row and at least one example")
    frame.columns = [str(c).strip() for c in frame.columns]
    dupes = list(dict.fromkeys(frame.columns[frame.columns.duplicated()]))
    if dupes:
        raise DataError(f"{path}: column names repeat ({listing(dupes)}); give every column its own name")
    return frame


def _header(path: Path, sep: str) -> list[str]:
    """The first row of a CSV as written (empty names get pandas' own `Unnamed: i`)."""
    row = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0]
    return [name if name.strip() else f"Unnamed: {i}" for i, name in enumerate(row)]


def _read_parquet(path: Path) -> pd.DataFrame:
    """Arrow -> pandas a column at a time, freeing Arrow's copy as it goes: about 1x the data at peak, not 2x."""
    import pyarrow.parquet as pq

    from tuneup._memory import release_arrow

    table = pq.read_table(path, pre_buffer=False)  # pre-buffering whole column chunks doubles the peak
    try:
        return table.to_pandas(split_blocks=True, self_destruct=True)
    finally:
        del table
        release_arrow()  # hand decoding buffers back to the system


def _sniff_sep(path: Path) -> str:
    if Path(path).suffix.lower() == ".tsv":
        return "\t"
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            sample = f.read(64 * 1024)
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except (csv.Error, OSError):
        return ","


def _need_column(frame: pd.DataFrame, column: str, key: str, path: str, what: str) -> None:
    if column not in frame.columns:
        raise DataError(
            f"{key} '{column}' is not a column of {Path(path).name}; {did_you_mean(column, frame.columns)} "
            f"(columns: {listing(frame.columns)}); {what}"
        )


def _from_table(frame: pd.DataFrame, src: Source, role: str, data: Data) -> Dataset:
    key = f"data.{role}"
    name = Path(src.path).name
    if src.target is None:
        raise DataError(
            f"{key}.target is missing: name the label column of {name} (columns: {listing(frame.columns)})"
        )
    targets = [src.target] if isinstance(src.target, str) else list(src.target)
    for t in targets:
        _need_column(frame, t, f"{key}.target", src.path, "name the column that holds the label")
    if src.id:
        _need_column(frame, src.id, f"{key}.id", src.path, "name a column of unique example ids, or leave id out")
    for col in data.meta:
        _need_column(frame, col, "data.meta", src.path, "list only columns of the table")
    for col in data.drop:
        _need_column(frame, col, "data.drop", src.path, "list only columns of the table")

    y, keep = _target(frame, targets, key, name, data.label_sep)
    if not keep.all():  # a boolean .loc copies the whole table: only when rows must go
        frame = frame.loc[keep].reset_index(drop=True)
    ids = _ids(frame, src.id, role, name, rows=None if keep.all() else np.flatnonzero(keep))
    used = set(targets) | set(data.meta) | set(data.drop) | ({src.id} if src.id else set())
    features = frame[[c for c in frame.columns if c not in used]]
    if features.shape[1] == 0:
        raise DataError(f"{name}: no feature columns left after target, id, data.meta and data.drop")
    if "source" in data.meta:
        raise DataError(f"data.meta: 'source' is a name tuneup's metadata uses (which data source each example came "
                        f"from: train or target); rename that column of {name}, or leave it out of data.meta")
    meta = frame[list(data.meta)].copy()
    meta.insert(0, "source", role)
    return Dataset(
        ids=ids, y=y, meta=meta, features=features,
        target_name=targets[0] if len(targets) == 1 else "labels",
        sources={role: {"path": src.path, "kind": "table", "rows": len(frame)}},
    )


def _target(
    frame: pd.DataFrame, targets: list[str], key: str, name: str, label_sep: str
) -> tuple[pd.Series | pd.DataFrame, np.ndarray]:
    """The label(s), and which rows to keep (rows with a missing label are dropped, with a warning)."""
    if len(targets) > 1:  # several 0/1 columns: multilabel
        block = frame[targets]
        for t in targets:
            values = set(pd.unique(block[t].dropna()))
            if not values <= {0, 1, True, False}:
                raise DataError(
                    f"{key}.target: multilabel column '{t}' of {name} must hold 0/1, found {listing(sorted(map(str, values)))}"
                )
        keep = block.notna().all(axis=1).to_numpy()
        y = block.loc[keep].astype(np.int8).reset_index(drop=True)
    else:
        col = frame[targets[0]]
        keep = col.notna().to_numpy()
        if not keep.any():
            raise DataError(f"{key}.target '{targets[0]}' of {name} is entirely missing; choose the column with labels")
        y = _whole_numbers(col[keep].reset_index(drop=True))
        if not pd.api.types.is_numeric_dtype(y) and y.astype(str).str.contains(label_sep, regex=False).any():
            y = y.astype(str).str.get_dummies(sep=label_sep).astype(np.int8)  # "cat|dog" -> multilabel
    dropped = int((~keep).sum())
    if dropped:
        what = f"{counted(dropped, 'row')} {'has' if dropped == 1 else 'have'} no label"
        warn(f"{name}: {what} in '{', '.join(targets)}' and {'is' if dropped == 1 else 'are'} left out")
    if not isinstance(y, pd.DataFrame) and y.nunique() < 2:
        raise DataError(
            f"{key}.target '{targets[0]}' of {name} holds a single value ({shown(y.iloc[0])}); "
            "a model needs at least two classes or varying numbers to learn from"
        )
    return y, keep


def _whole_numbers(y: pd.Series) -> pd.Series:
    """A label column of whole numbers read as floats (a missing label makes pandas read 0/1 as 0.0/1.0)
    as integers again: classes are 0 and 1 everywhere they are shown, never "0.0" and "1.0"."""
    if not pd.api.types.is_float_dtype(y):
        return y
    values = y.to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values != np.round(values)).any() or np.abs(values).max() >= 2**53:
        return y
    return y.astype(np.int64)


def _ids(frame: pd.DataFrame, id_col: str | None, role: str, name: str, rows: np.ndarray | None = None) -> np.ndarray:
    if id_col is None:
        # the row's 0-based position in the file (`rows`: of the rows kept, when some had no label), so a
        # person finds the example in the file; the target source's ids say so ("target:17")
        rows = np.arange(len(frame)) if rows is None else rows
        width = len(str(int(rows.max()))) if len(rows) else 1
        return _with_source(rows.astype(f"U{width}"), role)  # not numpy's default U21: 84 bytes an id
    ids = frame[id_col]
    if ids.isna().any():
        raise DataError(f"{name}: id column '{id_col}' has {int(ids.isna().sum())} missing ids; every row needs one")
    ids = ids.astype(str).to_numpy()
    dup = pd.Series(ids)[pd.Series(ids).duplicated()].unique()
    if len(dup):
        raise DataError(f"{name}: id column '{id_col}' repeats ids ({listing(dup, 5)}); ids must be unique")
    return ids


def _with_source(ids: np.ndarray, role: str) -> np.ndarray:
    """Ids tuneup made (row positions, image paths) name the target source ("target:17"), so the two
    sources' ids never clash and a reader sees where an example came from; the training source's stay plain."""
    ids = np.asarray(ids)
    ids = ids if ids.dtype.kind == "U" else ids.astype(str)
    return ids if role == TRAIN_SOURCE else np.char.add(f"{role}:", ids)


def as_saved(ds: Dataset, saved_ids: np.ndarray) -> Dataset:
    """`ds` (changed in place) with the ids a run folder saved, for runs written before ids were what the
    README says: a target source's image ids without `target:`, and a table's row positions counted after
    the rows without a label were left out. Their splits and predictions still join."""
    known = pd.Index(saved_ids)
    if (known.get_indexer(ds.ids[:: max(1, len(ds) // 1000)]) >= 0).all():
        return ds
    for older in (_plain_target_images, _counted_after_dropping):
        ids = older(ds)
        if ids is not None and (known.get_indexer(ids) >= 0).all():
            ds.ids = ids
            break
    return ds


def _plain_target_images(ds: Dataset) -> np.ndarray | None:
    target = ds.source == TARGET_SOURCE
    if ds.kind != "image" or not target.any():
        return None
    ids = ds.ids.copy()
    ids[target] = np.char.replace(ds.ids[target].astype(str), f"{TARGET_SOURCE}:", "", count=1)
    return ids


def _counted_after_dropping(ds: Dataset) -> np.ndarray | None:
    if ds.kind != "table":
        return None
    ids = np.empty(len(ds), dtype=object)
    for role in (TRAIN_SOURCE, TARGET_SOURCE):
        mine = ds.source == role
        ids[mine] = _with_source(np.arange(int(mine.sum())).astype(str), role)
    return ids.astype(str)


def _load_builtin(name: str, role: str, data: Data) -> Dataset:
    builtins.check_name(name)
    if name in builtins.IMAGES:
        ids, pixels, labels, meta = builtins.digits_pools()["web" if name == "digits-web" else "phone"]
        size, channels = data.images.size, data.images.channels or 1
        if size != builtins.IMAGE_SIZE or channels != 1:
            pixels = _resize_array(pixels, size, channels)
        meta = meta.copy()
        meta.insert(0, "source", role)
        return Dataset(
            ids=ids, y=pd.Series(labels, name="digit"), meta=meta, images=pixels, target_name="digit",
            sources={role: {"path": f"builtin:{name}", "kind": "image", "rows": len(ids)}},
        )
    features, y = builtins.load_table(name)
    meta = pd.DataFrame({"source": role}, index=range(len(y)))
    for col in data.meta:
        _need_column(features, col, "data.meta", f"builtin:{name}", "list only columns of the table")
        meta[col] = features[col].to_numpy()
    features = features.drop(columns=list(data.meta) + list(data.drop))
    return Dataset(
        ids=np.array([f"{name}:{i}" for i in range(len(y))]), y=y.reset_index(drop=True), meta=meta,
        features=features.reset_index(drop=True), target_name=str(y.name),
        sources={role: {"path": f"builtin:{name}", "kind": "table", "rows": len(y)}},
    )


def _resize_array(pixels: np.ndarray, size: int, channels: int) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(pixels).float()
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    if channels == 3 and x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    return x.round().clamp(0, 255).to(torch.uint8).numpy()


def _load_image_folder(cfg: Config, src: Source, role: str) -> Dataset:
    root = Path(cfg.resolve_path(src.path))
    files, labels = images.scan_folder(root)
    ids = _with_source(np.array([f.relative_to(root).as_posix() for f in files], dtype=object), role)
    return _decode(cfg, src, role, files, pd.Series(labels, name="label"), list(ids), pd.DataFrame(index=range(len(files))))


def _from_image_list(cfg: Config, frame: pd.DataFrame, src: Source, role: str) -> Dataset:
    key = f"data.{role}"
    path = Path(cfg.resolve_path(src.path))
    _need_column(frame, src.image_column, f"{key}.image_column", src.path, "name the column of image paths")
    if src.target is None or not isinstance(src.target, str):
        raise DataError(f"{key}.target: name the label column of {path.name} (columns: {listing(frame.columns)})")
    _need_column(frame, src.target, f"{key}.target", src.path, "name the column that holds the label")
    y, keep = _target(frame, [src.target], key, path.name, cfg.data.label_sep)
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
    files = [p if p.is_absolute() else path.parent / p for p in map(Path, frame[src.image_column].astype(str))]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise DataError(
            f"{path.name}: {len(missing)} image paths in '{src.image_column}' do not exist ({listing(missing, 3)}); "
            f"paths are relative to {path.parent}"
        )
    ids = _ids(frame, src.id, role, path.name) if src.id else _with_source(frame[src.image_column].astype(str), role)
    used = {src.target, src.image_column, src.id}
    meta = frame[[c for c in frame.columns if c not in used and c not in cfg.data.drop]].reset_index(drop=True)
    return _decode(cfg, src, role, files, y, list(ids), meta)


def _decode(cfg, src, role, files, labels, ids, meta) -> Dataset:
    opts = cfg.data.images
    channels = images.choose_channels(files, opts.channels)
    decoded = images.decode_files(files, opts.size, channels, cfg.data.skip_bad_files)
    if decoded.bad:
        warn(f"data.{role}: skipped {len(decoded.bad)} unreadable image files, e.g. {decoded.bad[0][0]}")
    kept = decoded.kept
    if len(kept) == 0:
        raise DataError(f"data.{role}.path: {src.path}: none of the {len(files)} images could be read")
    taken = [c for c in ("source", "path") if c in meta.columns]
    if taken:
        raise DataError(f"data.{role}: column '{taken[0]}' of {src.path} has a name tuneup's metadata uses (source: "
                        "train or target; path: the image file); rename it, or list it in data.drop")
    meta = meta.iloc[kept].reset_index(drop=True)
    meta.insert(0, "source", role)
    meta["path"] = [str(files[i]) for i in kept]
    y = labels.iloc[kept].reset_index(drop=True)
    if not isinstance(y, pd.DataFrame) and y.nunique() < 2:
        raise DataError(f"data.{role}.path: {src.path}: every image has the label {shown(y.iloc[0])}; a classifier needs two or more classes")
    return Dataset(
        ids=np.asarray(ids, dtype=object)[kept].astype(str), y=y, meta=meta, images=decoded.pixels,
        target_name=str(getattr(labels, "name", "label") or "label"),
        sources={role: {"path": src.path, "kind": "image", "rows": int(len(kept)), "skipped": len(decoded.bad)}},
    )


def _combine(train: Dataset, target: Dataset, data: Data) -> Dataset:
    if train.kind != target.kind:
        raise DataError(
            f"data.train is {train.kind} data but data.target is {target.kind} data; both sources must be of one kind"
        )
    if train.multilabel != target.multilabel:
        raise DataError("data.train and data.target must both be multilabel, or neither")
    if train.kind == "table":
        missing = [c for c in train.features.columns if c not in target.features.columns]
        if missing:
            raise DataError(
                f"data.target ({target.sources[TARGET_SOURCE]['path']}) lacks feature columns of data.train: "
                f"{listing(missing)}; both sources need the same features (or list extras in data.drop)"
            )
        extra = [c for c in target.features.columns if c not in train.features.columns]
        if extra:
            warn(f"data.target has columns data.train lacks, ignored: {listing(extra)}")
        target.features = target.features[list(train.features.columns)]
    elif train.images.shape[1:] != target.images.shape[1:]:
        target.images = _resize_array(target.images, train.images.shape[-1], train.images.shape[1])
    if train.multilabel:
        labels = sorted(set(train.y.columns) | set(target.y.columns))
        train.y, target.y = train.y.reindex(columns=labels, fill_value=0), target.y.reindex(columns=labels, fill_value=0)
    clash = np.intersect1d(train.ids, target.ids)
    if len(clash):
        target.ids = np.char.add("target:", target.ids.astype(str))
        if len(np.intersect1d(train.ids, target.ids)):
            raise DataError(f"ids repeat across data.train and data.target ({listing(clash, 3)}); make them unique")
    target.y = target.y.rename(train.y.name) if not target.multilabel else target.y
    meta_cols = list(dict.fromkeys([*train.meta.columns, *target.meta.columns]))
    train.meta, target.meta = train.meta.reindex(columns=meta_cols), target.meta.reindex(columns=meta_cols)
    return Dataset.concat([train, target])
