"""How a run, its diagnosis and a learning curve look to a person: tables and sentences in a terminal, HTML in
a notebook (`report.notebook`). Computed data in, text out. The ladder's and gaps' labels and `fmt_error`
(an error in its metric's units) are shared with the other steps' renderers and the report."""
from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

from tuneup.diagnose.ladder import gap_steps, gaps
from tuneup.exceptions import counted

RUNG_LABELS = {"human": "human-level", "train": "train", "train_dev": "train-dev", "dev": "dev", "test": "test"}
GAP_LABELS = {"did_not_learn": "did not learn", "ok": "worth a try", "avoidable_bias": "avoidable bias", "variance": "variance", "data_mismatch": "data mismatch",
              "dev_overfit": "dev overfitting"}


def fmt_error(value: float | None, summary: dict[str, Any]) -> str:
    if value is None:
        return "-"
    if summary.get("error_in_units"):
        return f"{value:.4g}"
    return f"{100 * value:.1f}%"


def ladder_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per rung present: the error, the gap that ends at it, and the baselines' errors."""
    ladder = summary["ladder"]
    ends = {hi: gap for gap, (lo, hi) in gap_steps(ladder).items() if ladder.get(lo) is not None}
    baselines = {n: {s: v.get("error") for s, v in b["splits"].items()}
                 for n, b in summary.get("baselines", {}).items()}
    return rung_rows(ladder, gaps(ladder), ends, baselines)


def rung_rows(ladder: dict[str, float | None], gap_values: dict[str, float | None], ends: dict[str, str],
              baselines: dict[str, dict[str, float | None]]) -> list[dict[str, Any]]:
    """Rows of a ladder table: `ends` maps a rung to the gap that ends at it."""
    rows = []
    for rung in ("human", "train", "train_dev", "dev", "test"):
        if ladder.get(rung) is None:
            continue
        gap = ends.get(rung)
        rows.append({"rung": rung, "error": ladder[rung], "gap": gap, "gap_value": gap_values.get(gap) if gap else None,
                     "baselines": {n: b.get(rung) for n, b in baselines.items()}})
    return rows


def ladder_table(summary: dict[str, Any], title: str | None = None) -> Table:
    names = list(summary.get("baselines", {}))
    table = Table(title=title or f"{summary['run']}: error = {summary['error_of']}", title_justify="left")
    table.add_column("rung")
    table.add_column("network", justify="right")
    table.add_column("gap from the rung above", justify="left")
    for n in names:
        table.add_column(n, justify="right", style="dim")
    for row in ladder_rows(summary):
        gap = f"{GAP_LABELS[row['gap']]} {signed_error(row['gap_value'], summary)}" if row["gap"] else ""
        table.add_row(RUNG_LABELS[row["rung"]], fmt_error(row["error"], summary), gap,
                      *(fmt_error(row["baselines"].get(n), summary) for n in names))
    return table


def signed_error(value: float | None, summary: dict[str, Any]) -> str:
    if value is None:
        return "-"
    text = fmt_error(abs(value), summary)
    return ("+" if value >= 0 else "-") + text


def run_html(run) -> str:
    """Notebook HTML for a run: the report's own sections (tuneup.report.notebook)."""
    from tuneup.report.notebook import run_fragment

    return run_fragment(run)


# ---- the diagnosis -------------------------------------------------------------------------------------
def diagnosis_rows(d) -> list[dict[str, Any]]:
    """The ladder rows of a Diagnosis: every gap it measured ends at its upper rung (avoidable bias at
    train also when it is measured against a baseline or zero), with each value's interval."""
    ends = {hi: gap for gap, (lo, hi) in gap_steps(d.ladder).items() if d.gaps.get(gap) is not None}
    rows = rung_rows(d.ladder, d.gaps, ends, d.baselines)
    for row in rows:
        row["interval"] = d.intervals["ladder"].get(row["rung"])
        row["gap_interval"] = d.intervals["gaps"].get(row["gap"]) if row["gap"] else None
        row["problem"] = row["gap"] in d.problems
        row["verdict"] = row["gap"] == d.verdict
    return rows


