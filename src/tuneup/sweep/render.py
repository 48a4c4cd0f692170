"""A SweepResult for a person: rich tables in a terminal, HTML in a notebook. Data in, text out."""
from __future__ import annotations

import html
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from tuneup.sweep.result import SweepResult, TrialRow

STATE_STYLE = {"complete": "", "pruned": "dim", "failed": "red", "lost": "yellow", "running": "cyan", "waiting": "cyan"}


def fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return "[" + ", ".join(fmt_value(v) for v in value) + "]"
    return str(value)


def param_keys(result: SweepResult) -> list[str]:
    keys = [k for k, spec in result.space.items() if "fixed" not in spec]
    seen = {k for t in result.trials for k in t.params}
    return [k for k in keys if k in seen] + sorted(seen - set(keys))


def headline(result: SweepResult) -> str:
    c = result.counts
    done = c["complete"] + c["pruned"] + c["failed"]
    parts = [f"{c['complete']} complete", f"{c['pruned']} pruned"]
    if c["failed"]:
        parts.append(f"{c['failed']} failed")
    if c["lost"]:
        parts.append(f"{c['lost']} lost and retried")
    if c["running"]:
        parts.append(f"{c['running']} running elsewhere")
    count = f"{done}/{result.trials_wanted}" if done <= result.trials_wanted else f"{done} (asked for {result.trials_wanted})"
    return (f"study '{result.study}' ({result.backend}, {result.storage}): {count} trials, "
            + ", ".join(parts) + f"; error = {result.error_of} on dev")


def best_lines(result: SweepResult) -> list[str]:
    b = result.best
    if b is None:
        return ["no trial completed yet"]
    lines = [f"best: trial {b.number}, dev error {result.fmt_error(b.dev_error)} after {b.epochs} epochs",
             f"  run: {b.run}"]
    lines += [f"  {k} = {fmt_value(v)}" for k, v in b.params.items()]
    return lines


def short_names(keys: list[str]) -> dict[str, str]:
    """`train.lr` -> `lr` where the last part is unique: terminal columns are narrow."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def history_table(result: SweepResult, width: int = 200) -> Table:
    """One row per trial; a column per parameter when the terminal is wide enough, else one wrapped
    `name=value` cell."""
    keys = param_keys(result)
    names = short_names(keys)
    cells = {t.number: {k: fmt_value(t.params[k]) for k in keys if k in t.params} for t in result.trials}
    needed = 45 + sum(3 + max([len(names[k])] + [len(c.get(k, "")) for c in cells.values()]) for k in keys)
    columns = needed <= width
    table = Table(title="trials (* best)", title_justify="left")
    for col in ("trial", "state", "dev error", "epochs"):
        table.add_column(col, justify="right" if col != "state" else "left", no_wrap=True)
    if columns:
        for k in keys:
            table.add_column(names[k], justify="right")
    else:
        table.add_column("parameters")
    table.add_column("note")
    best = result.best.number if result.best else None
    for t in result.trials:
        mark = "*" if t.number == best else ""
        note = "" if t.state == "pruned" else t.note  # the state and the epochs say it already
        params = ([cells[t.number].get(k, "") for k in keys] if columns
                  else [" ".join(f"{names[k]}={v}" for k, v in cells[t.number].items())])
        table.add_row(f"{t.number}{mark}", t.state, result.fmt_error(t.dev_error), _epochs(t), *params, note,
                      style=STATE_STYLE.get(t.state, ""))
    return table


def importance_table(result: SweepResult) -> Table | Text:
    if not result.importance:
        return Text(result.importance_note or "no hyperparameter importance", style="dim")
    table = Table(title="hyperparameter importance (PED-ANOVA over completed trials)", title_justify="left")
    table.add_column("parameter")
    table.add_column("importance", justify="right")
    table.add_column("")
    for k, v in sorted(result.importance.items(), key=lambda kv: -kv[1]):
        table.add_row(k, f"{v:.2f}", "#" * round(20 * v))
    return table


class SweepView:
    """The terminal rendering; lays the history out for the width it is given."""

    def __init__(self, result: SweepResult):
        self.result = result

    def __rich_console__(self, console, options):
        yield sweep_tables(self.result, options.max_width)


def sweep_tables(result: SweepResult, width: int = 200) -> Group:
    parts: list[Any] = [Text(headline(result))]
    parts += [Text(line) for line in best_lines(result)]
    parts += [history_table(result, width), importance_table(result)]
    parts += [Text(n, style="yellow") for n in result.notes]
    if result.path:
        parts.append(Text(f"saved: {result.path}"))
    return Group(*parts)


def _epochs(t: TrialRow) -> str:
    return "-" if t.epochs is None else str(t.epochs)


def sweep_html(result: SweepResult) -> str:
    e = html.escape
    keys = param_keys(result)
    head = "".join(f"<th>{e(h)}</th>" for h in ["trial", "state", "dev error", "epochs", *keys, "note"])
    body = []
    for t in result.trials:
        cells = [str(t.number), t.state, result.fmt_error(t.dev_error), _epochs(t),
                 *(fmt_value(t.params[k]) if k in t.params else "" for k in keys), t.note]
        bold = result.best is not None and t.number == result.best.number
        row = "".join(f"<td>{'<b>' if bold else ''}{e(c)}{'</b>' if bold else ''}</td>" for c in cells)
        body.append(f"<tr>{row}</tr>")
    imp = "".join(f"<tr><td>{e(k)}</td><td>{v:.2f}</td></tr>"
                  for k, v in sorted(result.importance.items(), key=lambda kv: -kv[1]))
    imp_html = (f"<table><thead><tr><th>parameter</th><th>importance</th></tr></thead><tbody>{imp}</tbody></table>"
                if imp else f"<p><i>{e(result.importance_note or '')}</i></p>")
    best = "<br>".join(e(line) for line in best_lines(result))
    return (f"<div><p><b>{e(headline(result))}</b></p><p>{best}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{imp_html}</div>")
