"""`tuneup.sweep(cfg, trials=20)`: a hyperparameter sweep with pruning (Optuna), embedded by default.

    result = tuneup.sweep("tuneup.yaml", trials=30, space="space.yaml", workers=2)
    result.best.params, result.best.dev_error, result.best.run

Define-by-run over a search space (`sweep/space.py`) into an Optuna study (`sweep/storage.py`:
`<runs_dir>/sweeps.db` unless `storage` names a SQLAlchemy URL), named after the config unless `study`
says otherwise. Every trial is a normal run directory `<runs_dir>/<study>-t<number>` with a `trial.json`
beside its `summary.json` (study, number, state, parameters). Each epoch's dev error is reported to the
pruner; a pruned trial stops after that epoch and its folder is still a complete run (the best weights it
reached, evaluated), with `trial.json` saying `"state": "pruned"`. A trial that fails for a reason (a
diverged loss) leaves no folder and its reason in the history. The objective is the run's dev error;
test is never looked at. `trials` is the total the study should hold (`sweep/study.py`), so the same
command continues a killed sweep. The result is saved as `<runs_dir>/<study>.sweep.json`.
"""
from __future__ import annotations

import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup._io import write_json
from tuneup.config import Config, load_config
from tuneup.exceptions import ConfigError, TrainingError, UserError, listing
from tuneup.models.families import is_family
from tuneup.sweep import study as studies
from tuneup.workflow import Candidate, train_candidate
from tuneup.sweep.result import SweepResult, summarize
from tuneup.sweep.space import Space, default_space, load_space
from tuneup.sweep.storage import StorageURL, open_storage, resolve
from tuneup import runs as rd
from tuneup.runs import Run

PRUNERS = ("median", "hyperband", "none")
BACKENDS = ("optuna", "ray")
CAUGHT = (TrainingError, ConfigError)  # a trial fails for these and the sweep goes on


@dataclass
class Setup:
    """Everything a process needs to run trials of one sweep; plain data, so it crosses to workers."""

    config: dict[str, Any]
    base_dir: str
    space: dict[str, Any]
    space_source: str
    kind: str  # mlp or cnn: where width/depth land
    storage: str  # the full URL
    storage_shown: str
    study: str
    pruner: str
    trials: int
    seed: int
    batch: int = 1  # trials asked at once; compatible ones train as one ensemble (batch.py)

    def cfg(self) -> Config:
        cfg = load_config(self.config)
        cfg._base_dir = Path(self.base_dir)  # relative data paths resolve as in the config's own folder
        return cfg

    def make_space(self, cfg: Config) -> Space:
        sp = load_space(self.space, cfg, self.kind)
        sp.source = self.space_source
        return sp


def sweep(cfg: Config | str | Path, trials: int = 20, space: str | Path | dict | None = None,
          pruner: str = "median", storage: str | None = None, workers: int = 1, backend: str = "optuna",
          address: str | None = None, study: str | None = None, overrides: dict[str, Any] | None = None,
          seed: int = 0, batch: int = 1, enqueue: list[dict[str, Any]] | None = None,
          progress: bool = True) -> SweepResult:
    """Run (or continue) a sweep until its study holds `trials` trials; returns the SweepResult.

    `batch`: ask for this many trials at once and train the compatible ones as one vectorised ensemble.
    `enqueue`: parameter values to try first (e.g. the current config's), as {dotted key: value}."""
    _check_options(trials, pruner, workers, backend, address, batch)
    if backend == "ray":  # before the data is read: a missing Ray or a dead address fails at once
        from tuneup.sweep.ray import check_address, require_ray

        require_ray()
        check_address(address)
    with optuna_quiet():
        return _sweep(cfg, trials, space, pruner, storage, workers, backend, address, study, overrides, seed,
                      batch, enqueue, progress)


def _sweep(cfg, trials, space, pruner, storage, workers, backend, address, study, overrides, seed, batch, enqueue,
           progress) -> SweepResult:
    setup, cfg, sp = plan(cfg, trials, space, pruner, storage, study, overrides, seed)
    setup.batch = batch
    rdb = open_storage(StorageURL(setup.storage, setup.storage_shown, False))
    st = studies.create(setup.study, rdb, cfg, sp.to_dict())
    studies.recover_dead_trials(st)
    for values in enqueue or []:
        st.enqueue_trial(encode(sp, values), skip_if_exists=True)
    todo = studies.tally(st).remaining(trials)
    notes = []
    if todo == 0:
        notes.append(f"study '{setup.study}' already holds {trials} trials; raise --trials to run more")
    elif backend == "ray":
        from tuneup.sweep.ray import run_on_ray

        run_on_ray(setup, st, todo, address, progress)
    elif workers > 1:
        from tuneup.sweep.workers import run_workers

        run_workers(setup, st, todo, workers, progress)
    else:
        with _progress.task(f"sweep {setup.study}", total=trials) as bar:
            run_here(setup, st, todo, bar=bar if progress else None)
    return finish(setup, st, sp, cfg, backend, notes)


