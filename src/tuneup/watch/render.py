"""How a MonitorReport looks: rich tables in a terminal, HTML in a notebook (and the HTML report).
Computed data in, text out: nothing here decides anything."""
from __future__ import annotations

import html
from typing import Any

import pandas as pd
from rich.console import Group
from rich.table import Table
from rich.text import Text

from tuneup.watch.result import MonitorReport, when

TOP_FEATURES = 12


def _num(v: Any, digits: int = 3) -> str:
    if v is None or pd.isna(v):
        return "-"
    return f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}"


def _p(v: Any) -> str:
    return "-" if v is None or pd.isna(v) else (f"{v:.1e}" if v < 1e-3 else f"{v:.3f}")


def _ci(e) -> str:
    if e is None or e.value is None:
        return "-"
    band = f" [{_num(e.low)}, {_num(e.high)}]" if e.low is not None else ""
    return f"{_num(e.value)}{band}"


def _yes(flag: bool) -> str:
    return "YES" if flag else "no"


# ---- the pieces, as rows of plain text (shared by the terminal and HTML) ---------------------------
def headline(r: MonitorReport) -> str:
    log = r.log
    span = f"{when(log['first'])} to {when(log['last'])}" if log["first"] is not None else "-"
    return (f"{r.run}: {log['predictions']:,} predictions in {log['path']} ({log['files']} file(s)), {span}, "
            f"{log['labelled']:,} with ground truth; windows of {r.windows['length']}")


def feature_rows(r: MonitorReport) -> list[list[str]]:
    return [[s.column, s.kind, f"{_num(s.effect)} ({s.effect_name})", _p(s.p_value), _num(s.psi),
             s.reference_summary, s.current_summary, _yes(s.flagged)]
            for s in r.data_drift.features[:TOP_FEATURES]]


FEATURE_HEAD = ["feature", "kind", "effect", "p-value", "PSI", "reference", "traffic", "drifted"]


def window_rows(r: MonitorReport) -> list[list[str]]:
    d, p, perf = r.data_drift, r.prediction_drift, r.performance
    rows = []
    for i, w in enumerate(d.windows):
        inputs = (", ".join(w.drifted) or "none") if w.compared else "too few rows"
        preds = "-" if p is None else ((", ".join(p.windows[i].drifted) or "none") if p.windows[i].compared else "-")
        wp = perf.windows[i] if perf is not None else None
        metric = "-" if wp is None or wp.estimate is None else f"{_ci(wp.estimate)} (n={wp.n_labelled})"
        judged = wp is not None and wp.estimate is not None
        rows.append([when(w.start), f"{w.n:,}", inputs, preds, metric, _yes(wp.worse) if judged else "-"])
    return rows


def window_head(r: MonitorReport) -> list[str]:
    return ["window from", "rows", "drifted inputs", "drifted predictions", r.metric, "worse than dev"]


def performance_lines(r: MonitorReport) -> list[str]:
    p = r.performance
    if p is None:
        return ["no predictions of this run in the log"]
    lines = [f"dev {p.metric} {_ci(p.dev)} (n={p.dev.n:,})  |  live {_ci(p.live)} (n={p.live.n:,})"]
    if p.change is not None:
        lines.append(f"change {p.change.diff:+.4f} [{p.change.low:+.4f}, {p.change.high:+.4f}] ({p.change.method}); "
                     f"error rise {p.error_increase:+.4f} against a tolerance of {p.tolerance:.4g}")
    return lines + p.notes + ([f"{p.unscored} labelled predictions had labels the run does not know"]
                              if p.unscored else [])


def ab_rows(r: MonitorReport) -> list[list[str]]:
    ab = r.ab_test
    return [[a.variant, ", ".join(a.models), f"{a.requests:,}", f"{a.labelled:,}", _ci(a.estimate)]
            for a in (ab.primary, ab.candidate)]


AB_HEAD = ["variant", "model", "requests", "labelled", "metric [interval]"]


