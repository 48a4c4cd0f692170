"""The report and the compare page in a real browser: no console errors, nothing fetched beyond the file,
every expected section and each of its charts and images drawn with a size; a screenshot is kept."""
from __future__ import annotations

import numpy as np
import pytest

import tuneup
from tests.report.conftest import copy_run
from tests.report.saved_files import write_saved

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPORT_SECTIONS = ["summary", "ladder", "training", "learning-curve", "baselines", "classes", "confusion", "slices",
                   "ceiling", "top-losses", "check", "improve", "sweep"]


def drawn(bp, selector: str) -> list[dict]:
    """The bounding box of everything matching `selector` (None: not laid out)."""
    return [el.bounding_box() for el in bp.page.locator(selector).all()]


def assert_drawn(bp, section: str) -> None:
    box = bp.page.locator(f"section#{section}").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 40, section
    for kind in ("svg.chart", "img"):
        for b in drawn(bp, f"section#{section} {kind}"):
            assert b and b["width"] > 20 and b["height"] > 20, (section, kind, b)


def saved_curve(run):
    """A learning curve saved for the run's config, fitted by tuneup's own code to a noisy power law."""
    from tuneup.diagnose import curves
    from tuneup.runs import config_fingerprint

    rng = np.random.default_rng(0)
    sizes = [48, 96, 192, 384, 480]
    points = [{"n": n, "repeat": r, "train": 0.1, "dev": 0.15 + 1.5 * n ** -0.5 + rng.normal(0, 0.005)}
              for n in sizes for r in range(2)]
    c = curves.LearningCurve("churn", "accuracy", "1 - accuracy", False, sizes, 2, points, {}, None, "", 0.01, 0.95,
                             config_fingerprint(run.config))
    c.fits["dev"] = curves._fit(c, "dev", seed=0)
    c.more_data_helps, c.answer = curves.answer(c)
    return curves._save(c, run.root)


def test_the_report_renders_every_section(offline_page, trained_image_run, tmp_path):
    root = tmp_path / "runs"
    run = copy_run(trained_image_run, root)
    write_saved(run.path, root)
    saved_curve(run)
    path = tuneup.report(run, quick=True)
    offline_page.open(path)
    assert offline_page.problems() == []
    assert offline_page.requests == [offline_page.url]
    ids = [s.get_attribute("id") for s in offline_page.page.locator("section").all()]
    assert ids == REPORT_SECTIONS
    for section in ids:
        assert_drawn(offline_page, section)
    images = offline_page.page.locator("section#top-losses img").all()
    assert len(images) == 10
    assert all(img.evaluate("i => i.complete && i.naturalWidth > 0") for img in images)
    assert offline_page.page.locator("section#ladder svg.chart").count() == 1
    offline_page.screenshot(tmp_path / "report.png")


def test_the_compare_page_renders(offline_page, cli, trained_table_run, trained_image_run, tmp_path):
    out = tmp_path / "compare.html"
    r = cli("compare", str(trained_table_run.path), str(trained_table_run.path), str(trained_image_run.path),
            "--html", str(out))
    assert r.code == 0, r.stderr
    offline_page.open(out)
    assert offline_page.problems() == [] and offline_page.requests == [offline_page.url]
    ids = [s.get_attribute("id") for s in offline_page.page.locator("section").all()]
    assert ids == ["runs", "differences", "ladders", "curves"]
    for section in ids:
        assert_drawn(offline_page, section)
    assert offline_page.page.locator("section#curves svg.chart").count() == 2
    offline_page.screenshot(tmp_path / "compare.png")


