"""The prediction log that `tuneup serve` writes and `tuneup monitor` reads: the contract between them.

`--log PATH` is a folder of JSONL files `log-*.jsonl` (read in name order) or one such file. Each line
is one JSON object:

    {"type": "prediction", "time": ISO-8601 UTC, "request_id": hex, "model": run name,
     "variant": "primary" | "candidate", "client": id or null,
     "input": {feature: value as received, ...}                       (tables)
            | {"image": "images/<request_id>.<ext>", "width": W, "height": H,
               "stats": {"brightness": b, "contrast": c, "sharpness": s, "noise": n}}   (images;
               the path is relative to the log folder)
     "prediction": label, "probabilities": {label: p, ...}, "score": P(positive) or null,
     "threshold": binary threshold or null, "latency_ms": float}
    {"type": "feedback", "time": ..., "request_id": hex, "label": label}   (the last one per request wins)

Files are parsed by pyarrow's JSON reader (threads, no Python loop per line). A file whose last line was
cut short by a kill keeps everything before it (the cut line is skipped and counted); any other bad
line is an error naming the file and the line. Lines of another `type` are counted and ignored.
Feedback imported from a CSV goes to a file of its own, `log-feedback-<time>.jsonl`, beside the
server's files (or appended to a single-file log), so the server's own file is never written by two.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tuneup._progress import task
from tuneup.data.shift import IMAGE_STATS  # the statistics the server logs per image
from tuneup.exceptions import DataError, UserError, listing, shown

PATTERN = "log-*.jsonl"
PREDICTION, FEEDBACK = "prediction", "feedback"
_BLOCK = 8 << 20  # pyarrow parses the file in blocks this big, one per thread


@dataclass
class PredictionLog:
    """The log as tables. `predictions`, `inputs` and `probabilities` share one row order (by time)."""

    path: Path
    files: list[Path]
    predictions: pd.DataFrame  # time, request_id, model, variant, client, prediction, score, threshold,
    #                            latency_ms, and label: the last feedback for the request (None without)
    inputs: pd.DataFrame  # tables: one column per logged input key; images: image, width, height, stats
    probabilities: pd.DataFrame  # one column per label
    feedback: pd.DataFrame  # every feedback line: time, request_id, label
    truncated: int = 0  # last lines cut short by a kill, skipped
    ignored: dict[str, int] = field(default_factory=dict)  # lines of other types, by type
    since: pd.Timestamp | None = None

    @property
    def folder(self) -> Path:
        """Where relative image paths start."""
        return self.path if self.path.is_dir() else self.path.parent

    @property
    def labelled(self) -> np.ndarray:
        """Which predictions have ground truth."""
        return self.predictions["label"].notna().to_numpy()

    def take(self, rows: np.ndarray) -> PredictionLog:
        pick = lambda f: f.iloc[rows].reset_index(drop=True)
        return PredictionLog(self.path, self.files, pick(self.predictions), pick(self.inputs),
                             pick(self.probabilities), self.feedback, self.truncated, self.ignored, self.since)

    def summary(self) -> dict:
        t = self.predictions["time"]
        return {
            "path": str(self.path), "files": len(self.files), "predictions": len(self.predictions),
            "feedback": len(self.feedback), "labelled": int(self.labelled.sum()),
            "first": t.min() if len(t) else None, "last": t.max() if len(t) else None,
            "since": self.since, "truncated_lines": self.truncated, "ignored_lines": self.ignored,
            "models": self.predictions["model"].value_counts().to_dict(),
            "variants": self.predictions["variant"].value_counts().to_dict(),
        }


def log_files(path: str | Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob(PATTERN))
        if not files:
            others = sorted(p.name for p in path.glob("*.jsonl"))
            hint = f"; it holds {listing(others, 5)} (rename them log-*.jsonl)" if others else ""
            raise DataError(f"--log {path}: no prediction log files ({PATTERN}) in this folder{hint}")
        return files
    if not path.exists():
        raise DataError(f"--log {path}: no such file or folder; give the folder `tuneup serve` logs to, "
                        f"or one of its {PATTERN} files")
    return [path]


def read_log(path: str | Path, since: str | pd.Timestamp | None = None) -> PredictionLog:
    """Read every log file; keep predictions made at or after `since` (feedback is kept whenever it came)."""
    path = Path(path)
    if since is not None:  # a mistyped --since fails before a large log is read
        since = parse_since(since) if isinstance(since, str) else pd.Timestamp(since)
        since = since.tz_localize("UTC") if since.tzinfo is None else since
    files = log_files(path)
    newest = max(files, key=lambda f: f.stat().st_mtime_ns)  # the one the server may still be writing
    parts = []
    with task("reading the prediction log", total=len(files)) as progress:
        for f in files:
            parts.append(_read_file(f, keep=path.is_dir() and f != newest))
            progress.advance(file=f.name)
    predictions = _concat([p.predictions for p in parts])
    feedback = _concat([p.feedback for p in parts], columns=["time", "request_id", "label"])
    ignored: dict[str, int] = {}
    for p in parts:
        for kind, n in p.ignored.items():
            ignored[kind] = ignored.get(kind, 0) + n
    if not predictions["time"].is_monotonic_increasing:
        predictions = predictions.sort_values("time", kind="stable").reset_index(drop=True)
    predictions["label"] = _last_labels(feedback, predictions["request_id"])
    inputs = _strip(predictions, "input.")
    if "image" in inputs:
        inputs = inputs.rename(columns=lambda c: c.removeprefix("stats."))
    probabilities = _strip(predictions, "probabilities.")
    predictions = predictions[[c for c in predictions.columns if not c.startswith(("input.", "probabilities."))]]
    for col in ("model", "variant", "client", "score", "threshold", "latency_ms"):
        if col not in predictions:
            predictions[col] = None
    log = PredictionLog(path, [p.path for p in parts], predictions, inputs, probabilities, feedback,
                        sum(p.truncated for p in parts), ignored)
    if since is not None:
        log = log.take(np.flatnonzero((predictions["time"] >= since).to_numpy()))
        log.since = since
    return log


def _strip(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    part = frame[[c for c in frame.columns if c.startswith(prefix)]]
    return part.rename(columns=lambda c: c.removeprefix(prefix))


@dataclass
class _File:
    path: Path
    predictions: pd.DataFrame
    feedback: pd.DataFrame
    truncated: int
    ignored: dict[str, int]


def _read_file(path: Path, keep: bool = False) -> _File:
    """One file as tables. `keep`: a rotated file (the server writes only the newest), so its parsed
    table is kept as Parquet in the cache and the next read of an unchanged file skips the JSON."""
    cached = _Cached(path) if keep else None
    table, truncated = cached.load() if cached else (None, 0)
    if table is None:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise DataError(f"{path}: cannot read the log ({e.strerror})") from None
        data, truncated = _drop_cut_line(data)
        try:
            table = _parse_fast(data)
        except Exception:  # noqa: BLE001  (any pyarrow complaint: find the line in Python, or read it there)
            table, cached = None, None
            parts = _parse_slowly(path, data)
    if table is not None:
        parts = table.to_pandas(split_blocks=True)
    kinds = parts["type"] if "type" in parts else pd.Series([None] * len(parts), dtype=object)
    if kinds.isna().any():
        first = int(np.flatnonzero(kinds.isna().to_numpy())[0])
        _fail(path, first, "a line without \"type\" (prediction or feedback)")
    other = kinds[~kinds.isin([PREDICTION, FEEDBACK])].astype(str).value_counts()
    pred = _predictions(path, parts, kinds == PREDICTION)
    fb = _feedback(path, parts, kinds == FEEDBACK)
    if cached is not None and not cached.hit:
        cached.save(table, truncated)  # only a file that passed every check
    return _File(path, pred, fb, truncated, {str(k): int(n) for k, n in other.items() if n})


def cache_rotated(path: str | Path) -> bool:
    """Parse a finished (rotated) log file into the Parquet cache that `read_log` reads unchanged files from;
    `tuneup serve` calls this when it starts a new file. False when the file does not parse: `read_log`
    reports that, with the line, when it gets there."""
    try:
        _read_file(Path(path), keep=True)
    except DataError:
        return False
    return True


class _Cached:
    """A parsed log file as Parquet under the cache folder, keyed by path, size and modification time."""

    def __init__(self, path: Path):
        import hashlib

        from tuneup.data.images import cache_dir

        st = path.stat()
        key = hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:24]
        self.file = cache_dir().parent / "logs" / f"{key}.parquet"
        self.hit = False

    def load(self):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(self.file)
        except (OSError, ValueError):
            return None, 0  # not cached yet, or a broken entry: parse the JSON
        self.hit = True
        return table, int((table.schema.metadata or {}).get(b"tuneup.truncated", b"0"))

    def save(self, table, truncated: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from tuneup._io import write_with

        table = table.replace_schema_metadata({"tuneup.truncated": str(truncated)})
        coded = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
        try:  # lz4, dictionaries only where the values repeat, no statistics: the fastest write that stays small
            write_with(self.file, lambda tmp: pq.write_table(table, tmp, compression="lz4", use_dictionary=coded,
                                                             write_statistics=False))
        except OSError:
            pass  # a read-only cache: the next run parses the JSON again


def _drop_cut_line(data: bytes) -> tuple[bytes, int]:
    """A last line without its newline that does not parse was cut by a kill: skip it (and count it)."""
    end = data.rfind(b"\n") + 1
    tail = data[end:]
    if not tail.strip():
        return data, 0
    try:
        json.loads(tail)
        return data, 0
    except ValueError:
        return data[:end], 1


def _parse_fast(data: bytes):
    """pyarrow's JSON reader -> a flat Arrow table (`input.x`, `probabilities.y` columns)."""
    import pyarrow as pa
    import pyarrow.json as pj

    if len(data) < 4096 and not data.strip():  # (strip copies: not on a big file)
        return pa.table({"type": pa.array([], pa.string())})
    table = pj.read_json(pa.BufferReader(pa.py_buffer(data)), read_options=pj.ReadOptions(block_size=_BLOCK))
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    columns = {}
    for name, col in zip(table.column_names, table.columns):
        if name == "time":
            try:  # ISO-8601 with an offset parses in C++; anything else is left to _times
                col = col.cast(pa.timestamp("us", "UTC"))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                pass
        elif pa.types.is_string(col.type) and (name.startswith("input.") or name in ("type", "model", "variant")):
            col = col.dictionary_encode()  # few distinct values: categories convert fast and stay small
        columns[name] = col
    return pa.table(columns)


