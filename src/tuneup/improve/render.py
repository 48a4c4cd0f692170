"""How an improve session looks: the step table (gap before -> remedy tried -> dev error -> kept or not,
and why), where it stopped, the final ladder; rich for a terminal, HTML for a notebook."""
from __future__ import annotations

import html
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from tuneup.diagnose.render import GAP_LABELS, diagnosis_html, diagnosis_table, fmt_error, interval_text, set_flags

COLUMNS = ("step", "gap before", "remedy tried", "dev error", "kept?")
WRAP = {"gap before": 24, "remedy tried": 60, "kept?": 44}  # characters, at most


def short_name(r, run: str) -> str:
    return run.removeprefix(f"{r.session}-")


def decision(r, t) -> str:
    """The kept-or-not cell: the decision and the paired difference from the incumbent, in brief
    (the full sentence is `Tried.why`)."""
    d = t.difference
    if d is None:
        return f"failed: {t.why.removeprefix('could not be trained: ')}"
    iv = d.difference
    shared = f", on {d.n_common} shared" if d.n_common < max(d.n_incumbent, d.n_candidate) else ""
    better = (f"{r.fmt(-iv.value, unit=False)} better [{r.fmt(-iv.high, False)}, {r.fmt(-iv.low, False)}] "
              f"({_level(iv)}){shared}")
    if t.outcome == "kept" and not d.beats:
        change = f"{r.fmt(iv.value, False, True)} [{r.fmt(iv.low, False, True)}, {r.fmt(iv.high, False, True)}]{shared}"
        return f"kept: as good within the noise ({change}) and simpler"
    if t.outcome == "kept":
        return f"kept: {better}"
    if t.outcome == "beats":
        return f"no: {better}; another beat it by more"
    change = f"{r.fmt(iv.value, False, True)} [{r.fmt(iv.low, False, True)}, {r.fmt(iv.high, False, True)}]{shared}"
    return f"no: {t.outcome}, {change}"


def _level(iv) -> str:
    """An interval's confidence: a step's comparisons are widened by Bonferroni, so it is not always 95%."""
    return f"{iv.confidence:.1%}".replace(".0%", "%")


def step_rows(r) -> list[dict[str, Any]]:
    """One row per candidate; the step and its gap (with its interval) on the step's first row."""
    units = {"error_in_units": r.error_in_units}
    rows = []
    for step in r.steps:
        gap = step.gap_interval
        gap_text = GAP_LABELS.get(step.gap, step.gap)
        if gap is not None:
            gap_text += f" {r.fmt(gap.value, unit=False)} ({interval_text(gap, units, signed=True)})"
        for i, t in enumerate(step.tried):
            tags = (" [re-split]" if t.resplit else "") + (f" [ensemble of {t.ensemble}]" if t.ensemble > 1 else "")
            rows.append({
                "step": str(step.index) if i == 0 else "", "gap": gap_text if i == 0 else "",
                "remedy": f"{t.action}, {t.strength}{tags}", "run": short_name(r, t.run), "set": set_flags(t.set),
                "dev": fmt_error(t.dev.value, units) if t.dev else "-",
                "dev_interval": interval_text(t.dev, units) if t.dev else "",
                "kept": decision(r, t), "why": t.why, "bold": t.outcome == "kept",
            })
    return rows


def summary_lines(r) -> list[str]:
    units = {"error_in_units": r.error_in_units}
    dev = lambda iv: f"{fmt_error(iv.value, units)} ({interval_text(iv, units)})"  # noqa: E731
    lines = [f"start: {r.start}{' (reused)' if r.start_reused else ''}, dev error {dev(r.start_dev)}"]
    if r.best != r.start:
        lines.append(f"best: {r.best}, dev error {dev(r.best_dev)}; changes: {set_flags(r.changes)}")
        d = r.improvement
        if d is not None and d.beats:
            rel = r.relative_improvement
            lines.append(f"improvement on {d.n_common} shared dev examples: {r.fmt(-d.difference.value)} "
                         f"[{r.fmt(-d.difference.high, False)}, {r.fmt(-d.difference.low, False)}] "
                         f"({_level(d.difference)})" + (f", {rel:.0%} lower" if rel is not None else ""))
        elif d is not None:
            lines.append(f"no improvement beyond the noise on {d.n_common} shared dev examples "
                         f"({r.fmt(d.difference.value, signed=True)} [{r.fmt(d.difference.low, False, True)}, "
                         f"{r.fmt(d.difference.high, False, True)}]): a simpler model as good was kept")
    else:
        lines.append("best: the starting configuration (no candidate beat it beyond the noise)")
    lines.append(f"stopped: {r.stopped}")
    lines.append(f"spent: {len(r.tried)} candidate trainings in {r.seconds:.0f}s (budget: {r.budget.get('text')})")
    if r.final is not None:
        f = r.final
        lines.append(f"final: {f.run} trained on train+dev for {f.epochs} epochs (the best epoch of {f.chosen}; "
                     f"early stopping off, no dev); test error {dev(f.test)}, evaluated once "
                     f"(this test set has been looked at {f.test_uses} time{'s' if f.test_uses != 1 else ''}: "
                     f"{f.ledger})")
    return lines


def steps_table(r) -> Table:
    table = Table(title=f"{r.session}: error = {r.error_of}; candidates differ from the incumbent by paired "
                        f"bootstrap on dev", title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0),
                  pad_edge=False)
    for col in COLUMNS:  # the long texts wrap in their columns: a log or a file has no width to cut them at
        table.add_column(col, justify="right" if col == "dev error" else "left", max_width=WRAP.get(col))
    for row in step_rows(r):
        table.add_row(row["step"], row["gap"], Text(row["remedy"]) + Text(f"\n{row['run']}", style="dim"),
                      Text(row["dev"]) + Text(f"\n{row['dev_interval']}", style="dim"), Text(row["kept"]),
                      style="bold" if row["bold"] else None)
    return table


def changes_lines(r) -> list[str]:
    """Each candidate's run folder and its change, as `tuneup run` flags."""
    return [f"{row['run']}: {row['set']}" for row in step_rows(r)]


def improve_view(r):
    from rich.console import Group

    parts: list[Any] = [steps_table(r)] if r.steps else [Text("no candidate was trained")]
    if r.steps:
        parts.append(Text(f"runs (in {r.path.parent.parent}/{r.session}-*) and their changes:", style="dim"))
        parts += [Text(f"  {line}", style="dim") for line in changes_lines(r)]
    parts += [Text(line) for line in summary_lines(r)]
    if r.diagnosis is not None:
        parts += [diagnosis_table(r.diagnosis), Text(f"verdict: {r.diagnosis.sentence}", style="bold")]
    parts += [Text(f"note: {n}", style="dim") for n in r.notes]
    parts.append(Text(f"saved: {r.path}", style="dim"))
    return Group(*parts)


def improve_html(r) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in COLUMNS)
    body = []
    for row in step_rows(r):
        cells = [row["step"], row["gap"], f"{row['remedy']} ({row['run']}: {row['set']})",
                 f"{row['dev']} ({row['dev_interval']})", f"{row['kept']} ({row['why']})"]
        style = ' style="font-weight:bold"' if row["bold"] else ""
        body.append(f"<tr{style}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in summary_lines(r))
    diag = diagnosis_html(r.diagnosis) if r.diagnosis is not None else ""
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in r.notes)
    return (f"<div><b>{html.escape(r.session)}</b> &middot; error = {html.escape(r.error_of)}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table><ul>{lines}</ul>{diag}"
            f"<ul style=\"color:gray\">{notes}</ul></div>")