def plan(cfg, trials, space, pruner, storage, study, overrides, seed) -> tuple[Setup, Config, Space]:
    """Check the config, the data and the space before anything is trained or any study created."""
    import torch

    from tuneup.pipeline.folder import absolute_paths
    from tuneup.pipeline.preparation import as_resolved, prepare
    from tuneup.pipeline.trainer import build

    # data paths absolute: workers and Ray trials may start in another folder. Trials train this config
    # (task and metric still as given, so each process's prepared data is found in the pipeline's cache; the
    # architecture and learning rate the data decided, so no trial repeats the range test).
    given = absolute_paths(load_config(cfg, overrides))
    prepared = prepare(given)  # the data is read and checked once, here
    given = as_resolved(given, prepared.cfg, ("model.kind", "model.channels", "train.lr"))
    cfg = prepared.cfg
    for note in prepared.notes:
        _progress.info(f"inferred {note}")
    if "dev" not in prepared.tensors:
        raise UserError("a sweep chooses by dev error, but this config has no dev split; give data.split.dev a share")
    kind = _model_kind(cfg, prepared)
    family = is_family(kind)  # linear, hgb: scikit-learn's knobs, no network to build
    kind = kind if family or kind == "cnn" else "mlp"
    sp = load_space(space, cfg, kind) if space is not None else default_space(cfg, kind, len(prepared.tensors["train"]))
    sp.check(given, build=None if family else lambda c: build(prepared, c, device=torch.device("cpu")))
    store = resolve(storage, cfg.runs_path())
    setup = Setup(given.to_dict(), str(given.base_dir), sp.to_dict(), sp.source, kind, store.url, store.shown,
                  study or cfg.name, pruner, trials, seed)
    return setup, cfg, sp


def run_here(setup: Setup, st, quota: int, bar=None, worker: int = 0) -> int:
    """Trials in this process: one at a time, or in batches that may train as ensembles."""
    if setup.batch > 1:
        from tuneup.sweep.batch import run_batches

        return run_batches(setup, st, quota, setup.batch, bar=bar, worker=worker)
    return run_trials(setup, st, quota, bar=bar, worker=worker)


def run_trials(setup: Setup, st, quota: int, bar=None, worker: int = 0) -> int:
    """Run up to `quota` trials in this process, stopping early once the study holds enough; returns how
    many ran. Each trial goes through `study.optimize`, which keeps its heartbeat and retries dead trials."""
    cfg = setup.cfg()
    sp = setup.make_space(cfg)
    st.sampler = make_sampler(setup, st, worker)
    st.pruner = make_pruner(setup.pruner, cfg, setup.trials)
    objective = Objective(setup, cfg, sp, bar)
    ran = 0
    with optuna_quiet():
        while ran < quota and studies.tally(st).remaining(setup.trials) > 0:
            st.optimize(objective, n_trials=1, catch=CAUGHT)
            ran += 1
            if bar is not None:
                show_progress(bar, st, setup.trials)
    return ran


class Objective:
    """One trial: sample the space, train the candidate as a run folder, report epochs to the pruner."""

    def __init__(self, setup: Setup, cfg: Config, space: Space, bar=None):
        self.setup, self.cfg, self.space, self.bar = setup, cfg, space, bar
        self.runs_dir = cfg.runs_path()

    def __call__(self, trial) -> float:
        import optuna

        values = self.space.suggest(trial)
        studies.mark_owner(trial)
        name, resume = studies.folder_for(trial, self.setup.study, self.runs_dir)
        trial.set_user_attr(studies.RUN_ATTR, str(self.runs_dir / name))
        overrides = self.space.overrides(values)
        epochs = overrides.get("train.epochs", self.cfg.train.epochs)

        def on_epoch(record: dict) -> bool:
            trial.report(record["dev"]["error"], record["epoch"])
            if self.bar is not None:
                self.bar.update(trial=trial.number, epoch=record["epoch"])
            # pruning after the last epoch saves nothing and would hide a finished result from the sampler
            return record["epoch"] < epochs and trial.should_prune()

        try:
            if resume is not None and Run(resume).complete:  # died after finishing, before telling the study
                from tuneup.workflow import outcome

                c = outcome(Run(resume), None)
            else:
                with quietly():  # the sweep's bar speaks for its trials
                    c = train_candidate(self.cfg, overrides, name=name, on_epoch=on_epoch, resume=resume)
        except CAUGHT as e:
            trial.set_user_attr(studies.ERROR_ATTR, str(e))
            trial.set_user_attr(studies.RUN_ATTR, None)  # the run folder was removed with the bad input
            raise
        except KeyboardInterrupt:
            studies.queue_retry(trial.study, trial)  # Optuna fails it; the next sweep resumes its folder
            raise
        record(trial.number, trial, c, values, self.setup, studies.retried_from(trial))
        if c.stopped_at is not None:
            raise optuna.TrialPruned(f"dev error {c.dev_error} after epoch {c.stopped_at}")
        return c.dev_error


