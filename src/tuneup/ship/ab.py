"""A/B routing: a share of requests goes to a candidate model, sticky per client id.

With a client id (the `X-Client-Id` header) the choice is a hash of the id, so a client always meets
the same model, across restarts too; a new candidate reshuffles. Without one, each request draws.
"""
from __future__ import annotations

import hashlib
import random

PRIMARY, CANDIDATE = "primary", "candidate"


class Router:
    def __init__(self, share: float = 0.0, salt: str = "", seed: int | None = None):
        if not 0.0 <= share <= 1.0:
            from tuneup.exceptions import UserError

            raise UserError(f"--share {share}: the candidate's share of requests must be between 0 and 1, e.g. 0.1")
        self.share, self.salt = share, salt
        self._rng = random.Random(seed)

    def choose(self, client: str | None) -> str:
        if self.share <= 0.0:
            return PRIMARY
        u = self._unit(client) if client else self._rng.random()
        return CANDIDATE if u < self.share else PRIMARY

    def _unit(self, client: str) -> float:
        digest = hashlib.sha256(f"{self.salt}\x00{client}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2.0**64
