"""A check report for people: a terminal summary (errors first) and HTML for notebooks and the report page.
Reads only `CheckReport` data; computes nothing new."""
from __future__ import annotations

import html
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from tuneup.checks.result import CheckReport

STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
TIMED = ("load_and_split",)


def headline(report: CheckReport) -> str:
    o = report.overview
    splits = ", ".join(f"{s} {n:,}" for s, n in o["splits"].items())
    what = f"{o['features']} features" if o["kind"] == "table" else f"images {'x'.join(map(str, o['image_shape']))}"
    return (f"{o['name']}: {o['task']}, {o['rows']:,} examples ({splits}), {what}; target '{o['target']}', "
            f"metric {o['metric']}")


def summary(report: CheckReport) -> Group:
    parts: list[Any] = [Text(headline(report), style="bold")]
    parts += [Text(f"  inferred {n}", style="dim") for n in report.overview.get("inferred", [])]
    parts.append(findings_table(report))
    parts += [Text(line, style="dim") for line in glance(report)]
    for table in (columns_table(report), classes_table(report), shift_table(report), suspects_table(report)):
        if table is not None:
            parts.append(table)
    parts.append(Text(footer(report)))
    return Group(*parts)


def findings_table(report: CheckReport) -> Table | Text:
    if not report.findings:
        return Text("no findings: nothing stands out", style="green")
    t = Table(title="findings", title_justify="left", show_lines=False)
    t.add_column("", no_wrap=True)
    t.add_column("check", no_wrap=True)
    t.add_column("finding")
    for f in report.findings:
        body = Text(f.title)
        if f.advice:
            body.append(f"\n{f.advice}", style="dim")
        if f.set:
            body.append("\nset: " + ", ".join(f"{k}={v}" for k, v in f.set.items()), style="cyan")
        t.add_row(Text(f.severity.upper() if f.severity == "error" else f.severity, style=STYLE[f.severity]),
                  f.check, body)
    return t


def glance(report: CheckReport) -> list[str]:
    """One line per check that found nothing worth a finding, so silence reads as 'checked'."""
    sec, lines = report.sections, []
    lk = sec.get("leakage", {})
    if lk.get("features"):
        top = ", ".join(f"{f['column']} {f['score']:.2f}" for f in lk["features"][:3])
        lines.append(f"strongest single features ({lk['scorer']} on dev): {top}")
    dup = sec.get("duplicates", {})
    if "within" in dup:
        across = dup.get("train_vs_holdout", {})
        lines.append(f"duplicates: {dup['within']['exact_copies']:,} exact copies within the data, "
                     f"{across.get('exact', 0) + across.get('near', 0):,} dev/test examples copying training ones")
    conflicts = sec.get("conflicting_labels", {})
    if "groups" in conflicts:
        lines.append(f"conflicting labels: {conflicts['groups']:,} groups of identical examples with different labels")
    labels = sec.get("label_errors", {})
    if "checked" in labels:
        c = labels["checked"]
        sample = " (a random sample)" if c["sampled"] else ""
        lines.append(f"label check: {c['rows']:,} of {c['of']:,} examples{sample}, {labels['suspected']:,} suspects")
    return lines


def column_text(c: dict[str, Any]) -> str:
    if c.get("distinct", 0) == 0:
        return "-"
    if c["type"] == "categorical":
        total = c["rows"] - c["missing"]
        return ", ".join(f"{t['value']} {100 * t['count'] / max(total, 1):.0f}%" for t in c["top"][:3])
    if c["type"] == "boolean":
        return f"true {100 * (c.get('true_share') or 0):.0f}%"
    q = c["quantiles"]
    fmt = (lambda v: str(v)[:10]) if c["type"] == "datetime" else (lambda v: f"{v:.4g}")
    return f"{fmt(c['min'])} .. {fmt(q['p50'])} .. {fmt(c['max'])}"


def columns_table(report: CheckReport) -> Table | None:
    cols = report.sections.get("columns", {}).get("columns")
    if not cols:
        return None
    t = Table(title="columns (min .. median .. max, or top values)", title_justify="left")
    for name, justify in [("column", "left"), ("type", "left"), ("missing", "right"), ("distinct", "right"),
                          ("values", "left")]:
        t.add_column(name, justify=justify)
    for c in cols:
        missing = f"{c['missing']:,} ({100 * c['missing_share']:.1f}%)" if c["missing"] else "-"
        name = c["column"] + (f" [{c['problem']}]" if c.get("problem") else "")
        t.add_row(name, c["type"], missing, f"{c.get('distinct', 0):,}", column_text(c))
    return t


