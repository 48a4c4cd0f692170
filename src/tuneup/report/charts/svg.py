"""SVG as text: elements, a chart's frame (scales, ticks, grid, axis titles) and its wrapper.

Charts are inline SVG written by hand: a few kilobytes each, crisp at any zoom, text a person can select,
a tooltip (`<title>`) on every mark, and no plotting library to import while a report renders.
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Fmt = Callable[[float], str]
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
           "#bcbd22")
INK, GRID, MUTED = "#222", "#e6e6e6", "#666"
LEGEND_ROW = 16  # pixels per row of a legend


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def n(v: float) -> str:
    """A coordinate: one decimal is finer than a pixel."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


def el(name: str, content: str = "", **attrs: object) -> str:
    """`el("rect", x=1, fill="red")`: attribute names with `_` become `-` (stroke_width -> stroke-width)."""
    text = " ".join(f'{k.rstrip("_").replace("_", "-")}="{n(v) if isinstance(v, float) else esc(v)}"'
                    for k, v in attrs.items() if v is not None)
    return f"<{name} {text}>{content}</{name}>" if content else f"<{name} {text}/>"


def title(text: str) -> str:
    """A tooltip for the element it is placed in."""
    return f"<title>{esc(text)}</title>"


def text(x: float, y: float, content: str, anchor: str = "middle", size: int = 12, color: str = INK,
         weight: str | None = None, halo: bool = False, **attrs: object) -> str:
    """`halo`: a white outline under the letters, readable over bars and lines."""
    outline = {"stroke": "white", "stroke_width": 3, "paint_order": "stroke"} if halo else {}
    return el("text", esc(content), x=float(x), y=float(y), text_anchor=anchor, font_size=size, fill=color,
              font_weight=weight, **outline, **attrs)


def chart(width: int, height: int, body: str, label: str) -> str:
    """The outer element: scales down with its container, never up (viewBox + max-width)."""
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" style="max-width:100%;height:auto" role="img" '
            f'aria-label="{esc(label)}" font-family="system-ui, sans-serif">{title(label)}{body}</svg>')


# ---- scales ---------------------------------------------------------------------------------------
def nice_step(span: float, count: int, integer: bool = False) -> float:
    """A round step giving about `count` ticks over `span`; whole numbers only when `integer` (epochs, trials)."""
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in ((1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)) if m * power >= raw)
    return max(step, 1.0) if integer else step


def nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """Round numbers covering [lo, hi] (the axis is then widened to the outer ticks)."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi - lo < 1e-12:
        if integer:
            lo, hi = lo - 1, hi + 1
        else:
            lo, hi = (lo - 0.5, hi + 0.5) if lo == 0 else (lo - abs(lo) * 0.1, hi + abs(hi) * 0.1)
    step = nice_step(hi - lo, count, integer)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """1, 2, 5 x powers of ten within [lo, hi] (only powers of ten when that is too many)."""
    out = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        out += [m * 10 ** e for m in (1, 2, 5) if lo <= m * 10 ** e <= hi]
    if len(out) > 8:
        out = [t for t in out if math.log10(t) == round(math.log10(t))]
    return out or [lo, hi]


@dataclass
class Scale:
    lo: float
    hi: float
    a: float  # pixel of lo
    b: float  # pixel of hi
    log: bool = False

    def __call__(self, v: float) -> float:
        f = (lambda x: math.log10(x)) if self.log else (lambda x: x)  # noqa: E731
        span = f(self.hi) - f(self.lo) or 1.0
        return self.a + (f(v) - f(self.lo)) / span * (self.b - self.a)


def linear(values: Sequence[float], a: float, b: float, zero: bool = False, count: int = 5,
           integer: bool = False) -> tuple[Scale, list[float]]:
    """A scale over `values` widened to round ticks (and to 0 when `zero`; whole-number ticks when `integer`)."""
    finite = [v for v in values if v is not None and math.isfinite(v)] or [0.0, 1.0]
    lo, hi = min(finite), max(finite)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    ticks = nice_ticks(lo, hi, count, integer)
    return Scale(ticks[0], ticks[-1], a, b), ticks


def logarithmic(values: Sequence[float], a: float, b: float) -> tuple[Scale, list[float]]:
    positive = [v for v in values if v is not None and v > 0] or [1.0, 10.0]
    lo, hi = min(positive), max(positive)
    lo, hi = lo / 1.15, hi * 1.15  # room for the marks at the ends
    return Scale(lo, hi, a, b, log=True), log_ticks(lo, hi)


def tick_fmt(ticks: Sequence[float], percent: bool) -> Fmt:
    """Labels as precise as the step between ticks needs: 10%, 12.5%, 0.25, 1,000."""
    step = (abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0) * (100 if percent else 1)
    digits = next((d for d in range(7) if abs(step * 10 ** d - round(step * 10 ** d)) < 1e-6 * 10 ** d), 6)
    if percent:
        return lambda v: f"{100 * v:.{digits}f}%"
    return lambda v: f"{v:,.{digits}f}" if abs(v) < 1e6 else f"{v:.3g}"


@dataclass
class Frame:
    """A plot area with margins, its two scales and the axes drawn around it."""

    width: int
    height: int
    x: Scale
    y: Scale
    left: int = 58
    right: int = 16
    top: int = 28
    bottom: int = 44

    def axes(self, x_ticks: Sequence[float], y_ticks: Sequence[float], x_fmt: Fmt, y_fmt: Fmt,
             x_title: str, y_title: str) -> str:
        parts = []
        x0, x1 = self.left, self.width - self.right
        y0, y1 = self.height - self.bottom, self.top
        for t in y_ticks:
            y = self.y(t)
            parts.append(el("line", x1=float(x0), x2=float(x1), y1=y, y2=y, stroke=GRID))
            parts.append(text(x0 - 6, y + 4, y_fmt(t), anchor="end", size=11, color=MUTED))
        for t in x_ticks:
            x = self.x(t)
            parts.append(el("line", x1=x, x2=x, y1=float(y0), y2=float(y0 + 4), stroke=MUTED))
            parts.append(text(x, y0 + 17, x_fmt(t), size=11, color=MUTED))
        parts.append(el("line", x1=float(x0), x2=float(x1), y1=float(y0), y2=float(y0), stroke=MUTED))
        if x_title:
            parts.append(text((x0 + x1) / 2, self.height - 6, x_title, size=12, color=MUTED))
        if y_title:
            parts.append(text(14, (y0 + y1) / 2, y_title, size=12, color=MUTED,
                              transform=f"rotate(-90 14 {n((y0 + y1) / 2)})"))
        return "".join(parts)


def _legend_places(names: Sequence[str], x: float, y: float, width: float) -> list[tuple[float, float]]:
    """Where each swatch of a legend goes: one row, wrapping when the row is full."""
    places, cx, cy = [], x, y
    for name in names:
        w = 30 + 7 * len(name)
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + LEGEND_ROW
        places.append((cx, cy))
        cx += w
    return places


def legend_rows(names: Sequence[str], width: float) -> int:
    """How many rows a legend of these names takes in `width` (the plot starts below them)."""
    places = _legend_places(names, 0, 0, width)
    return 1 + int(places[-1][1] // LEGEND_ROW) if places else 0


def legend(items: Sequence[tuple[str, str, bool]], x: float, y: float, width: float) -> str:
    """One row of (name, colour, dashed) swatches, wrapping when the row is full."""
    parts = []
    for (name, color, dashed), (cx, cy) in zip(items, _legend_places([i[0] for i in items], x, y, width)):
        parts.append(el("line", x1=float(cx), x2=float(cx + 18), y1=float(cy - 4), y2=float(cy - 4), stroke=color,
                        stroke_width=2.5, stroke_dasharray="5 3" if dashed else None))
        parts.append(text(cx + 22, cy, name, anchor="start", size=11))
    return "".join(parts)
