"""The hand-written SVG charts: round ticks, lines that break at missing values, the ladder's gaps."""
from __future__ import annotations

import html
import itertools
import re

import pytest

from tuneup.report.charts import Gap, LadderChart, Mark, Rung, Series, hbar_chart, ladder_chart, line_chart
from tuneup.report.charts.heatmap import heatmap
from tuneup.report.charts.svg import nice_ticks, tick_fmt
from tests.report.pages import tooltips


@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (0.031, 0.62), (-3.2, 7.9), (1e-5, 3e-5), (5.0, 5.0), (0, 12345)])
def test_ticks_are_round_and_cover_the_data(lo, hi):
    ticks = nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi and 3 <= len(ticks) <= 12
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** int(f"{step:e}".split("e")[1])
    assert round(mantissa, 6) in (1, 2, 2.5, 5)


def test_tick_labels_are_as_precise_as_the_step():
    assert [tick_fmt([0, 0.1], True)(v) for v in (0, 0.1)] == ["0%", "10%"]
    assert tick_fmt([0, 0.025], True)(0.075) == "7.5%"
    assert tick_fmt([0, 0.25], False)(0.75) == "0.75" and tick_fmt([0, 500], False)(1500) == "1,500"


def test_a_line_breaks_where_a_value_is_missing_and_every_point_has_a_tooltip():
    svg = line_chart([Series("dev", [1, 2, 3, 4], [0.5, None, 0.3, 0.2], "#d62728", points=True)], "epoch", "error",
                     "test", percent=True, marks=[Mark(3, "kept: epoch 3")])
    paths = re.findall(r'<path d="([^"]+)"', svg)
    assert len(paths) == 2 and paths[0].count("L") == 0 and paths[1].count("L") == 1
    tips = tooltips(svg)[1:]
    assert [t for t in tips if " at " in t] == ["dev at 1: 50.0%", "dev at 3: 30.0%", "dev at 4: 20.0%"]
    assert "kept: epoch 3" in svg and svg.startswith("<svg") and 'viewBox="0 0 560 300"' in svg


def test_hovering_a_line_anywhere_shows_every_series_value_at_that_x():
    """Issue 17: values on hover. Each x has a column (an invisible rect with a tooltip) naming the x and each
    line's value there; the columns tile the plot's width without gaps; a long history is thinned."""
    svg = line_chart([Series("train", [1, 2, 3], [0.4, 0.3, 0.25], "#1f77b4"),
                      Series("dev", [1, 2, 3], [0.5, None, 0.35], "#d62728")], "epoch", "error", "t", percent=True)
    assert tooltips(svg)[1:] == ["epoch 1\ntrain 40.0%\ndev 50.0%", "epoch 2\ntrain 30.0%",
                                                "epoch 3\ntrain 25.0%\ndev 35.0%"]
    bands = [(float(x), float(w)) for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)]
    assert len(bands) == 3 and bands[0][0] == 58
    assert all(abs(a[0] + a[1] - b[0]) < 0.11 for a, b in itertools.pairwise(bands))  # no gaps (one decimal each)
    assert abs(bands[-1][0] + bands[-1][1] - (560 - 16)) < 0.11
    assert re.search(r'<path [^>]*pointer-events="none"', svg)  # the line does not hide the column under it
    long = line_chart([Series("loss", list(range(1, 1001)), [1 / e for e in range(1, 1001)], "#1f77b4")],
                      "iteration", "loss", "t")
    assert 100 <= long.count('class="tu-band"') <= 200


def test_the_ladder_draws_each_gap_from_the_rung_below_or_from_its_reference():
    chart = LadderChart([Rung("train", 0.2, 0.18, 0.22), Rung("dev", 0.3)],
                        [Gap("avoidable bias", 0, "+5.0%", "problem", start=0.15), Gap("variance", 1, "+10.0%", "verdict")],
                        {"linear": [0.1, 0.4]}, (0.15, "linear baseline's dev error"))
    svg = ladder_chart(chart, lambda v: f"{100 * v:.1f}%", True, "ladder")
    tips = tooltips(svg)
    assert "train: 20.0% (interval 18.0% to 22.0%)" in tips and "dev: 30.0%" in tips
    assert "avoidable bias: +5.0%" in tips and "variance: +10.0%" in tips
    assert "linear baseline: 40.0%" in tips and "linear baseline's dev error: 15.0%" in tips
    # the reference is named in the legend, above the plot: a label on its line ran into the dev bar (issue 17)
    label_y = [float(y) for y, t in re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*>([^<]+)</text>', svg)
               if html.unescape(t) == "linear baseline's dev error"]
    bar_tops = [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)"', svg)]
    assert len(label_y) == 1 and label_y[0] < min(bar_tops) - 12
    assert svg.count('stroke="#d62728"') == 1 and svg.count('stroke="#ff7f0e"') == 1  # verdict red, problem orange


def test_heatmap_and_bars_carry_their_numbers():
    svg = heatmap([[5, 1], [2, 8]], ["a", "b"], "m")
    assert "true b, predicted a: 2 (20.0% of b)" in tooltips(svg)
    assert len(re.findall(r"<rect ", svg)) == 4
    bars = hbar_chart([("x", 3.0, "3"), ("y", 1.5, "1.5")], "bars")
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', bars)]
    assert widths[0] == pytest.approx(2 * widths[1])


@pytest.mark.parametrize("xs", [[1], [0, 1, 2], [1, 2, 3, 4, 5, 6, 7], list(range(0, 301, 3))])
def test_epochs_and_trials_get_whole_number_ticks(xs):
    svg = line_chart([Series("dev", xs, [0.1] * len(xs), "#d62728")], "epoch", "error", "t", integer_x=True)
    ticks = nice_ticks(min(xs), max(xs), integer=True)
    assert all(float(t).is_integer() for t in ticks) and ticks[0] <= min(xs) and ticks[-1] >= max(xs)
    assert len(ticks) == len(set(ticks)) >= 2
    labels = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', svg)
    assert [f"{t:,.0f}" for t in ticks] == [lab for lab in labels if lab != "epoch"][:len(ticks)]


def test_x_labels_between_whole_numbers_are_not_rounded():
    svg = line_chart([Series("a", [0, 2], [0.1, 0.2], "#000", points=True)], "x", "y", "t")
    labels = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', svg)
    assert labels[:5] == ["0.0", "0.5", "1.0", "1.5", "2.0"]  # was 0, 0, 1, 2, 2


def test_a_marks_label_moves_to_the_bottom_where_a_line_runs_along_the_top():
    import re

    from tuneup.report.charts import Mark, Series, line_chart

    epochs = list(range(1, 15))
    near_top = Series("train", epochs, [0.85, 0.96] + [1.0] * 12, "#1f77b4")
    low = Series("dev", epochs, [0.5 + 0.01 * e for e in epochs], "#d62728")

    def label_y(*series):
        svg = line_chart(series, "epoch", "accuracy", "acc", marks=[Mark(7, "kept: epoch 7 (early stopping)")])
        return float(re.search(r'<text[^>]*y="([0-9.]+)"[^>]*>kept: epoch 7', svg).group(1))

    assert label_y(low) < 60  # nothing in the way: at the top
    assert label_y(near_top, low) > 200  # the train line runs along the top: at the bottom
