"""The fake provider server answers, queues one-shot replies and records requests."""

from __future__ import annotations

import httpx

from tests.providers.fakeserver import FakeServer, Reply


def test_routes_queue_and_records() -> None:
    """A queued 429 is served once, then the route's answer; both requests are recorded."""
    fake = FakeServer()
    fake.route("POST", r"/v1/echo", lambda req, _m: Reply(json={"got": req.json()}))
    fake.enqueue("POST", r"/v1/echo", Reply(429, json={"error": "slow down"}, headers={"Retry-After": "2"}))
    with fake.running():
        first = httpx.post(f"{fake.url}/v1/echo", json={"a": 1})
        second = httpx.post(f"{fake.url}/v1/echo?x=1", json={"a": 2}, headers={"Authorization": "Bearer k"})
        missing = httpx.get(f"{fake.url}/nope")
    assert (first.status_code, first.headers["retry-after"]) == (429, "2")
    assert second.json() == {"got": {"a": 2}}
    assert missing.status_code == 404
    assert [r.query for r in fake.calls("POST", r"/v1/echo")] == [{}, {"x": ["1"]}]
    assert fake.calls("POST", r"/v1/echo")[1].headers["authorization"] == "Bearer k"