def interval_text(iv, units: dict, signed: bool = False) -> str:
    """`32.4-42.9%` (gaps: `29.8 to 40.7`, `-1.0 to -0.7`; `1.23-4.56` in the target's units); empty when exact."""
    if iv is None or iv.method == "exact" or iv.low != iv.low:  # NaN: too few draws
        return ""
    if signed:
        num = lambda v: fmt_error(v, units).removesuffix("%")  # noqa: E731
        return f"{num(iv.low)} to {num(iv.high)}"
    lo, hi = fmt_error(iv.low, units), fmt_error(iv.high, units)
    return f"{lo.removesuffix('%')}-{hi}"


def diagnosis_cells(row: dict, units: dict, against: str) -> list[str]:
    gap = row["gap"]
    label = "" if not gap else GAP_LABELS[gap] + (f" vs {against}" if against and gap == "avoidable_bias" else "")
    return [RUNG_LABELS[row["rung"]], fmt_error(row["error"], units), interval_text(row["interval"], units),
            label, signed_error(row["gap_value"], units) if gap else "",
            interval_text(row["gap_interval"], units, signed=True),
            "verdict" if row["verdict"] else "problem" if row["problem"] else ""]


DIAGNOSIS_COLUMNS = ("rung", "error", "interval", "gap from above", "", "interval", "")


def baseline_rows(baselines: dict[str, dict[str, float | None]], ladder: dict,
                  units: dict) -> tuple[list[str], list[list[str]]]:
    """(rungs, one row per baseline): the baselines' errors on the rungs the network has."""
    rungs = [r for r in ("train", "train_dev", "dev", "test") if ladder.get(r) is not None]
    return rungs, [[name, *(fmt_error(errs.get(r), units) for r in rungs)] for name, errs in baselines.items()]


def set_flags(change: dict[str, Any]) -> str:
    """A remedy's config change as `tuneup run` flags."""
    import shlex

    import yaml

    def value(v: Any) -> str:
        text = yaml.safe_dump(v, default_flow_style=True, sort_keys=False, width=10_000)
        return text.strip().removesuffix("...").strip()

    return " ".join(f"--set {shlex.quote(f'{k}={value(v)}')}" for k, v in change.items())


def bias_reference(d) -> str:
    """What avoidable bias is measured from, when it is not human-level error: '0' or a baseline's name."""
    ref = d.reference
    return {"zero": "0", "baseline": ref.get("best_baseline", {}).get("name", "")}.get(ref.get("against"), "")


def diagnosis_table(d) -> Table:
    units = {"error_in_units": d.error_in_units}
    table = Table(title=f"{d.run}: error = {d.error_of}, {d.confidence:.0%} intervals", title_justify="left",
                  box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False)
    for i, col in enumerate(DIAGNOSIS_COLUMNS):
        table.add_column(col, justify="right" if i in (1, 4) else "left", style="dim" if col == "interval" else None,
                         no_wrap=True)
    against = bias_reference(d)
    for row in diagnosis_rows(d):
        table.add_row(*diagnosis_cells(row, units, against), style="bold" if row["verdict"] else None)
    return table


