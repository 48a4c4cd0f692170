"""Bars: the error ladder with its gaps, horizontal bars for ranked values, small histograms."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tuneup.report.charts.svg import (INK, LEGEND_ROW, MUTED, Fmt, Frame, Scale, chart, el, legend, legend_rows, linear,
                                      text, tick_fmt, title)

GAP_COLORS = {"verdict": "#d62728", "problem": "#ff7f0e", "ok": MUTED}
MARKERS = ("#444", "#8c564b", "#17becf", "#bcbd22")


@dataclass
class Rung:
    label: str
    value: float
    low: float | None = None
    high: float | None = None
    color: str = "#1f77b4"


@dataclass
class Gap:
    """An arrow from one rung's level to the next's; `start` is a level with no rung (a baseline, zero)."""

    name: str
    upper: int  # index of the rung it ends at
    value_text: str
    state: str = "ok"  # verdict | problem | ok
    start: float | None = None  # the lower level when it is not the previous rung's


@dataclass
class LadderChart:
    rungs: list[Rung]
    gaps: list[Gap] = field(default_factory=list)
    baselines: dict[str, list[float | None]] = field(default_factory=dict)  # name -> value per rung
    reference: tuple[float, str] | None = None  # what avoidable bias is measured from, when not a rung


def ladder_chart(c: LadderChart, fmt: Fmt, percent: bool, label: str, width: int = 560, height: int = 330) -> str:
    values = [r.value for r in c.rungs] + [r.high for r in c.rungs if r.high is not None]
    values += [v for vs in c.baselines.values() for v in vs if v is not None]
    values += [c.reference[0]] if c.reference else []
    items = [(f"{name} baseline", MARKERS[k % len(MARKERS)], True) for k, name in enumerate(c.baselines)]
    items += [(c.reference[1], MUTED, True)] if c.reference else []
    left, right, bottom = 58, 16, 66
    top = 18 + LEGEND_ROW * max(legend_rows([i[0] for i in items], width - left - right), 1)  # the bars' labels below it
    y, ticks = linear(values, height - bottom, top, zero=True)
    slot = (width - left - right) / max(len(c.rungs), 1)
    x = Scale(0, len(c.rungs), left, width - right)
    frame = Frame(width, height, x, y, left, right, top, bottom)
    parts = [frame.axes([], ticks, str, tick_fmt(ticks, percent), "", "error")]
    for i, r in enumerate(c.rungs):
        parts.append(_bar(r, x(i + 0.5), slot * 0.42, y, fmt))
        parts.append(text(x(i + 0.5), height - bottom + 16, r.label, size=12, weight="bold"))
    if c.reference:  # named in the legend: a label on the line itself ran into the bars it crosses
        level, name = c.reference
        parts.append(el("line", title(f"{name}: {fmt(level)}"), x1=float(left), x2=float(width - right), y1=y(level),
                        y2=y(level), stroke=MUTED, stroke_width=1.5, stroke_dasharray="2 3"))
    parts += [_gap(g, c.rungs, x, y) for g in c.gaps]
    for k, (name, vs) in enumerate(c.baselines.items()):
        parts += [_marker(name, x(i + 0.5) + slot * 0.3, y(v), MARKERS[k % len(MARKERS)], fmt(v))
                  for i, v in enumerate(vs) if v is not None]
    parts.append(legend(items, left, 16, width - left - right))
    return chart(width, height, "".join(parts), label)


def _bar(r: Rung, cx: float, w: float, y: Scale, fmt: Fmt) -> str:
    top, base = y(r.value), y(0.0)
    tip = f"{r.label}: {fmt(r.value)}" + (f" (interval {fmt(r.low)} to {fmt(r.high)})" if r.low is not None else "")
    parts = [el("rect", title(tip), x=cx - w / 2, y=min(top, base), width=w, height=abs(base - top) or 1.0,
                fill=r.color, fill_opacity=0.8)]
    label_y = top - 6
    if r.low is not None and r.high is not None:
        lo, hi = y(r.low), y(r.high)
        parts.append(el("path", d=f"M{cx:.1f} {lo:.1f}V{hi:.1f}M{cx - 6:.1f} {lo:.1f}h12M{cx - 6:.1f} {hi:.1f}h12",
                        stroke=INK, stroke_width=1.2, fill="none"))
        label_y = min(label_y, hi - 6)
    parts.append(text(cx, label_y, fmt(r.value), size=12, weight="bold", halo=True))
    return "".join(parts)


def _gap(g: Gap, rungs: Sequence[Rung], x: Scale, y: Scale) -> str:
    """A vertical arrow between the two levels at the boundary of the slots; its value and name under the axis."""
    upper = rungs[g.upper].value
    lower = g.start if g.start is not None else rungs[g.upper - 1].value
    at = x(g.upper) if g.start is None or g.upper > 0 else x(g.upper + 0.15)
    color = GAP_COLORS.get(g.state, MUTED)
    y0, y1 = y(lower), y(upper)
    head = 5 if y1 < y0 else -5
    arrow = (f"M{at:.1f} {y0:.1f}V{y1:.1f}M{at - 4:.1f} {y1 + head:.1f}L{at:.1f} {y1:.1f}"
             f"L{at + 4:.1f} {y1 + head:.1f}")
    bottom = y(0.0)
    return (el("path", title(f"{g.name}: {g.value_text}"), d=arrow, stroke=color, stroke_width=2.2, fill="none")
            + text(at, bottom + 34, g.value_text, size=11, color=color, weight="bold")
            + text(at, bottom + 48, g.name, size=10, color=color))


def _marker(name: str, cx: float, cy: float, color: str, value: str) -> str:
    return el("path", title(f"{name} baseline: {value}"), d=f"M{cx - 7:.1f} {cy:.1f}h14", stroke=color,
              stroke_width=3, stroke_dasharray="4 2")


def hbar_chart(items: Sequence[tuple[str, float, str]], label: str, color: str = "#1f77b4", width: int = 560,
               label_width: int = 170) -> str:
    """One bar per (name, value, text shown at its end), largest first as given; values >= 0."""
    row = 22
    height = 10 + row * len(items)
    top = max((v for _, v, _ in items), default=1.0) or 1.0
    span = width - label_width - 70
    parts = []
    for i, (name, value, shown) in enumerate(items):
        yy = 6 + i * row
        w = max(span * max(value, 0.0) / top, 1.0)
        parts.append(text(label_width - 6, yy + 14, _clip(name, label_width // 7), anchor="end", size=11))
        parts.append(el("rect", title(f"{name}: {shown}"), x=float(label_width), y=float(yy + 3), width=w,
                        height=float(row - 6), fill=color, fill_opacity=0.85))
        parts.append(text(label_width + w + 4, yy + 14, shown, anchor="start", size=11, color=MUTED))
    return chart(width, height, "".join(parts), label)


def spark_bars(counts: Sequence[float], tips: Sequence[str], label: str, ends: tuple[str, str] | None = None,
               color: str = "#1f77b4", width: int = 200, height: int = 56) -> str:
    """A small histogram without axes: bars with tooltips, optionally the range's ends written under it."""
    bottom = 14 if ends else 2
    top = max(counts, default=1) or 1
    w = (width - 2) / max(len(counts), 1)
    parts = [el("rect", title(tip), x=1 + i * w, y=height - bottom - (height - bottom - 2) * c / top,
                width=max(w - 1, 1.0), height=max((height - bottom - 2) * c / top, 0.5), fill=color)
             for i, (c, tip) in enumerate(zip(counts, tips))]
    if ends:
        parts.append(text(1, height - 2, ends[0], anchor="start", size=9, color=MUTED))
        parts.append(text(width - 1, height - 2, ends[1], anchor="end", size=9, color=MUTED))
    return chart(width, height, "".join(parts), label)


def _clip(s: str, k: int) -> str:
    return s if len(s) <= k else s[: k - 1] + "…"
