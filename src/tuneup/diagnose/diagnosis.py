"""`tuneup.diagnose(run)`: the error ladder with intervals, the verdict, the remedies.

    diag = tuneup.diagnose("digits-003")
    diag.verdict          # 'data_mismatch'
    diag.intervals["gaps"]["data_mismatch"]   # Interval(value=0.35, low=0.31, high=0.39, ...)
    diag.remedies[0].set  # {'train.augment': [{'name': 'blur', 'sigma': 2.0}, ...]}

Reads only the run folder (and, when data mismatch is a problem, the run's data to measure how it
differs; when avoidable bias is the verdict, a 100-step learning-rate range test on it). Test errors
appear only for runs evaluated with --final.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np

from tuneup import _progress
from tuneup import runs as rd
from tuneup.config import Diagnose
from tuneup.diagnose import evidence
from tuneup.diagnose import ladder as lad
from tuneup.diagnose.bootstrap import bootstrap_errors, metric_inputs, split_seed
from tuneup.diagnose.mismatch import Mismatch
from tuneup.diagnose.recipe import Context, remedies
from tuneup.diagnose.result import Diagnosis
from tuneup.diagnose.training_checks import training_checks
from tuneup.errors.metrics import Metric, get_metric
from tuneup.intervals import Interval, Measured, gap_interval, interval_of
from tuneup.runs import Run
from tuneup.train.lr_range import LRRange

VERDICTS = ("did_not_learn", *lad.GAPS, "ok")
BOOTSTRAP_SAYS_SO = 50_000_000  # examples x resamples: about 2 s of resampling on a laptop core, worth a bar
RUNG_NAMES = {"human": "human-level", "train": "training", "train_dev": "train-dev", "dev": "dev", "test": "test"}


def diagnose(run: Run | str, tolerance: float | None = None, confidence: float | None = None,
             resamples: int | None = None, measure: bool = True) -> Diagnosis:
    """Diagnose a finished run. `tolerance`, `confidence` and `resamples` override the config's
    `diagnose:` section; `measure=False` skips the parts that read the data again (the measured
    data-mismatch differences and the learning-rate range test)."""
    run = Run.open(run)
    summary, cfg = run.summary, run.config
    wanted = {"tolerance": tolerance, "confidence": confidence, "resamples": resamples}
    cfg = cfg.with_overrides({f"diagnose.{k}": v for k, v in wanted.items() if v is not None})
    settings: Diagnose = cfg.diagnose
    metric = get_metric(summary["metric"], summary["task"])
    rungs = measure_rungs(run, metric, settings)
    ladder = {r: None if m is None else m.value for r, m in rungs.items()}
    rungs_iv = {r: None if m is None else interval_of(m, settings.confidence) for r, m in rungs.items()}
    reference = bias_reference(summary, ladder)
    if reference["against"] != "human" and rungs.get("train") is not None:
        reference["upper_bound"] = gap_interval(Measured.exact(0.0), rungs["train"], settings.confidence).to_dict()
    gaps_iv = gap_intervals(rungs, settings.confidence, reference["error"])
    tol = settings.tolerance
    if tol is None:
        tol = lad.default_tolerance(summary["error_in_units"], ladder)
    verdict, problems = lad.verdict(gaps_iv, tol)
    found = evidence.gather(run, summary, ladder)
    if not found.learned:  # the gaps of a model that learned nothing say nothing about its data
        verdict, problems = "did_not_learn", ["did_not_learn"]
    diag = Diagnosis(
        run=run.name, task=summary["task"], metric=summary["metric"], error_of=summary["error_of"],
        error_in_units=summary["error_in_units"], ladder=ladder,
        gaps={g: None if v is None else v.value for g, v in gaps_iv.items()},
        intervals={"ladder": rungs_iv, "gaps": gaps_iv}, verdict=verdict, sentence="", problems=problems,
        tolerance=tol, confidence=settings.confidence, method=_method(summary, settings),
        baselines={n: {s: v.get("error") for s, v in b["splits"].items()}
                   for n, b in summary.get("baselines", {}).items()},
        reference=reference, holdout_ladder=summary["ladder"] if "folds" in summary else None, evidence=found,
        model_kind=summary["training"]["model"],
    )
    diag.checks = training_checks(run.history, summary["training"], cfg.train.epochs,
                                  cfg.train.early_stopping is not None, "avoidable_bias" in problems, diag.fmt)
    if measure:
        diag.mismatch, diag.lr_range = _measurements(run, cfg, problems)
    diag.versus = compare_baselines(run, rungs_iv.get("dev"), settings)
    ctx = Context(cfg, summary, summary["training"]["model"], diag.checks, diag.mismatch, diag.lr_range,
                  _more_data(run), found, diag.versus, tol)
    diag.remedies, diag.advice = remedies(ctx, problems)
    diag.sentence = sentence(diag)
    diag.notes = _notes(diag, summary, cfg.train.early_stopping is not None)
    return diag


def measure_rungs(run: Run, metric: Metric, settings: Diagnose) -> dict[str, Measured | None]:
    """Each rung's value and draws: K-fold models where the run has them, else the bootstrap of the
    run's predictions; human-level as given."""
    summary = run.summary
    human = summary["ladder"].get("human")
    out: dict[str, Measured | None] = {"human": None if human is None else Measured.exact(human)}
    folds = summary.get("folds", {}).get("splits", {})
    ratio = summary.get("folds", {}).get("dev_train_ratio", 0.0)
    booted = [r for r in lad.RUNGS[1:] if r not in folds and summary["ladder"].get(r) is not None]
    rows = sum(summary.get("data", {}).get("split_sizes", {}).get(r, 0) for r in booted)
    long = rows * settings.resamples >= BOOTSTRAP_SAYS_SO  # seconds of resampling: said, with progress
    with _progress.task(f"bootstrap intervals of {run.name}'s ladder", total=len(booted)) if long else nullcontext() as bar:
        for rung in lad.RUNGS[1:]:
            if rung in folds:
                f = folds[rung]
                errors = np.asarray(f["errors"], dtype=float)
                out[rung] = Measured(f["mean_error"], errors, "folds", len(errors), ratio)
            elif summary["ladder"].get(rung) is not None:
                data = metric_inputs(run.predictions(rung), summary["task"], run.encoder.classes)
                draws = bootstrap_errors(metric, data, settings.resamples, split_seed(settings.seed, rung))
                out[rung] = Measured(summary["ladder"][rung], draws, "bootstrap", len(data))
                if bar is not None:
                    bar.advance(note=f"{rung.replace('_', '-')}: {len(data):,} examples x {settings.resamples} resamples")
            else:
                out[rung] = None
    return out


