"""The scenarios' results as markdown: one table, then what improve kept and what failed (computed in
`bench/scenarios.py`, rendered here)."""
from __future__ import annotations

from typing import Any


def _err(d: dict | None, units: bool = False, interval: bool = True) -> str:
    if not d:
        return "-"
    f = (lambda v: f"{v:.3g}") if units else (lambda v: f"{100 * v:.1f}")
    text = f(d["value"]) + ("" if units else "%")
    return text + (f" [{f(d['low'])}, {f(d['high'])}]" if interval and "low" in d else "")


def _seconds(s: float) -> str:
    m, sec = divmod(round(s), 60)
    return f"{m}m{sec:02d}s" if m else f"{sec}s"


def _budget(imp: dict) -> str:
    if "seconds" not in imp:
        return "-"
    b = str(imp["budget"])
    return f"{_seconds(imp['seconds'])} / {b if not b.isdigit() else b + ' cand.'}"


def _yes(v: bool | None) -> str:
    return "-" if v is None else ("yes" if v else "**no**")


def row(r: dict[str, Any], seeds: bool) -> str:
    run, imp, refs = r.get("run", {}), r.get("improve", {}), r.get("references", {})
    units = bool(run.get("error_in_units"))
    verdict = r["verdict"] or ("FAILED: " + ", ".join(r["failures"]) if r["failures"] else "-")
    if r.get("forced"):
        verdict += " (run forced past the data checks' errors)"
    right = "yes" if r["right"] else ("**no**" if r["verdict"] else "-")
    truth = "/".join(r["right_verdicts"])
    improve = _err(imp.get("dev"), units) if "dev" in imp else ("failed" if "improve" in r["failures"] else "-")
    name = f"{r['scenario']} (s{r['seed']})" if seeds else r["scenario"]
    cells = [name, truth, verdict, right, _err(run.get("dev"), units), improve, _budget(imp),
             _err(refs.get("LR"), units), _err(refs.get("HGB"), units), _yes(r.get("improve_beats_references"))]
    return "| " + " | ".join(cells) + " |"


HEADER = ("| scenario | truth | verdict | right? | dev error after run [95%] | after improve [95%] | "
          "improve wall / budget | LR dev | HGB dev | improve <= min(LR, HGB)? |\n"
          "|---|---|---|---|---:|---:|---:|---:|---:|---|")


def markdown(results: list[dict], meta: dict) -> str:
    seeds = len(meta.get("seeds", [0])) > 1
    lines = [HEADER, *(row(r, seeds) for r in results)]
    right = sum(r["right"] for r in results)
    beats = [r.get("improve_beats_references") for r in results]
    lines += ["", (f"Verdicts right: {right}/{len(results)}. Improve at or below min(LR, HGB): "
                   f"{sum(b is True for b in beats)}/{sum(b is not None for b in beats)}.")]
    lines += ["", "What improve kept (its `changes`), why it stopped, and what it tried:", ""]
    for r in results:
        imp = r.get("improve", {})
        if "changes" not in imp:
            continue
        tried = "; ".join(f"{t['action']} ({t['strength']}): {_err({'value': t['dev']}) if t['dev'] is not None else '-'}"
                          f" {t['outcome']}" for t in imp["tried"]) or "nothing"
        lines.append(f"- {r['scenario']}: kept {imp['changes'] or 'nothing'}; stopped: {imp['stopped']}; "
                     f"tried: {tried}")
    failed = [r for r in results if r["failures"]]
    if failed:
        lines += ["", "Failures:", ""]
        lines += [f"- {r['scenario']} ({phase}): {text}" for r in failed for phase, text in r["failures"].items()]
    return "\n".join(lines)


def verify_markdown(rows: list[dict]) -> str:
    lines = ["| scenario | truth | independent evidence (share of examples wrong unless said) |", "|---|---|---|"]
    for r in rows:
        ev = "; ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in r["evidence"].items())
        lines.append(f"| {r['scenario']} (s{r['seed']}) | {r['truth']} | {ev} |")
    return "\n".join(lines)