def baselines_table(d) -> Table | None:
    if not d.baselines:
        return None
    rungs, rows = baseline_rows(d.baselines, d.ladder, {"error_in_units": d.error_in_units})
    table = Table(title="baselines on the same splits", title_justify="left", box=box.SIMPLE_HEAD,
                  padding=(0, 1, 0, 0), pad_edge=False)
    table.add_column("baseline")
    for r in rungs:
        table.add_column(RUNG_LABELS[r], justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def diagnosis_view(d, remedies: int | None = None, config: str = "CONFIG"):
    """The terminal view: the table, the verdict in one sentence, the training checks, the remedies
    (all, or the first `remedies`) as commands on `config`, the advice and the notes."""
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = [diagnosis_table(d)]
    if d.baselines:
        parts.append(baselines_table(d))
    parts.append(Text(verdict_line(d), style="bold"))
    for c in d.checks:
        parts.append(Text(f"training: {c.message}"))
    shown = d.remedies if remedies is None else d.remedies[:remedies]
    if shown:
        parts.append(Text("remedies, most promising first:"))
        for i, r in enumerate(shown, 1):
            parts.append(Text(f"  {i}. [{GAP_LABELS[r.gap]}] {r.action}: {r.why}"))
            parts.append(Text(f"     {remedy_command(r, config)}", style="dim"))
        if len(shown) < len(d.remedies):
            parts.append(Text(f"  ... {len(d.remedies) - len(shown)} more: tuneup diagnose {d.run}", style="dim"))
    for a in d.advice:
        parts.append(Text(f"  - {on_config(a, config)}"))
    for n in d.notes:
        parts.append(Text(f"note: {n}", style="dim"))
    return Group(*parts)


def remedy_command(r, config: str = "CONFIG") -> str:
    """A remedy as the command that applies it to `config` (the terminal and the report say the same)."""
    return f"tuneup run {config} {set_flags(r.set)}"


def on_config(advice: str, config: str) -> str:
    """Advice that names `CONFIG`, naming the config file instead."""
    return advice.replace(" CONFIG", " " + config)


def verdict_line(d) -> str:
    """`verdict: variance — train-dev error 2.3% is ...`: the sentence opens with the verdict's words and a
    colon, which after "verdict:" read as a stutter ("verdict: ok: no gap")."""
    head, colon, rest = d.sentence.partition(": ")
    return f"verdict: {head} — {rest}" if colon else f"verdict: {d.sentence}"


def diagnosis_html(d) -> str:
    """Notebook HTML for a diagnosis: the report's ladder, remedies and baselines (tuneup.report.notebook)."""
    from tuneup.report.notebook import diagnosis_fragment

    return diagnosis_fragment(d)


# ---- learning curves -------------------------------------------------------------------------------------
def _mean_std(mean: float | None, std: float | None, units: dict) -> str:
    if mean is None:
        return "-"
    return fmt_error(mean, units) + (f" +- {fmt_error(std, units)}" if std is not None else "")


def curve_rows(c) -> list[list[str]]:
    units = {"error_in_units": c.error_in_units}
    splits = c.splits
    means, stds = {s: c.mean(s) for s in splits}, {s: c.std(s) for s in splits}
    return [[f"{n:,}", *(_mean_std(means[s][i], stds[s][i], units) for s in splits)] for i, n in enumerate(c.sizes)]


def curve_fit_lines(c) -> list[str]:
    f = c.fmt
    lines = []
    for split, fit in c.fits.items():
        (b_lo, b_hi), (c_lo, c_hi) = fit.intervals["b"], fit.intervals["c"]
        lines.append(f"{RUNG_LABELS[split]}: err(n) = {fit.a:.3g} n^-{fit.b:.2f} + {f(fit.c)}  "
                     f"(b {b_lo:.2f} to {b_hi:.2f}; floor c {f(c_lo)} to {f(c_hi)})")
    return lines


def curve_view(c):
    from rich.console import Group
    from rich.text import Text

    splits = c.splits
    table = Table(title=f"{c.name}: learning curve, error = {c.error_of} (mean +- std over {counted(c.repeats, 'seed')})",
                  title_justify="left")
    table.add_column("training examples", justify="right")
    for s in splits:
        table.add_column(RUNG_LABELS[s], justify="right")
    for row in curve_rows(c):
        table.add_row(*row)
    parts: list[Any] = [table, *(Text(line) for line in curve_fit_lines(c)), Text(c.answer, style="bold")]
    if c.path:
        parts.append(Text(f"saved: {c.path}", style="dim"))
    return Group(*parts)


def curve_html(c) -> str:
    """Notebook HTML for a learning curve: the report's chart with the fitted extrapolation."""
    from tuneup.report.notebook import curve_fragment

    return curve_fragment(c)
