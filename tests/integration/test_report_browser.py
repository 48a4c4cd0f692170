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