def answers(r: MonitorReport) -> list[tuple[str, str]]:
    """The three questions, answered in one line each."""
    alarms = r.alarms
    drift = "; ".join(r.drift_reasons()) or "no drift found"
    perf = "; ".join(r.performance_reasons()) or (
        "no labels yet" if r.performance is None or r.performance.live.n == 0 else "no worse than dev")
    out = [("Has the input changed?", f"{_yes(alarms['drift'])}: {drift}"),
           ("Has the model got worse?", f"{_yes(alarms['performance'])}: {perf}")]
    if r.ab_test is not None:
        out.append(("Is the candidate better?", r.ab_test.sentence))
    return out


def extras(r: MonitorReport) -> list[str]:
    lines = []
    c = r.data_drift.classifier
    if c is not None:
        top = ", ".join(f"{f['feature']} {f['importance']:.3f}" for f in c.to_dict()["top_features"][:5]) or "none"
        lines.append(f"classifier: training data vs the latest {c.n_current:,} requests, AUC {c.auc:.3f} "
                     f"+- {c.auc_std:.3f}; features that give traffic away: {top}")
    if r.data_drift.embedding is not None:
        lines.append(f"model features: training vs recent images, AUC {r.data_drift.embedding.auc:.3f}")
    if r.data_drift.images:
        lines.append("image statistics " + r.data_drift.images["source"])
    if r.data_drift.unlogged:
        lines.append(f"features the model takes but the log lacks: {', '.join(r.data_drift.unlogged)}")
    if r.imported:
        lines.append(f"imported {r.imported['added']} labels from {r.imported['csv']} into {r.imported['file']}")
    if r.audit is not None:
        lines.append(f"audit sample: {r.audit.rows} predictions in {r.audit.path} (fill in `label`, then "
                     f"--import-feedback {r.audit.path})")
    if r.new_data is not None:
        n = r.new_data
        lines.append(f"new data: {n.rows} labelled examples in {n.path}; use it as data.target: {n.source}")
    return lines + r.notes


# ---- terminal --------------------------------------------------------------------------------------
def _table(head: list[str], rows: list[list[str]], title: str | None = None) -> Table:
    t = Table(title=title, title_justify="left")
    for h in head:
        t.add_column(h)
    for row in rows:
        t.add_row(*row)
    return t


def report_renderable(r: MonitorReport) -> Group:
    parts: list[Any] = [Text(headline(r), style="bold")]
    for question, answer in answers(r):
        style = "red" if answer.startswith("YES") or "worse" in answer.split(":")[0] else ""
        parts.append(Text.assemble((question + " ", "bold"), (answer, style)))
    parts.append(_table(FEATURE_HEAD, feature_rows(r), f"inputs against the {r.data_drift.reference}"))
    parts.append(_table(window_head(r), window_rows(r), "by window"))
    parts.extend(Text(line) for line in performance_lines(r))
    if r.ab_test is not None:
        parts.append(_table(AB_HEAD, ab_rows(r), f"A/B test on {r.metric}"))
    parts.extend(Text(line, style="dim") for line in extras(r))
    return Group(*parts)


# ---- HTML ------------------------------------------------------------------------------------------
def _html_table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def report_html(r: MonitorReport) -> str:
    qa = "".join(f"<li><b>{html.escape(q)}</b> {html.escape(a)}</li>" for q, a in answers(r))
    parts = [f"<div class='tuneup-monitor'><p><b>{html.escape(headline(r))}</b></p><ul>{qa}</ul>",
             f"<p>inputs against the {html.escape(r.data_drift.reference)}</p>",
             _html_table(FEATURE_HEAD, feature_rows(r)), "<p>by window</p>",
             _html_table(window_head(r), window_rows(r)),
             "".join(f"<p>{html.escape(line)}</p>" for line in performance_lines(r))]
    if r.ab_test is not None:
        parts.append(_html_table(AB_HEAD, ab_rows(r)))
    parts.append("".join(f"<p><small>{html.escape(line)}</small></p>" for line in extras(r)))
    return "".join(parts) + "</div>"
