"""The same journey on the scaled-out set-up: PostgreSQL, Reflex state in Redis, two workers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from playwright.sync_api import Page

from tests.e2e.support import SECRET, AppServer, Shots, first_day_journey


@pytest.fixture
def viewport() -> str:
    """Once, at desktop size."""
    return "desktop"


def test_journey_on_postgres_with_redis_state(
    scaled_server: AppServer, new_page: Callable[[], Page], shots: Shots
) -> None:
    """Every step works when state lives in Redis and events land on either worker."""
    first_day_journey(scaled_server, new_page, shots, "scaled")
    client = redis.Redis.from_url(scaled_server.redis_url)
    state_keys = [key for key in client.scan_iter("*mediaws___state*")]
    assert state_keys, "no Reflex state was kept in Redis"
    for key in state_keys:
        value = client.get(key)
        assert value is None or SECRET.encode() not in value, f"the key is in Redis state {key!r}"
