"""Lines over a numeric x: per-epoch curves, learning curves, runs overlaid, trial histories."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tuneup.report.charts.svg import (LEGEND_ROW, MUTED, Fmt, Frame, chart, el, legend, legend_rows, linear, logarithmic,
                                      n, text, tick_fmt, title)


MAX_BANDS = 200  # hover columns per chart: enough for any history a person reads, a few kB


@dataclass
class Series:
    name: str
    x: Sequence[float]
    y: Sequence[float | None]  # None: no value at that x (the line breaks)
    color: str
    dashed: bool = False
    points: bool = False  # a dot (with a tooltip) at every value
    line: bool = True
    low: Sequence[float | None] | None = None  # whiskers: an interval around each value
    high: Sequence[float | None] | None = None
    hollow: bool = False


@dataclass
class Mark:
    """A vertical line at x with a label (the early-stopping epoch, today's data size)."""

    x: float
    label: str
    color: str = MUTED


def line_chart(series: Sequence[Series], x_title: str, y_title: str, label: str, *, percent: bool = False,
               x_fmt: Fmt | None = None, log_x: bool = False, zero: bool = False, marks: Sequence[Mark] = (),
               integer_x: bool = False, width: int = 560, height: int = 300) -> str:
    """One chart; `percent` shows y as shares (errors), `zero` keeps 0 on the y axis, `integer_x` puts ticks on
    whole numbers only (epochs, steps, trials)."""
    series = [s for s in series if any(v is not None for v in s.y)]
    xs = [x for s in series for x in s.x] + [m.x for m in marks]
    ys = [v for s in series for v in (*s.y, *(s.low or ()), *(s.high or ())) if v is not None and math.isfinite(v)]
    left, right, bottom = 58, 16, 44
    top = 20 + LEGEND_ROW * max(legend_rows([s.name for s in series], width - left - right), 1)
    x_scale, x_ticks = (logarithmic(xs, left, width - right) if log_x
                        else linear(xs, left, width - right, integer=integer_x))
    y_scale, y_ticks = linear(ys, height - bottom, top, zero=zero)
    frame = Frame(width, height, x_scale, y_scale, left, right, top, bottom)
    point_fmt = x_fmt or _plain
    axis_fmt = x_fmt or (_plain if log_x else tick_fmt(x_ticks, False))
    value_fmt = (lambda v: f"{100 * v:.1f}%") if percent else (lambda v: f"{v:.4g}")  # noqa: E731
    parts = [frame.axes(x_ticks, y_ticks, axis_fmt, tick_fmt(y_ticks, percent), x_title, y_title)]
    parts += [_mark(m, frame, series) for m in marks]
    parts.append(_bands(series, frame, value_fmt, point_fmt, x_title))
    parts += [_draw(s, frame, value_fmt, point_fmt) for s in series]
    parts.append(legend([(s.name, s.color, s.dashed) for s in series], left, 14, width - left - right))
    return chart(width, height, "".join(parts), label)


def _bands(series: Sequence[Series], frame: Frame, y_fmt: Fmt, x_fmt: Fmt, x_title: str) -> str:
    """Hover targets for the lines: an invisible column around each x whose tooltip holds every series' value
    there (at most MAX_BANDS columns; a longer history shows every k-th x). Points keep their own tooltips."""
    values: dict[float, list[str]] = {}
    for s in series:
        if not s.line:
            continue
        for x, y in zip(s.x, s.y):
            if y is not None and math.isfinite(y):
                values.setdefault(x, []).append(f"{s.name} {y_fmt(y)}")
    xs = sorted(values)
    xs = xs[:: math.ceil(len(xs) / MAX_BANDS)] if len(xs) > MAX_BANDS else xs
    pixels = [frame.x(x) for x in xs]
    lo, hi = float(frame.left), float(frame.width - frame.right)
    top, bottom = float(frame.top), float(frame.height - frame.bottom)
    parts = []
    for i, (x, px) in enumerate(zip(xs, pixels)):
        a = lo if i == 0 else (pixels[i - 1] + px) / 2
        b = hi if i == len(xs) - 1 else (px + pixels[i + 1]) / 2
        tip = f"{x_title} {x_fmt(x)}".strip() + "\n" + "\n".join(values[x])
        parts.append(el("rect", title(tip), x=a, y=top, width=max(b - a, 1.0), height=bottom - top, class_="tu-band",
                        fill="transparent"))
    return "".join(parts)


def _plain(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4g}"


LABEL_CHAR_PX = 6.2  # an 11 px label's average character width


def _mark(m: Mark, frame: Frame, series: Sequence[Series] = ()) -> str:
    """The line and its label: at the top of the plot, or at its bottom when a series passes through the top
    strip where the label would be (an accuracy near 100% under "kept: epoch 7")."""
    x = frame.x(m.x)
    middle = (frame.left + frame.width - frame.right) / 2
    anchor = "end" if x > middle else "start"
    extent = LABEL_CHAR_PX * len(m.label) + 4
    lo, hi = (x - extent, x) if anchor == "end" else (x, x + extent)
    busy = any(lo <= frame.x(px) <= hi and frame.y(py) < frame.top + 20
               for s in series for px, py in zip(s.x, s.y) if py is not None and math.isfinite(py))
    y = frame.height - frame.bottom - 6 if busy else frame.top + 12
    return (el("line", x1=x, x2=x, y1=float(frame.top), y2=float(frame.height - frame.bottom), stroke=m.color,
               stroke_dasharray="4 3")
            + text(x + (-4 if anchor == "end" else 4), y, m.label, anchor=anchor, size=11, color=m.color,
                   halo=True))


def _draw(s: Series, frame: Frame, y_fmt: Fmt, x_fmt: Fmt) -> str:
    parts = []
    if s.line:
        for run in _runs(s):
            d = " ".join(f"{'M' if i == 0 else 'L'}{n(frame.x(x))} {n(frame.y(y))}" for i, (x, y) in enumerate(run))
            parts.append(el("path", d=d, fill="none", stroke=s.color, stroke_width=2,
                            stroke_dasharray="6 4" if s.dashed else None, pointer_events="none"))
    for i, (x, y) in enumerate(zip(s.x, s.y)):
        if y is None:
            continue
        lo, hi = (s.low[i] if s.low else None), (s.high[i] if s.high else None)
        if lo is not None and hi is not None:
            parts.append(el("line", x1=frame.x(x), x2=frame.x(x), y1=frame.y(lo), y2=frame.y(hi), stroke=s.color,
                            stroke_width=1.5))
        if s.points or lo is not None:
            tip = f"{s.name} at {x_fmt(x)}: {y_fmt(y)}" + (f" ({y_fmt(lo)} to {y_fmt(hi)})" if lo is not None
                                                           and hi is not None else "")
            parts.append(el("circle", title(tip), cx=frame.x(x), cy=frame.y(y), r=3.5,
                            fill="white" if s.hollow else s.color, stroke=s.color, stroke_width=1.5))
    return "".join(parts)


def _runs(s: Series) -> list[list[tuple[float, float]]]:
    """The series' points split where a value is missing."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(s.x, s.y):
        if y is None or not math.isfinite(y):
            runs.append([])
        else:
            runs[-1].append((x, y))
    return [r for r in runs if r]
