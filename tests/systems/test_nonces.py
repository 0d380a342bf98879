"""Replay protection: a nonce is claimed once within its window, in the database or in Redis, one at a time
or many at once (the records of concurrent reads of shared data claim theirs together)."""

from __future__ import annotations

import os
import uuid

import pytest

from govdata.systems.signin import NonceStore

REDIS_URL = os.environ.get("GOVDATA_TEST_REDIS_URL")


@pytest.mark.parametrize("store", ["database", "redis"])
def test_each_nonce_is_claimed_once_also_within_one_batch(db, store):
    if store == "redis" and not REDIS_URL:
        pytest.skip("GOVDATA_TEST_REDIS_URL not set")
    nonces = NonceStore(REDIS_URL if store == "redis" else None)
    key, other = (f"ak_{uuid.uuid4().hex[:12]}" for _ in range(2))  # Redis outlives the test: keys of this run
    with db.session() as session:
        assert nonces.claim(session, key, "n" * 16) is True
        assert nonces.claim(session, key, "n" * 16) is False
        batch = [(key, "a" * 16), (key, "b" * 16), (key, "a" * 16), (key, "n" * 16), (other, "b" * 16)]
        # a pair repeated within the batch is a replay; another AppKey's nonce is its own
        assert nonces.claim_many(session, batch) == [True, True, False, False, True]
        assert nonces.claim_many(session, [(key, "b" * 16)]) == [False]
        session.commit()