def _parse_slowly(path: Path, data: bytes) -> pd.DataFrame:
    """One line at a time: the first bad line is an error with its number; mixed value types (a number
    in one line, text in the next) are kept as they are."""
    records = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            raise DataError(f"{path}:{number}: not a JSON object ({e}); fix or remove that line") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}:{number}: expected a JSON object per line, found {type(record).__name__}")
        records.append(record)
    if not records:
        return pd.DataFrame({"type": pd.Series([], dtype=object)})
    kinds = pd.Series([r.get("type") for r in records], dtype=object)
    parts = []
    for kind in kinds.dropna().unique():  # one type at a time: a missing field must not turn ints into floats
        rows = np.flatnonzero((kinds == kind).to_numpy())
        part = pd.json_normalize([records[i] for i in rows], sep=".")
        part.index = rows
        parts.append(part)
    frame = pd.concat(parts) if parts else pd.DataFrame(index=range(len(records)))
    frame = frame.reindex(range(len(records)))
    frame["type"] = kinds
    return frame


def _predictions(path: Path, frame: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    if not rows.any():
        return pd.DataFrame()
    part = frame if rows.all() else frame.loc[rows.to_numpy()]
    _require(path, part, ["time", "request_id", "prediction"], PREDICTION)
    part = part.drop(columns=[c for c in ("type", "label") if c in part])
    part["time"] = _times(path, part["time"])
    if part["request_id"].dtype != object:
        part["request_id"] = part["request_id"].astype(str)
    return part.reset_index(drop=True)


def _feedback(path: Path, frame: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    if not rows.any():
        return pd.DataFrame()
    part = frame.loc[rows.to_numpy()]
    _require(path, part, ["request_id", "label"], FEEDBACK)
    times = part["time"] if "time" in part else pd.Series([None] * len(part), index=part.index)
    return pd.DataFrame({
        "time": _times(path, times, required=False),
        "request_id": part["request_id"].astype(str).to_numpy(),
        "label": part["label"].to_numpy(),
    })


def _require(path: Path, part: pd.DataFrame, fields: list[str], kind: str) -> None:
    for name in fields:
        missing = part[name].isna().to_numpy() if name in part else np.ones(len(part), dtype=bool)
        if missing.any():
            _fail(path, int(part.index[np.argmax(missing)]), f"a {kind} line without \"{name}\"")


def _times(path: Path, values: pd.Series, required: bool = True) -> pd.Series:
    """ISO-8601 text -> UTC timestamps (a time without an offset is taken as UTC)."""
    import pyarrow as pa

    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values
    try:
        parsed = pa.array(values.to_numpy(dtype=object), type=pa.string()).cast(pa.timestamp("us", "UTC"))
        return pd.Series(parsed.to_pandas(), index=values.index)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        pass
    text = values.astype(object).where(values.notna())
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna() & values.notna()
    if bad.any() or (required and parsed.isna().any()):
        first = bad if bad.any() else parsed.isna()
        row = first.index[np.argmax(first.to_numpy())]
        _fail(path, int(row), f"\"time\" {shown(values.loc[row])} is not an ISO-8601 time such as 2026-05-01T12:00:00Z")
    return parsed


def _fail(path: Path, row: int, problem: str) -> None:
    raise DataError(f"{path}:{_line_number(path.read_bytes(), row)}: {problem}; the log format is described in "
                    "`tuneup monitor --help`")


def _line_number(data: bytes, row: int) -> int:
    """The line of the `row`-th JSON object (blank lines hold none)."""
    seen = -1
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            seen += 1
            if seen == row:
                return number
    return seen + 2


def _concat(frames: list[pd.DataFrame], columns: list[str] | None = None) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns or ["time", "request_id", "prediction"])
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True, sort=False)


