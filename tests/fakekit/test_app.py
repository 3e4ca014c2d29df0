"""FakeKit's gate over plain HTTP: unknown paths and methods, bodies, faults on any route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=3, clicks=5) as fake:
        yield fake


@pytest.fixture
async def http(server: FakeKit) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"X-Kit-Api-Key": server.api_key}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kw) as response:
        body = await response.read()
        return response.status, (await response.json() if body else None)


async def test_an_unknown_path_is_kits_json_404(server: FakeKit, http) -> None:
    assert await call(http, "GET", "/v4/nothing/here") == (404, {"errors": ["Not Found"]})
    assert server.requests[-1].status == 404


async def test_a_non_numeric_id_is_404(http) -> None:
    assert await call(http, "GET", "/v4/broadcasts/abc") == (404, {"errors": ["Not Found"]})


async def test_an_unknown_method_is_405_naming_the_allowed_ones(http) -> None:
    async with http.patch("/v4/broadcasts/1") as response:
        assert response.status == 405
        assert response.headers["Allow"] == "DELETE, GET, PUT"
        body = await response.json()
    assert body == {
        "errors": ["PATCH is not allowed on /v4/broadcasts/1 (allowed: DELETE, GET, PUT)"]
    }


async def test_an_unknown_path_still_needs_a_credential(server: FakeKit) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/v4/nothing") as response:
        assert response.status == 401


async def test_broken_json_is_400_and_a_non_object_422(http) -> None:
    broken = await call(
        http, "POST", "/v4/broadcasts", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken == (400, {"errors": ["The request body is not valid JSON"]})
    assert await call(http, "POST", "/v4/broadcasts", json=[1]) == (
        422,
        {"errors": ["The request body must be a JSON object"]},
    )


async def test_a_fault_can_match_one_method_only(server: FakeKit, http) -> None:
    fault = server.inject("503", path="/v4/broadcasts", method="post")

    assert (await call(http, "GET", "/v4/broadcasts"))[0] == 200
    assert fault.times == 1
    assert (await call(http, "POST", "/v4/broadcasts", json={}))[0] == 503
    assert fault.times == 0


async def test_a_refusing_fault_leaves_the_account_unchanged(server: FakeKit, http) -> None:
    server.inject("503", method="POST")

    assert (await call(http, "POST", "/v4/broadcasts", json={"subject": "x"}))[0] == 503
    assert sorted(server.account.broadcasts) == [1, 2, 3]


async def test_a_cut_connection_after_a_write_still_made_the_write(server: FakeKit, http) -> None:
    # What a client must be ready for: the write happened, the answer was lost.
    server.inject("reset", method="POST")

    with pytest.raises(aiohttp.ClientPayloadError):
        await call(http, "POST", "/v4/broadcasts", json={"subject": "x"})
    assert sorted(server.account.broadcasts) == [1, 2, 3, 4]


async def test_a_truncated_204_has_an_empty_body(server: FakeKit, http) -> None:
    server.inject("truncated", method="DELETE")

    assert await call(http, "DELETE", "/v4/broadcasts/3") == (200, None)
    assert 3 not in server.account.broadcasts


async def test_cursor_faults_leave_an_answer_without_pagination_alone(
    server: FakeKit, http
) -> None:
    server.inject("repeat_cursor", path="/v4/broadcasts/1")

    status, body = await call(http, "GET", "/v4/broadcasts/1")

    assert status == 200
    assert body == {"broadcast": server.broadcast(1)}


async def test_a_slow_write_is_made_even_when_the_client_gave_up_waiting() -> None:
    # Kit makes the write and answers late; a client that timed out must not
    # assume it was not made.
    async with FakeKit(broadcasts=0) as server:
        server.inject("slow", delay=0.5, method="POST")
        headers = {"X-Kit-Api-Key": server.api_key}
        async with aiohttp.ClientSession(base_url=server.url, headers=headers) as http:
            with pytest.raises(TimeoutError):
                await call(
                    http,
                    "POST",
                    "/v4/broadcasts",
                    json={"subject": "Once"},
                    timeout=aiohttp.ClientTimeout(total=0.1),
                )
    # Closed: the late answer was given (and recorded) first.
    assert [b.subject for b in server.account.broadcasts.values()] == ["Once"]
    assert [(r.method, r.status) for r in server.requests] == [("POST", 201)]


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/v4/broadcasts/3"), ("GET", "/v4/broadcasts/1")],
    ids=["204-route", "200-route"],
)
async def test_a_reset_never_sends_a_complete_answer(
    server: FakeKit, http, method: str, path: str
) -> None:
    # On a route that answers 204 there is no body to cut in half: the reset
    # must still leave the client without a complete answer.
    server.inject("reset", method=method)

    with pytest.raises(aiohttp.ClientPayloadError):
        await call(http, method, path)
    assert (server.requests[-1].method, server.requests[-1].status) == (method, 0)


async def test_a_reset_delete_was_still_carried_out(server: FakeKit, http) -> None:
    server.inject("reset", method="DELETE")

    with pytest.raises(aiohttp.ClientPayloadError):
        await call(http, "DELETE", "/v4/broadcasts/3")
    assert 3 not in server.account.broadcasts