def gap_intervals(rungs: dict[str, Measured | None], confidence: float,
                  floor: float | None = None) -> dict[str, Interval | None]:
    """Each gap's interval. Avoidable bias is measured from `floor` (human-level error, else the best
    baseline's held-out error, else zero: see `bias_reference`)."""
    ladder = {r: None if m is None else m.value for r, m in rungs.items()}
    out: dict[str, Interval | None] = {}
    for gap, (lo, hi) in lad.gap_steps(ladder).items():
        a = rungs.get(lo) if lo != "human" else Measured.exact(floor if floor is not None else 0.0)
        b = rungs.get(hi)
        out[gap] = None if a is None or b is None else gap_interval(a, b, confidence)
    return out


def compare_baselines(run: Run, dev: Interval | None, settings: Diagnose) -> dict[str, str]:
    """How each baseline's dev error compares with the network's, beyond the noise: paired on the same dev
    examples when the run kept the baseline's predictions, else against the network's dev interval."""
    from tuneup.diagnose.bootstrap import paired_difference

    out: dict[str, str] = {}
    summary = run.summary
    for name, b in summary.get("baselines", {}).items():
        err = (b.get("splits", {}).get("dev") or {}).get("error")
        if name == "majority" or name == summary["training"]["model"] or err is None or dev is None:
            continue
        frame = baseline_predictions(run, name, "dev")
        if frame is not None:
            d = paired_difference(run.predictions("dev"), frame, summary["metric"], summary["task"],
                                  run.encoder.classes, settings.resamples, settings.confidence, settings.seed)
            out[name] = "beats" if d.beats else "worse" if d.worse else "ties"
        else:
            out[name] = "beats" if err < dev.low else "worse" if err > dev.high else "ties"
    return out