def classes_table(report: CheckReport) -> Table | None:
    cl = report.sections.get("classes", {}).get("classes")
    if not cl:
        return None
    splits = list(cl[0]["splits"])
    t = Table(title=f"classes (largest / smallest = {report.sections['classes']['imbalance_ratio']:.1f})",
              title_justify="left")
    t.add_column("class")
    t.add_column("count", justify="right")
    t.add_column("share", justify="right")
    for s in splits:
        t.add_column(s, justify="right", style="dim")
    for c in cl[:15]:
        t.add_row(c["class"], f"{c['count']:,}", f"{100 * c['share']:.1f}%", *(f"{c['splits'][s]:,}" for s in splits))
    return t


def shift_table(report: CheckReport) -> Table | None:
    rows = []
    for comparison, result in report.sections.get("shift", {}).items():
        if not isinstance(result, dict) or "features" not in result:
            continue
        for f in result["features"] + [result["label"]]:
            if f["flagged"]:
                rows.append((comparison, f))
        clf = result.get("domain_classifier")
        if clf:
            rows.append((comparison, {"column": "(domain classifier)", "effect_name": "AUC", "effect": clf["auc"],
                                      "reference_summary": "", "current_summary": "", "p_value": None, "psi": None}))
    if not rows:
        return None
    t = Table(title="shift (flagged: significant and large)", title_justify="left")
    for name in ("between", "feature", "effect", "PSI", "reference", "current"):
        t.add_column(name)
    for comparison, f in rows:
        psi = "" if f.get("psi") is None else f"{f['psi']:.2f}"
        t.add_row(comparison.replace("_vs_", " vs "), f["column"], f"{f['effect_name']} {f['effect']:.2f}", psi,
                  f["reference_summary"], f["current_summary"])
    return t


def suspects_table(report: CheckReport, shown: int = 10) -> Table | None:
    le = report.sections.get("label_errors", {})
    if not le.get("suspects"):
        return None
    t = Table(title=f"suspected label errors: {le['suspected']:,} ({le['method']}; model {le['model']}, "
                    f"balanced accuracy {le['quality']['balanced_accuracy']:.2f})", title_justify="left")
    for name in ("id", "split", "given", "suggested", "confidence"):
        t.add_column(name)
    for s in le["suspects"][:shown]:
        t.add_row(s["id"], s["split"], s["given"], s["suggested"], f"{100 * s['confidence']:.0f}%")
    return t


def footer(report: CheckReport) -> str:
    c = report.counts()
    checks = {k: v for k, v in report.timing.items() if k not in ("checks", *TIMED)}
    slowest = max(checks, key=checks.get) if checks else None
    total = report.timing.get("checks", 0.0) + sum(report.timing.get(k, 0.0) for k in TIMED)
    counted = ", ".join(_count(c[k], w) for k, w in (("error", "error"), ("warning", "warning"), ("info", "note")))
    line = (f"{counted}; {total:.1f}s"
            + (f" (slowest check: {slowest} {checks[slowest]:.1f}s)" if slowest else ""))
    if c["error"]:
        line += "\n`tuneup run` stops on errors until they are fixed (or is run with --force)"
    return line


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---- HTML ------------------------------------------------------------------------------------------
def _table(head: list[str], rows: list[list[Any]]) -> str:
    h = "".join(f"<th>{html.escape(str(x))}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def html_report(report: CheckReport) -> str:
    colour = {"error": "#b00020", "warning": "#8a6d00", "info": "#666"}
    items = "".join(
        f"<li><b style='color:{colour[f.severity]}'>{f.severity}</b> <i>{html.escape(f.check)}</i>: "
        f"{html.escape(f.title)}" + (f"<br><small>{html.escape(f.advice)}</small>" if f.advice else "") + "</li>"
        for f in report.findings)
    parts = [f"<div><b>{html.escape(headline(report))}</b>", f"<ul>{items or '<li>nothing stands out</li>'}</ul>"]
    cols = report.sections.get("columns", {}).get("columns")
    if cols:
        rows = [[c["column"], c["type"], c["missing"], c.get("distinct", 0), column_text(c)] for c in cols]
        parts.append(_table(["column", "type", "missing", "distinct", "values"], rows))
    cl = report.sections.get("classes", {}).get("classes")
    if cl:
        parts.append(_table(["class", "count", "share"], [[c["class"], c["count"], f"{100 * c['share']:.1f}%"]
                                                          for c in cl]))
    le = report.sections.get("label_errors", {})
    if le.get("suspects"):
        parts.append(_table(["id", "split", "given", "suggested", "confidence"],
                            [[s["id"], s["split"], s["given"], s["suggested"], f"{100 * s['confidence']:.0f}%"]
                             for s in le["suspects"]]))
    parts.append(f"<p><small>{html.escape(footer(report))}</small></p></div>")
    return "".join(parts)
