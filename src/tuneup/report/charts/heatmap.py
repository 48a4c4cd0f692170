"""The confusion matrix as a heatmap: each cell shaded by its share of the true class (the row), right
answers in blue, mistakes in red, the count written in the cell when there is room."""
from __future__ import annotations

from collections.abc import Sequence

from tuneup.report.charts.svg import MUTED, chart, el, text, title


def heatmap(matrix: Sequence[Sequence[int]], labels: Sequence[str], label: str, size: int = 520) -> str:
    k = len(labels)
    pad = 16 + 7 * min(max((len(str(s)) for s in labels), default=1), 14)
    cell = max(min((size - pad - 20) / max(k, 1), 44), 6)
    width = height = int(pad + 20 + cell * k + 4)
    parts = [text(pad + cell * k / 2, 12, "predicted", size=11, color=MUTED),
             text(10, pad + 20 + cell * k / 2, "true", size=11, color=MUTED,
                  transform=f"rotate(-90 10 {pad + 20 + cell * k / 2:.1f})")]
    for j, name in enumerate(labels):
        parts.append(text(pad + cell * (j + 0.5), pad + 14, str(name)[:14], size=10,
                          transform=f"rotate(-45 {pad + cell * (j + 0.5):.1f} {pad + 14})" if k > 8 else None))
    for i, row in enumerate(matrix):
        total = sum(row) or 1
        y = pad + 20 + cell * i
        parts.append(text(pad - 4, y + cell / 2 + 4, str(labels[i])[:14], anchor="end", size=10))
        for j, count in enumerate(row):
            share = count / total
            color = (31, 119, 180) if i == j else (214, 39, 40)
            fill = f"rgba({color[0]},{color[1]},{color[2]},{0.06 + 0.94 * share:.3f})" if count else "#fafafa"
            tip = f"true {labels[i]}, predicted {labels[j]}: {count:,} ({100 * share:.1f}% of {labels[i]})"
            parts.append(el("rect", title(tip), x=pad + cell * j, y=y, width=cell - 1, height=cell - 1, fill=fill))
            if cell >= 22 and count:
                parts.append(text(pad + cell * (j + 0.5), y + cell / 2 + 4, _short(count), size=10,
                                  color="white" if share > 0.5 else "#222"))
    return chart(width, height, "".join(parts), label)


def _short(count: int) -> str:
    return f"{count / 1000:.0f}k" if count >= 10_000 else f"{count:,}" if count < 1000 else f"{count / 1000:.1f}k"
