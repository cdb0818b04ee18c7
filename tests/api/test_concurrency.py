"""Under concurrent load every API request completes, the server stays live, and excess load is shed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import anyio
import httpx
from sqlmodel import Session

from mediaws.api.gate import size_thread_limiter
from mediaws.config import Settings
from mediaws.db import make_engine
from mediaws.deps import Deps
from mediaws.models import User
from mediaws.services import projects
from tests.api.live import serving

BURST = 200


def _seed(session: Session, user: User) -> None:
    for number in range(3):
        projects.create_project(session=session, owner_id=user.id, name=f"Load {number}")


def test_200_concurrent_list_requests_all_complete_and_ping_stays_live(
    deps: Deps, session: Session, user: User, auth: dict[str, str]
) -> None:
    _seed(session, user)

    async def burst(url: str) -> tuple[list[int | str], list[int]]:
        limits = httpx.Limits(max_connections=BURST + 10, max_keepalive_connections=BURST + 10)
        async with httpx.AsyncClient(base_url=url, timeout=90, limits=limits) as client:
            done = asyncio.Event()

            async def listing() -> int | str:
                try:
                    response = await client.get("/api/projects", headers=auth)
                except httpx.HTTPError as exc:
                    return type(exc).__name__
                return response.status_code if response.text.count('"name"') == 3 else response.text

            async def pings() -> list[int]:
                answers: list[int] = []
                while not done.is_set() or not answers:
                    answers.append((await client.get("/ping")).status_code)
                    await asyncio.sleep(0.05)
                return answers

            pinger = asyncio.create_task(pings())
            try:
                statuses = await asyncio.gather(*(listing() for _ in range(BURST)))
            finally:
                done.set()
            return list(statuses), await pinger

    with serving(deps) as live:
        statuses, pings = asyncio.run(burst(live.url))
        assert statuses == [200] * BURST
        assert pings and set(pings) == {200}
        assert httpx.get(f"{live.url}/api/projects", headers=auth, timeout=30).status_code == 200


def test_past_the_in_flight_limit_requests_get_a_fast_503(
    make_deps: Callable[..., Deps], auth: dict[str, str]
) -> None:
    deps = make_deps(api_max_in_flight=1)

    async def scenario(url: str) -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        started, release = asyncio.Event(), asyncio.Event()

        async def slow_body() -> AsyncIterator[bytes]:
            yield b'{"name": "'
            started.set()  # httpx asks for more only once the head and the first bytes are sent
            await release.wait()
            yield b'Held"}'

        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            held = asyncio.create_task(
                client.post(
                    "/api/projects", content=slow_body(), headers={**auth, "Content-Type": "application/json"}
                )
            )
            await started.wait()
            for _ in range(250):
                answer = await client.get("/api/projects", headers=auth)
                if answer.status_code != 200 or held.done():
                    break
                await asyncio.sleep(0.02)
            release.set()
            created = await held
            after = await client.get("/api/projects", headers=auth)
            return answer, created, after

    with serving(deps) as live:
        refused, created, after = asyncio.run(scenario(live.url))
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "busy"
    assert created.status_code == 201, created.text
    assert after.status_code == 200 and [p["name"] for p in after.json()] == ["Held"]


def test_the_pool_has_a_connection_for_every_api_thread(
    db_url: str, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(api_threads=7, db_pool_reserve=3)
    engine = make_engine(db_url, settings)
    try:
        assert engine.pool.size() == 10  # type: ignore[attr-defined]
    finally:
        engine.dispose()

    async def tokens() -> float:
        size_thread_limiter(settings)
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(tokens) == 7
