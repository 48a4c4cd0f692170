"""The power law a * n^-b + c: recovered from synthetic curves, with honest intervals."""
from __future__ import annotations

import numpy as np
import pytest

from tuneup.diagnose.powerlaw import fit_many, fit_power_law, fit_with_uncertainty

SIZES = np.array([100, 180, 320, 570, 1000, 1800, 3200])


@pytest.mark.parametrize("a,b,c", [(2.0, 0.5, 0.05), (0.5, 0.3, 0.1), (30.0, 1.0, 0.0), (5.0, 0.8, 0.2)])
def test_recovers_the_parameters_of_an_exact_curve(a, b, c):
    law = fit_power_law(SIZES, a * SIZES**-b + c)
    assert (law.a, law.b, law.c) == pytest.approx((a, b, c), rel=1e-5, abs=1e-8)


def test_the_vectorised_grid_fit_agrees_with_the_refined_fit():
    curves = np.stack([a * SIZES**-b + c for a, b, c in [(2.0, 0.5, 0.05), (1.0, 0.25, 0.0), (4.0, 1.5, 0.3)]])
    a, b, c = fit_many(SIZES, curves)
    assert b == pytest.approx([0.5, 0.25, 1.5]) and a == pytest.approx([2.0, 1.0, 4.0], rel=1e-6)
    assert c == pytest.approx([0.05, 0.0, 0.3], abs=1e-9)


def test_bounds_hold_on_a_curve_that_rises():
    law = fit_power_law(SIZES, np.linspace(0.1, 0.2, len(SIZES)))  # no power law falls like this
    assert law.a >= 0 and 0 <= law.b <= 5 and 0 <= law.c <= 0.2


def test_noisy_repeats_give_intervals_that_cover_the_truth():
    a, b, c = 2.0, 0.5, 0.05
    rng = np.random.default_rng(0)
    errors = (a * SIZES**-b + c)[:, None] + rng.normal(0, 0.003, (len(SIZES), 3))
    fit = fit_with_uncertainty(SIZES, errors, seed=0)
    assert fit.law.b == pytest.approx(b, abs=0.15) and fit.law.c == pytest.approx(c, abs=0.02)
    for name, truth in (("a", a), ("b", b), ("c", c)):
        lo, hi = fit.parameter(name, 0.95)
        assert lo <= truth <= hi, name
    value, lo, hi = fit.at(32_000, 0.95)  # 10x the largest size
    assert lo <= a * 32_000**-b + c <= hi and lo < value < hi


@pytest.mark.slow
def test_coverage_of_the_10x_prediction_is_near_nominal():
    """Over many simulated curves, the 90% interval for the error at 10x holds the truth about 90% of the
    time (the bootstrap is built to err wide, not narrow, on so few points)."""
    truth = lambda n: 1.5 * n**-0.4 + 0.08  # noqa: E731
    rng = np.random.default_rng(1)
    sizes = SIZES[::2]
    hits = 0
    for i in range(60):
        errors = truth(sizes)[:, None] + rng.normal(0, 0.004, (len(sizes), 2))
        _, lo, hi = fit_with_uncertainty(sizes, errors, resamples=300, seed=i).at(10 * sizes[-1], 0.9)
        hits += lo <= truth(10 * sizes[-1]) <= hi
    assert hits / 60 >= 0.8


def test_one_repeat_uses_the_residuals_and_more_noise_widens_the_interval():
    base = 2.0 * SIZES**-0.5 + 0.05
    rng = np.random.default_rng(2)
    bump = rng.normal(0, 1, len(SIZES))
    narrow = fit_with_uncertainty(SIZES, base + 0.001 * bump, seed=0).at(32_000, 0.95)
    wide = fit_with_uncertainty(SIZES, base + 0.01 * bump, seed=0).at(32_000, 0.95)
    assert wide[2] - wide[1] > 3 * (narrow[2] - narrow[1])


def test_too_few_sizes_is_an_error():
    with pytest.raises(ValueError, match="at least 3"):
        fit_with_uncertainty([10, 20], [[0.3], [0.2]])