def baseline_predictions(run: Run, name: str, split: str):
    """A baseline's predictions on `split`, when the run kept them (same columns as the network's)."""
    import pandas as pd

    path = run.path / rd.baseline_file(name, split)
    return pd.read_parquet(path) if path.exists() else None


def _measurements(run: Run, cfg, problems: list[str]) -> tuple[Mismatch | None, LRRange | None]:
    mismatch = lr = None
    if "data_mismatch" in problems:
        from tuneup.diagnose.mismatch import measure_mismatch

        mismatch = measure_mismatch(run)
    from tuneup.models.families import is_family

    network = not is_family(run.summary["training"]["model"])
    if network and problems[:1] in (["avoidable_bias"], ["did_not_learn"]):  # worth a range test to find the rate
        from tuneup.pipeline.preparation import find_lr, prepare

        lr = find_lr(prepare(cfg), cfg)
    return mismatch, lr


def _more_data(run: Run) -> str | None:
    from tuneup.diagnose.curves import answer_for

    return answer_for(run)


def _method(summary: dict, s: Diagnose) -> str:
    conf = f"{s.confidence:.0%}"
    if "folds" in summary:
        f = summary["folds"]
        return (f"{conf} intervals across {f['models']} K-fold models (Student's t, corrected for their shared "
                f"training data); test, when evaluated, by a bootstrap of {s.resamples} resamples of its examples")
    return (f"{conf} bootstrap percentile intervals ({s.resamples} resamples of each split's examples): the noise of "
            "measuring this model on a finite sample, not of training it again (tuneup run --folds K measures that)")


def bias_reference(summary: dict, ladder: dict) -> dict[str, Any]:
    """What avoidable bias (train - Bayes error) is measured against.

    - the best human-level error, the seeds' proxy for Bayes error, when the config gives one;
    - else the best baseline's error on held-out data like the training data (train-dev, else dev): a
      model's error on unseen data is at least the Bayes error, so train - that is a LOWER bound on
      avoidable bias, and a network that cannot fit its training data to where a simple model
      generalises clearly underfits (the baseline's error is taken as given: its noise is not counted);
    - else zero, which makes train error itself an upper bound."""
    human = ladder.get("human")
    ref: dict[str, Any] = {"against": "human", "error": human, "human_level_error": human,
                           "human_levels": summary.get("human_levels")}
    if human is not None:
        return ref
    split = "train_dev" if ladder.get("train_dev") is not None else "dev"
    held_out = [(b["splits"][split]["error"], name) for name, b in summary.get("baselines", {}).items()
                if b["splits"].get(split, {}).get("error") is not None]
    if not held_out:
        return {**ref, "against": "zero", "error": 0.0}
    err, name = min(held_out)
    return {**ref, "against": "baseline", "error": err, "best_baseline": {"name": name, "split": split, "error": err}}


GAP_WORDS = {
    "did_not_learn": "the network did not learn from its training data; the learning rate, the number of epochs or "
                     "the architecture is the problem, not the amount of data or the network's size",
    "avoidable_bias": "the network does not fit its training data as well as it could (underfitting)",
    "variance": "the network does much better on its training data than on unseen data of the same kind (overfitting)",
    "data_mismatch": "the network does worse on the data that matters than on held-out data like its training data",
    "dev_overfit": "the choices tuned to dev do not carry over to test",
}


def sentence(d: Diagnosis) -> str:
    """The verdict in one sentence."""
    conf = f"{d.confidence:.0%}"
    if d.verdict == "ok":
        shown = [g for g, v in d.intervals["gaps"].items() if v is not None]
        return (f"ok: no gap ({', '.join(g.replace('_', ' ') for g in shown)}) is clearly above zero and above the "
                f"tolerance of {_points(d.tolerance, d)}; nothing here says which lever to pull next")
    if d.verdict == "did_not_learn":
        ev = d.evidence
        return (f"did not learn: training error {d.fmt(d.ladder['train'])} is at or near chance level "
                f"({d.fmt(ev.chance)}, always answering the most common class or the mean): {GAP_WORDS[d.verdict]}")
    g = d.intervals["gaps"][d.verdict]
    lo, hi = lad.gap_steps(d.ladder)[d.verdict]
    ref = d.reference
    if lo == "human" and ref["against"] == "baseline":
        b = ref["best_baseline"]
        low_name = f"the {b['name']} baseline's {b['split'].replace('_', '-')} error {d.fmt(b['error'])}"
    elif lo == "human" and ref["against"] == "zero":
        low_name = "zero (no human-level error or baseline to compare with)"
    else:
        low_name = f"{RUNG_NAMES[lo]} error {d.fmt(d.ladder[lo])}"
    return (f"{d.verdict.replace('_', ' ')}: {RUNG_NAMES[hi]} error {d.fmt(d.ladder[hi])} is "
            f"{_points(g.value, d)} above {low_name} ({conf} interval {_points(g.low, d, unit=False)} to "
            f"{_points(g.high, d)}): "
            f"{GAP_WORDS[d.verdict]}")


