"""A/B routing: the candidate's share holds, and a client always meets the same model."""
from __future__ import annotations

import pytest

from tuneup.exceptions import UserError
from tuneup.ship.ab import CANDIDATE, PRIMARY, Router


def test_share_holds_over_many_clients():
    router = Router(0.2, salt="cand-001")
    picks = [router.choose(f"client-{i}") for i in range(5000)]
    share = picks.count(CANDIDATE) / len(picks)
    assert abs(share - 0.2) < 0.02  # binomial sd is 0.0057: more than 3 sd of room


def test_a_client_is_sticky_and_a_new_candidate_reshuffles():
    a, b = Router(0.5, salt="cand-001"), Router(0.5, salt="cand-002")
    clients = [f"u{i}" for i in range(200)]
    assert [a.choose(c) for c in clients] == [a.choose(c) for c in clients]
    assert [a.choose(c) for c in clients] != [b.choose(c) for c in clients]


def test_without_a_client_id_each_request_draws():
    router = Router(0.3, seed=1)
    picks = [router.choose(None) for _ in range(4000)]
    assert abs(picks.count(CANDIDATE) / 4000 - 0.3) < 0.03


def test_share_zero_and_one():
    assert {Router(0.0).choose(f"c{i}") for i in range(50)} == {PRIMARY}
    assert {Router(1.0).choose(f"c{i}") for i in range(50)} == {CANDIDATE}


def test_share_out_of_range_is_a_user_error():
    with pytest.raises(UserError, match="between 0 and 1"):
        Router(1.5)