def test_tables_sort_charts_show_values_on_hover_and_contents_jump(offline_page, trained_table_run, tmp_path):
    """Issue 17, in chromium: a click on a heading sorts (numbers as numbers, a second click reverses), the
    pointer over a chart shows its values at once, the contents list jumps to a section and stays in view, the
    ladder's reference label runs into no bar; the inline script runs under the page's CSP (no violation)."""
    from tests.report.conftest import copy_run

    run = copy_run(trained_table_run, tmp_path / "runs")
    path = tuneup.report(run, quick=True)
    offline_page.open(path)
    page = offline_page.page
    assert offline_page.problems() == [] and offline_page.requests == [offline_page.url]

    table = page.locator("section#top-losses table")
    column = lambda name: table.evaluate(  # noqa: E731
        "(t, name) => { const j = [...t.tHead.rows[0].cells].findIndex(c => c.textContent.trim() === name);"
        " return [...t.tBodies[0].rows].map(r => r.cells[j].textContent.trim()); }", name)
    before = column("id")
    table.locator("th", has_text="loss").first.click()
    losses = [float(v) for v in column("loss")]
    assert losses == sorted(losses) and column("id") != before
    table.locator("th", has_text="loss").first.click()
    assert [float(v) for v in column("loss")] == sorted(losses, reverse=True)
    table.locator("th", has_text="income").click()
    incomes = [float(v.replace(",", "")) for v in column("income") if v != "—"]
    assert incomes == sorted(incomes) and len(incomes) >= 8  # as numbers: "9,000" before "10,000"
    assert table.locator("th", has_text="income").get_attribute("aria-sort") == "ascending"

    tip = page.locator(".tu-tip")
    chart = page.locator("section#training svg.chart").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    assert tip.is_visible() and tip.inner_text().startswith("epoch ") and "dev " in tip.inner_text()
    bar = page.locator("section#ladder svg.chart rect").last
    bar.hover()
    assert tip.is_visible() and tip.inner_text().startswith("dev: ")
    page.mouse.move(2, 2)
    assert not tip.is_visible()

    page.locator("nav.tu-nav a", has_text="Highest-loss examples").click()
    page.wait_for_function("location.hash === '#top-losses'")
    page.wait_for_timeout(300)
    nav = page.locator("nav.tu-nav").bounding_box()
    heading = page.locator("section#top-losses h2").bounding_box()
    assert page.evaluate("window.scrollY") > 500 and nav["y"] == 0  # jumped; the contents stay at the top
    assert nav["y"] + nav["height"] <= heading["y"] < 200  # the heading is in view, not under the contents

    assert overlapping_text(page.locator("section#ladder svg.chart")) == []
    assert offline_page.problems() == []
    offline_page.screenshot(tmp_path / "report-table.png")


def overlapping_text(svg) -> list[str]:
    """The texts of a drawn chart whose boxes run into a bar or into another text."""
    return svg.evaluate("""svg => {
        const boxes = (s) => [...svg.querySelectorAll(s)].map(e => [e.textContent, e.getBoundingClientRect()]);
        const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        const bars = boxes("rect"), texts = boxes("text");
        return texts.filter(([t, a]) => bars.some(([, b]) => hit(a, b))
                                     || texts.some(([u, b]) => u !== t && hit(a, b))).map(([t]) => t);
    }""")


def test_the_ladder_names_its_reference_where_no_bar_is(offline_page, tmp_path):
    """Issue 17: "linear baseline's dev error" was written on its line at the right end, over the dev bar
    whenever dev's error was above it. Drawn in chromium: no label runs into a bar or another label."""
    from tuneup.report import html as h
    from tuneup.report.charts import Gap, LadderChart, Rung, ladder_chart
    from tuneup.report.page import page

    chart = LadderChart([Rung("train", 0.076, 0.06, 0.093), Rung("dev", 0.17, 0.13, 0.21, "#d62728")],
                        [Gap("avoidable bias", 0, "-7.4%", "ok", start=0.15), Gap("variance", 1, "+9.4%", "verdict")],
                        {"linear": [0.12, 0.15], "hgb": [0.0, 0.19]}, (0.15, "linear baseline's dev error"))
    svg = ladder_chart(chart, lambda v: f"{100 * v:.1f}%", True, "ladder")
    path = tmp_path / "ladder.html"
    path.write_text(page("ladder", "", [h.Section("ladder", "Error ladder", h.figure(svg))]))
    offline_page.open(path)
    drawn_svg = offline_page.page.locator("svg.chart")
    assert "linear baseline's dev error" in drawn_svg.text_content()
    assert overlapping_text(drawn_svg) == [] and offline_page.problems() == []