def _points(value: float, d: Diagnosis, unit: bool = True) -> str:
    if d.error_in_units:
        return f"{value:.4g}"
    return f"{100 * value:.1f}" + (" points" if unit else "")


def _notes(d: Diagnosis, summary: dict, early_stopping: bool) -> list[str]:
    notes = []
    ref = d.reference
    if ref["against"] != "human":
        text = ("no human-level error given (human_level_error in the config): avoidable bias cannot be told apart from "
                "unavoidable (Bayes) error")
        if ref["against"] == "baseline":
            b = ref["best_baseline"]
            text += (f"; it is judged against the {b['name']} baseline's {b['split'].replace('_', '-')} error "
                     f"{d.fmt(b['error'])} (a model's error on unseen data is at least the Bayes error, so this "
                     f"is a lower bound on avoidable bias); against zero, the upper bound, it is "
                     f"{_points(ref['upper_bound']['value'], d)}")
        else:
            text += "; without baselines it is measured against zero, an upper bound"
        notes.append(text)
    elif summary.get("human_levels"):
        best = min(summary["human_levels"], key=lambda h: h["error"])
        levels = ", ".join(f"{h['who']} {d.fmt(h['error'])}" for h in summary["human_levels"])
        notes.append(f"human-level error: the best of {levels} ({best['who']}) stands in for the Bayes error")
    gap = d.gaps.get("avoidable_bias")
    if ref["against"] == "human" and gap is not None and gap < 0:
        notes.append("training error is below human-level error: the network fits the training set better than a "
                     "person would, so human-level is no longer a guide to what is avoidable there")
    if d.error_in_units:
        notes.append(f"errors and gaps are in the target's units ({d.metric}), not shares of examples; the tolerance is "
                     f"{d.tolerance:.4g}")
    dev = d.ladder.get("dev")
    for how in ("beats", "ties"):
        names = [f"{n} ({d.fmt(d.baselines[n]['dev'])})" for n, v in d.versus.items() if v == how]
        if not names:
            continue
        one = len(names) == 1
        who = f"the {' and the '.join(names)} baseline{'' if one else 's'}"
        if how == "beats":
            notes.append(f"on dev {who} beat{'s' if one else ''} the {d.model_kind} ({d.fmt(dev)}) beyond the noise: "
                         "`tuneup improve` tries it as the model (model.kind)")
        else:
            notes.append(f"on dev {who} {'is' if one else 'are'} as good as the {d.model_kind} ({d.fmt(dev)}) within "
                         "the noise: a simpler model may be the one to keep")
    if early_stopping and d.ladder.get("dev") is not None:
        notes.append("dev chose the epoch (early stopping keeps the best dev epoch), so the dev error is slightly "
                     "optimistic; test, evaluated once with --final, is not")
    if d.ladder.get("test") is None:
        notes.append("test was not evaluated: dev overfitting is measured once, at the end (tuneup run --final)")
    weights = summary["training"].get("importance_weights") or {}
    if "method" in weights:
        notes.append(f"trained with importance weights ({weights['method']}; {weights['reference_rows']} training vs "
                     f"{weights['target_rows']} target rows, labels not used, test not used; domain AUC "
                     f"{weights['domain_auc']:.2f})")
    if "target_weight" in weights:
        notes.append(f"the target-source rows in training counted {weights['target_weight']:.3g} times each")
    notes.append(f"intervals: {d.method}")
    return notes