def record(number: int, trial, c: Candidate, values: dict, setup: Setup, retry_of: int | None,
           together: list[int] | None = None) -> None:
    """The trial's outcome in the study (user attrs) and in its run folder (trial.json); `together`: the
    trials it was trained with as one vectorised ensemble."""
    trial.set_user_attr("dev_error", c.dev_error)
    trial.set_user_attr("epochs", c.epochs)
    if c.stopped_at is not None:
        trial.set_user_attr("stopped_at", c.stopped_at)
    write_json(c.run.path / rd.TRIAL, {
        "study": setup.study, "storage": setup.storage_shown, "trial": number,
        "state": "pruned" if c.stopped_at is not None else "complete", "params": values,
        "dev_error": c.dev_error, "epochs": c.epochs, "pruned_after_epoch": c.stopped_at, "retries_trial": retry_of,
        "trained_with": together,
    })


def finish(setup: Setup, st, sp: Space, cfg: Config, backend: str, notes: list[str]) -> SweepResult:
    from tuneup.errors.metrics import get_metric

    result = summarize(st, sp, setup.trials, backend, setup.storage_shown, cfg.runs_path(),
                       get_metric(cfg.metric, cfg.task), notes)
    path = cfg.runs_path() / rd.sweep_file(setup.study)
    result.path = str(path)
    write_json(path, result.to_dict())
    return result


# ---- the sampler and the pruner ------------------------------------------------------------------------
def make_sampler(setup: Setup, st, worker: int = 0):
    """TPE, seeded from (seed, trials already in the study, worker): a continued sweep or a second worker
    does not replay the first one's random start."""
    import optuna

    existing = len(st.get_trials(deepcopy=False))
    seed = zlib.crc32(f"{setup.seed}/{existing}/{worker}".encode())
    startup = max(3, min(10, setup.trials // 3))
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, constant_liar=True)


def make_pruner(name: str, cfg: Config, trials: int):
    """median: stop a trial whose dev error is worse than the median of earlier trials at the same epoch
    (after a few trials and the first fifth of the epochs); hyperband: successive halving over epochs."""
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=min(5, max(2, trials // 4)),
                                           n_warmup_steps=max(1, cfg.train.epochs // 5))
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=cfg.train.epochs, reduction_factor=3)
    return optuna.pruners.NopPruner()


# ---- helpers -------------------------------------------------------------------------------------------
@contextmanager
def optuna_quiet():
    """Optuna's own log lines off (study created, trial finished/failed): the progress bar and the
    result say what each trial did."""
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        with warnings.catch_warnings():
            # trials asked outside `optimize` (batches, Ray) get their heartbeat from study.heartbeat()
            warnings.filterwarnings("ignore", message="Heartbeat of storage", category=UserWarning)
            yield
    finally:
        optuna.logging.set_verbosity(level)


@contextmanager
def quietly():
    """No info lines (each trial would repeat what the data inferred); warnings still show."""
    before = _progress._quiet
    _progress.set_quiet(True)
    try:
        yield
    finally:
        _progress.set_quiet(before)


def encode(sp: Space, values: dict[str, Any]) -> dict[str, Any]:
    """{key: value} as Optuna stores it (list choices as JSON text), checked against the space."""
    from tuneup.sweep.space import encode_choice

    out = {}
    for key, value in values.items():
        if key not in sp.params:
            raise ConfigError(f"enqueued parameter '{key}' is not in the search space; keys: {listing(sp.params)}")
        p = sp.params[key]
        out[key] = encode_choice(value) if p.encoded else value
    return out


def _check_options(trials: int, pruner: str, workers: int, backend: str, address: str | None, batch: int) -> None:
    if trials < 1:
        raise UserError(f"--trials {trials}: a sweep needs at least one trial")
    if pruner not in PRUNERS:
        raise UserError(f"--pruner {pruner!r} is not a pruner; choose one of: {', '.join(PRUNERS)}")
    if backend not in BACKENDS:
        raise UserError(f"--backend {backend!r} is not a backend; choose one of: {', '.join(BACKENDS)}")
    if workers < 1:
        raise UserError(f"--workers {workers}: give at least 1")
    if backend == "ray" and workers > 1:
        raise UserError("--workers starts processes on this machine; with --backend ray the cluster's CPUs set how "
                        "many trials run at once: leave --workers out")
    if batch < 1:
        raise UserError(f"--batch {batch}: give at least 1")
    if batch > 1 and backend == "ray":
        raise UserError("--batch trains trials of this machine together; on Ray each trial runs on its own: "
                        "leave --batch out")
    if address and backend != "ray":
        raise UserError("--address names a Ray cluster; add --backend ray (or leave --address out)")


def _model_kind(cfg: Config, prepared) -> str:
    from tuneup.models.nets import resolve_kind

    return resolve_kind(cfg.model, prepared.encoder.input_spec())


def show_progress(bar, st, wanted: int) -> None:
    t = studies.tally(st)
    bar.done = t.counted
    best = None
    try:
        best = st.best_value
    except ValueError:  # no completed trial yet
        pass
    bar.update(best="-" if best is None else f"{best:.4g}", pruned=t.pruned, failed=t.failed + t.lost)
