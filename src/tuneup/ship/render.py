"""How an export looks to a person: the compress-then-verify table in a terminal or a notebook."""
from __future__ import annotations

import html
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.2f} MiB"


def _num(v: float | None, digits: int = 4) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def variant_rows(meta: dict[str, Any]) -> list[dict[str, str]]:
    """The table's cells as text, one dict per variant (shared by the terminal and HTML renderings)."""
    table = meta.get("compress") or {}
    rows = []
    for v in table.get("variants", []):
        worst = v.get("worst_slice")
        rows.append({
            "variant": v["name"] + (" *" if v["name"] == table.get("recommended") else ""),
            "size (gzip)": f"{_size(v['size_bytes'])} ({_size(v['gzip_bytes'])})",
            "ms @1": f"{v['latency_ms']['batch_1']:.3f}", "ms @64": f"{v['latency_ms']['batch_64']:.2f}",
            table["metric"]: _num(v["metric"]), "agrees": _num(v["agreement"], 3),
            "worst slice": "-" if worst is None else f"{worst['column']}={worst['value']} {-worst['loss']:+.3f}",
            "ok": "yes" if v["passes"] else "no",
        })
    return rows


def verdicts(meta: dict[str, Any]) -> list[str]:
    return [f"{v['name']}: {v['why']}" for v in (meta.get("compress") or {}).get("variants", [])]


def _headline(meta: dict[str, Any]) -> str:
    ver = meta["verification"]
    return (f"{meta['model_version']}: {', '.join(meta['files'].values())}; {ver['engine']} matches "
            f"{ver.get('reference', 'PyTorch')} on {ver['split']} (n={ver['n']}, max |diff| {ver['max_abs_diff']:.2g})")


def _footer(meta: dict[str, Any]) -> str:
    c = meta["compress"]
    return (f"* recommended: {c['recommended']}. A variant passes when neither {c['split']} (n={c['n']}) nor any "
            f"slice with n >= {c['min_slice']} loses more than {c['tolerance']:g} of {c['metric']}; it is recommended only if "
            "it is also smaller (compressed, by 10%+) and not over 1.25x slower at both batch sizes. Latency: median on this CPU; agrees: "
            "share of predictions equal to fp32's.")


def export_table(meta: dict[str, Any]):
    rows = variant_rows(meta)
    if not rows:
        return Text(_headline(meta))
    table = Table(title=f"compress-then-verify on {meta['compress']['split']}", title_justify="left")
    for col in rows[0]:
        table.add_column(col, justify="left" if col in ("variant", "worst slice", "ok") else "right")
    for row in rows:
        table.add_row(*row.values())
    return Group(Text(_headline(meta)), table, *(Text("  " + v) for v in verdicts(meta)), Text(_footer(meta)))


def export_html(meta: dict[str, Any]) -> str:
    rows = variant_rows(meta)
    if not rows:
        return f"<p>{html.escape(_headline(meta))}</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r.values()) + "</tr>" for r in rows)
    notes = "".join(f"<li>{html.escape(v)}</li>" for v in verdicts(meta))
    return (f"<p>{html.escape(_headline(meta))}</p><table><tr>{head}</tr>{body}</table><ul>{notes}</ul>"
            f"<p>{html.escape(_footer(meta))}</p>")