def _last_labels(feedback: pd.DataFrame, request_ids: pd.Series) -> pd.Series:
    """The last feedback label per request (by time, then by reading order); None where none came."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(feedback):
        return pd.Series([None] * len(request_ids), dtype=object)
    order = feedback.assign(_order=np.arange(len(feedback))).sort_values(["time", "_order"], kind="stable",
                                                                          na_position="first")
    last = order.drop_duplicates("request_id", keep="last")
    where = pc.index_in(pa.array(request_ids.to_numpy(dtype=object), pa.string()),  # a C++ hash join
                        value_set=pa.array(last["request_id"].to_numpy(dtype=object), pa.string()))
    where = where.to_numpy(zero_copy_only=False)
    found = ~np.isnan(where.astype(np.float64))
    labels = np.full(len(request_ids), None, dtype=object)
    labels[found] = last["label"].to_numpy(dtype=object)[where[found].astype(np.int64)]
    return pd.Series(labels, dtype=object)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$")


def parse_since(text: str, now: dt.datetime | None = None) -> pd.Timestamp:
    """`--since`: an ISO-8601 time (UTC when it has no offset) or a duration back from now (30m, 24h, 7d, 2w)."""
    match = _DURATION.match(text)
    now = pd.Timestamp(now or dt.datetime.now(dt.UTC))
    if match:
        unit = {"m": "min", "min": "min", "h": "h", "d": "D", "w": "W"}[match.group(2)]
        return now - pd.Timedelta(float(match.group(1)), unit=unit)
    try:
        when = pd.Timestamp(text)
    except ValueError:
        raise UserError(f"--since {shown(text)}: expected an ISO-8601 time (2026-05-01, 2026-05-01T12:00Z) or a "
                        "duration back from now (30m, 24h, 7d, 2w)") from None
    return when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")


def append_feedback(path: str | Path, rows: list[dict]) -> Path:
    """Write feedback lines in one go: a new `log-feedback-<time>.jsonl` in a log folder, or at the end of
    a single-file log. Returns the file written."""
    from tuneup._io import dumps, write_text

    path = Path(path)
    now = dt.datetime.now(dt.UTC)
    stamp = now.isoformat(timespec="microseconds").replace("+00:00", "Z")
    lines = "".join(dumps({"type": FEEDBACK, "time": stamp, **r}, indent=None) + "\n" for r in rows)
    if path.is_dir():
        target = path / f"log-feedback-{now.strftime('%Y%m%dT%H%M%S%fZ')}.jsonl"
        return write_text(target, lines)
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(size - 65536, 0))
        tail = f.read().rsplit(b"\n", 1)[-1]
    if tail.strip() and _drop_cut_line(tail)[1]:
        raise UserError(f"{path} ends with a line cut short (a killed server?); feedback appended after it would "
                        "turn it into a bad line: give --log the folder of log-*.jsonl files instead")
    with open(path, "a", encoding="utf-8") as f:  # one write: a reader never sees half of it
        f.write(("\n" if tail.strip() else "") + lines)
    return path
