"""`--budget N|DURATION`: parsing, counting, and time running out."""
from __future__ import annotations

import pytest

from tuneup.exceptions import UserError
from tuneup.improve import budget as budget_mod
from tuneup.improve.budget import Budget


@pytest.mark.parametrize("text,trainings,seconds", [
    ("8", 8, None), ("1", 1, None), ("90s", None, 90), ("20m", None, 1200), ("1h", None, 3600),
    ("1h30m", None, 5400), ("2.5min", None, 150), ("45 sec", None, 45),
])
def test_a_count_or_a_duration(text, trainings, seconds):
    b = Budget.parse(text)
    assert (b.trainings, b.seconds) == (trainings, seconds)


@pytest.mark.parametrize("text", ["0", "-3", "abc", "20x", "m", "1h and more", "", "0s"])
def test_anything_else_is_a_user_error_naming_both_forms(text):
    with pytest.raises(UserError, match="--budget") as e:
        Budget.parse(text)
    assert "\n" not in str(e.value)


def test_a_count_is_spent_by_trainings():
    b = Budget.parse(3).start()
    assert b.left() == 3 and not b.spent
    b.spend(2)
    assert b.left() == 1
    b.spend()
    assert b.spent and b.left() == 0


def test_a_duration_is_spent_when_the_clock_passes_it(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(budget_mod, "now", lambda: now[0])
    b = Budget.parse("2m").start()
    b.spend(5)  # trainings do not count against a duration
    assert b.left() is None and not b.spent
    now[0] += 119
    assert not b.spent
    now[0] += 1
    assert b.spent and b.left() == 0 and b.describe() == "2m of wall time"


def test_a_duration_keeps_its_reserve_and_starts_only_what_fits(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(budget_mod, "now", lambda: now[0])
    b = Budget.parse("2m").start()
    b.reserve = 20.0  # the final diagnosis and report
    now[0] += 80
    assert b.remaining() == 20.0 and not b.out_of_time()
    assert b.can_start(epoch_seconds=5.0) and not b.can_start(epoch_seconds=7.0)  # 3 epochs must fit
    assert b.left_text() == "40s of 2m left"
    now[0] += 20
    assert b.out_of_time() and b.spent and not b.can_start(epoch_seconds=0.1)


def test_a_count_says_how_many_trainings_are_left_and_about_how_long():
    b = Budget.parse(8).start()
    b.spend(5)
    assert b.remaining() is None and not b.out_of_time() and b.can_start(epoch_seconds=100.0)
    assert b.left_text(per_training=50.0) == "3 of 8 trainings left (about 2m30s)"
