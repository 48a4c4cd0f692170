"""The run directory: the contract between steps (ARCHITECTURE.md, "The run folder").

    tuneup-runs/<run>/   config.yaml, splits.csv, encoder.json, the model, history.jsonl, tensorboard/,
                         predictions/, baselines/, summary.json (last), and what later steps add

The names are the constants below, and nowhere else. Every write is atomic. Later steps read only this
folder; nothing needs the training process alive.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from tuneup._io import append_jsonl, read_json, read_jsonl
from tuneup.config import Config, load_config
from tuneup.exceptions import UserError, did_you_mean, listing

if TYPE_CHECKING:
    import pandas as pd

# The run folder's names (ARCHITECTURE.md, "The run folder"), here only: every writer and reader uses these.
CONFIG = "config.yaml"  # the fully resolved config, data paths absolute
SPLITS = "splits.csv"  # id -> split (and fold)
ENCODER = "encoder.json"  # the fitted preprocessing
MODEL = "model.safetensors"  # a network's weights (the architecture in its metadata)
FAMILY_MODEL, FAMILY_META = "model.onnx", "model.json"  # model.kind linear | hgb, instead of the weights
CHECKPOINT = "checkpoint.safetensors"  # during training: what --resume continues from
HISTORY = "history.jsonl"  # one line per epoch (hgb: per boosting iteration)
TENSORBOARD = "tensorboard"  # event files
PREDICTIONS = "predictions"  # predictions/<split>.parquet
BASELINES = "baselines"  # baselines/<name>/<split>.parquet
SUMMARY = "summary.json"  # written last: a run without it is unfinished
CHECK = "check.json"  # the data checks `tuneup run` made
THRESHOLD = "threshold.json"  # the decision threshold `tuneup errors --choose-threshold` kept
MONITOR = "monitor.json"  # the latest `tuneup monitor` report
TRIAL = "trial.json"  # a sweep's trial: study, number, state, values
CANDIDATE = "improve-candidate.json"  # an improve step's candidate: what it changed and why
FOLDS = "folds"  # folds/fold-<i>/: K-fold models, a run folder each
EXPORT = "export"  # `tuneup export`'s default folder
REPORT = "report.html"  # `tuneup report`'s default file
SLICES = "slices.json"  # the columns `tuneup errors --by` sliced by: the next report slices by them too
# beside the run folders, in the runs folder
LEDGER = "test-ledger.jsonl"  # every look at a test set
IMPROVE = "improve.json"  # <name>-improve-NNN/improve.json: an improve session
SWEEP = ".sweep.json"  # <study>.sweep.json: a sweep's result
SWEEPS_DB = "sweeps.db"  # the sweeps' embedded Optuna storage
SERVE_LOGS = "serve-logs"  # <runs>/serve-logs/<model version>/: what `tuneup serve` answered


def prediction_file(split: str) -> str:
    return f"{PREDICTIONS}/{split}.parquet"


def baseline_file(name: str, split: str) -> str:
    return f"{BASELINES}/{name}/{split}.parquet"


def fold_dir(i: int) -> str:
    return f"{FOLDS}/fold-{i}"


def sweep_file(study: str) -> str:
    return f"{study}{SWEEP}"

T = TypeVar("T")


def default_runs_dir() -> Path:
    return Path(os.environ.get("TUNEUP_RUNS", "tuneup-runs"))


_MADE: list[Path] = []  # the run folders this process created, oldest first


def made_here() -> list[Path]:
    """The run folders this process created, oldest first (the CLI names the one a Ctrl-C left unfinished)."""
    return list(_MADE)


def new_run_dir(root: Path, base: str, name: str | None = None) -> Path:
    """Create and return a fresh run folder: `name`, or `<base>-001`, `<base>-002`, ... (race-free)."""
    path = _make_run_dir(root, base, name)
    _MADE.append(path)
    return path


def _make_run_dir(root: Path, base: str, name: str | None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if name:
        path = root / name
        try:
            path.mkdir()
        except FileExistsError:
            raise UserError(
                f"run '{name}' already exists in {root}; choose another --name, or continue it with --resume {path}"
            ) from None
        return path
    # only `<base>-NNN` itself: a named folder such as `<base>-improve-001-s1-12` is not a number taken
    numbers = [int(p.name[len(base) + 1:]) for p in root.glob(f"{base}-*") if p.name[len(base) + 1:].isdigit()]
    i = max(numbers, default=0) + 1
    while True:
        path = root / f"{base}-{i:03d}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            i += 1


class Run:
    """A handle on a run directory. `Run.open("digits-003")` or `Run.open("tuneup-runs/digits-003")`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @classmethod
    def open(cls, ref: "str | Path | Run", runs_dir: str | Path | None = None) -> "Run":
        if isinstance(ref, Run):
            return ref
        path = Path(ref)
        if not (path / CONFIG).exists():
            root = Path(runs_dir) if runs_dir else default_runs_dir()
            if (root / str(ref) / CONFIG).exists():
                path = root / str(ref)
            elif path.is_dir():
                raise UserError(f"{path.resolve()} is a folder, not a run folder (it has no {CONFIG}); give a folder "
                                f"that `tuneup run` made, e.g. {root}/<name>, or a run's name")
            else:
                known = sorted(p.parent.name for p in root.glob(f"*/{CONFIG}")) if root.exists() else []
                hint = f"; {did_you_mean(str(ref), known)}" if known else f"; no runs in {root} yet (start one with `tuneup run CONFIG`)"
                raise UserError(f"run '{ref}' not found: not a run folder, nor a run in {root}{hint}")
        return cls(path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def root(self) -> Path:
        """The runs folder holding this run (and the test ledger)."""
        return self.path.parent

    @property
    def complete(self) -> bool:
        return (self.path / SUMMARY).exists()

    @cached_property
    def config(self) -> Config:
        return load_config(self.path / CONFIG)

    @cached_property
    def summary(self) -> dict[str, Any]:
        if not self.complete:
            raise UserError(
                f"run '{self.name}' did not finish (no {SUMMARY}); continue it with `tuneup run --resume {self.path}`"
            )
        return self.read(SUMMARY, read_json)

    def read(self, name: str, reader: Callable[[Path], T]) -> T:
        """`reader(path)` on one file of the run folder. The one place where a missing or damaged file becomes
        an error naming the file and what to do about it (train again, or resume an unfinished run)."""
        path = self.path / name
        if not path.exists():
            raise self.damaged(name, "missing")
        try:
            return reader(path)
        except MemoryError:
            raise
        except Exception as e:  # noqa: BLE001 - every library raises its own kind for a cut or garbled file
            why = " ".join(str(e).split()).removeprefix(f"{path}: ")
            why = why if isinstance(e, UserError) else f"{type(e).__name__}: {why}".removesuffix(": ")
            raise self.damaged(name, f"damaged ({why[:160]})") from None

    def damaged(self, name: str, what: str) -> UserError:
        again = f"train it again with `tuneup run {self.path / CONFIG}`"
        fix = again if self.complete else f"continue it with `tuneup run --resume {self.path}`, or {again}"
        return UserError(f"run '{self.name}': {self.path / name} is {what}; {fix}")

    @property
    def history(self) -> list[dict]:
        return read_jsonl(self.path / HISTORY)

    @cached_property
    def encoder(self):
        from tuneup.data.encode import Encoder

        return self.read(ENCODER, Encoder.load)

    @cached_property
    def splits(self):
        from tuneup.data.split import Splits

        return self.read(SPLITS, Splits.read)

    @property
    def metric(self):
        from tuneup.errors.metrics import get_metric

        return get_metric(self.summary["metric"])

    def prediction_splits(self) -> list[str]:
        return sorted(p.stem for p in (self.path / PREDICTIONS).glob("*.parquet"))

    def predictions(self, split: str = "dev") -> pd.DataFrame:
        name = prediction_file(split)
        if not (self.path / name).exists():
            have = self.prediction_splits()
            if not have:
                raise self.damaged(PREDICTIONS, "missing (the run has no predictions at all)")
            extra = " (test predictions exist only for runs evaluated with --final)" if split == "test" else ""
            raise UserError(f"run '{self.name}' has no predictions for split '{split}'{extra}; splits: {listing(have)}")
        import pandas as pd

        return self.read(name, pd.read_parquet)

    def baseline_predictions(self, name: str, split: str = "dev") -> pd.DataFrame:
        """A baseline's predictions on `split`, in `predictions()`'s columns (the same examples, in the same order)."""
        path = self.path / baseline_file(name, split)
        if not path.exists():
            have = sorted(f"{p.parent.name}/{p.stem}" for p in (self.path / BASELINES).glob("*/*.parquet"))
            raise UserError(f"run '{self.name}' has no predictions of baseline '{name}' on '{split}' "
                            f"(baselines keep train_dev, dev, and test with --final); it has: {listing(have)}")
        import pandas as pd

        return pd.read_parquet(path)

    @property
    def family(self) -> str | None:
        """`linear` or `hgb` for a run of a scikit-learn model; None for a network's run."""
        from tuneup.models.families.artifact import load_meta

        meta = load_meta(self.path)
        return None if meta is None else meta["family"]

    def load_model(self):
        """The trained network in eval mode, from safetensors (never pickle)."""
        from safetensors.torch import load_file

        from tuneup.models.nets import build_model

        if self.family is not None:
            raise UserError(
                f"run '{self.name}' is model.kind {self.family} (scikit-learn), not a network: it has no layers to load; "
                "its model is model.onnx (`tuneup export` and `tuneup serve` take it as they are)")

        model = build_model(self.config.model, self.encoder, seed=self.config.train.seed)
        self.read(MODEL, lambda path: model.load_state_dict(load_file(str(path))))
        return model.eval()

    def head(self):
        from tuneup.models.heads import Head

        threshold = 0.5
        if (self.path / THRESHOLD).exists():
            threshold = self.read(THRESHOLD, lambda path: float(read_json(path).get("threshold", 0.5)))
        return Head(self.encoder.task, self.encoder.n_outputs, threshold=threshold)

    def data(self):
        """The run's examples, re-read from its sources, in splits.csv's order of ids."""
        from tuneup.data import sources

        return sources.as_saved(sources.load(self.config), self.splits.ids)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"

    def _repr_html_(self) -> str:
        from tuneup.diagnose.render import run_html

        return run_html(self)

    def __rich__(self):
        from tuneup.diagnose.render import ladder_table

        return ladder_table(self.summary)


def config_fingerprint(cfg: Config) -> str:
    """What makes two runs the same experiment: the config without its name."""
    data = cfg.to_dict()
    data.pop("name", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def config_diff(old: Config, new: Config) -> list[str]:
    """`train.lr: 0.001 -> 0.01` lines for every dotted key that differs."""
    a, b = _flatten(old.to_dict()), _flatten(new.to_dict())
    return [f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k) and k != "name"]


def _flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


# ---- the test ledger: every look at test is recorded ------------------------------------------------
def record_test_use(root: Path, run: str, fingerprint: str, test_ids_hash: str, metric: str, error: float,
                    purpose: str = "run --final") -> int:
    """Append to the ledger; returns how many times this test set has now been looked at."""
    append_jsonl(root / LEDGER, {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "run": run, "config": fingerprint,
        "test_set": test_ids_hash, "metric": metric, "test_error": error, "purpose": purpose,
    })
    return sum(1 for r in read_jsonl(root / LEDGER) if r.get("test_set") == test_ids_hash)


def test_uses(root: Path, test_ids_hash: str | None = None) -> list[dict]:
    rows = read_jsonl(Path(root) / LEDGER)
    return [r for r in rows if test_ids_hash is None or r.get("test_set") == test_ids_hash]


def ids_hash(ids) -> str:
    return hashlib.sha256("\n".join(sorted(map(str, ids))).encode()).hexdigest()[:16]


def dump_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
