"""`kit.with_raw_response()` against FakeKit: Kit's answer beside the value a call returns."""

from __future__ import annotations

import asyncio

import pytest

from kit_async import (
    Broadcast,
    InternalServerError,
    KitClient,
    KitError,
    NotFoundError,
    Page,
    RawResponse,
)
from kit_async._core.declarations import Resource
from kit_async._resources.broadcasts import GET as BROADCAST
from kit_async.testing import FakeKit


class Idle(Resource):
    async def rest(self) -> None:
        """A method that sends nothing."""

    async def twice(self) -> Broadcast:
        """A method that sends two requests."""
        await BROADCAST.call(self._transport, {"id": 1})
        return await BROADCAST.call(self._transport, {"id": 2})


async def test_a_retried_call_reports_its_status_headers_attempts_and_time(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("503", times=2, path="/v4/broadcasts/1")
    loop = asyncio.get_running_loop()
    started = loop.time()
    raw = await kit.with_raw_response(kit.broadcasts.get, 1)
    took = loop.time() - started
    assert raw.status_code == 200
    assert raw.attempts == 3
    assert (raw.method, raw.path) == ("GET", "/v4/broadcasts/1")
    assert raw.headers["content-type"].startswith("application/json")
    assert 0 < raw.elapsed <= took
    assert raw.parse() == await kit.broadcasts.get(1)


async def test_one_attempt_is_counted_as_one(kit: KitClient) -> None:
    raw = await kit.with_raw_response(kit.account.get)
    assert raw.attempts == 1
    assert raw.parse() == await kit.account.get()


async def test_the_headers_are_the_responses_never_the_requests(kit: KitClient) -> None:
    raw = await kit.with_raw_response(
        kit.with_options(extra_headers={"X-Request-Id": "r-1"}).broadcasts.get, 1
    )
    sent = {"x-kit-api-key", "user-agent", "accept", "x-request-id", "authorization"}
    assert not sent & {name.lower() for name in raw.headers}
    assert kit.base_url not in repr(raw.headers)
    with pytest.raises(TypeError):
        raw.headers["X-Kit-Api-Key"] = "x"  # type: ignore[index]


async def test_a_list_method_gives_its_first_page(kit: KitClient) -> None:
    raw = await kit.with_raw_response(kit.broadcasts.clicks, 1, per_page=100)
    page = raw.parse()
    assert isinstance(page, Page)
    assert page == await kit.broadcasts.clicks(1, per_page=100)
    assert len(page.items) == 100
    assert raw.path == "/v4/broadcasts/1/clicks"
    after = await kit.with_raw_response(
        kit.broadcasts.clicks, 1, per_page=100, after=page.pagination.end_cursor
    )
    assert after.parse().items[0] != page.items[0]


async def test_kit_request_gives_the_decoded_body(kit: KitClient) -> None:
    raw = await kit.with_raw_response(kit.request, "GET", "/v4/broadcasts/1")
    assert raw.status_code == 200
    assert raw.parse() == await kit.request("GET", "/v4/broadcasts/1")


async def test_a_create_and_a_delete_give_kits_statuses(kit: KitClient) -> None:
    created = await kit.with_raw_response(kit.custom_fields.create, "Raw field")
    assert created.status_code == 201
    assert created.parse().created
    again = await kit.with_raw_response(kit.custom_fields.create, "Raw field")
    assert (again.status_code, again.parse().created) == (200, False)
    field = created.parse().item
    removed = await kit.with_raw_response(kit.custom_fields.delete, field.id)
    assert (removed.status_code, removed.parse()) == (204, None)


async def test_an_error_status_raises_as_for_the_method(fake_kit: FakeKit, kit: KitClient) -> None:
    with pytest.raises(NotFoundError):
        await kit.with_raw_response(kit.broadcasts.get, 999_999)
    fake_kit.inject("500", times=1, path="/v4/broadcasts/1")
    once = kit.with_options(max_retries=0)
    with pytest.raises(InternalServerError) as caught:
        await kit.with_raw_response(once.broadcasts.get, 1)
    assert caught.value.attempts == 1


async def test_a_body_that_cannot_be_decoded_raises_from_parse_only(
    fake_kit: FakeKit, kit: KitClient
) -> None:
    fake_kit.inject("truncated", times=1, path="/v4/broadcasts/1")
    raw = await kit.with_raw_response(kit.with_options(max_retries=0).broadcasts.get, 1)
    assert raw.status_code == 200
    with pytest.raises(KitError) as caught:
        raw.parse()
    assert caught.value.path == "/v4/broadcasts/1"


async def test_what_is_not_one_request_is_refused(fake_kit: FakeKit, kit: KitClient) -> None:
    with pytest.raises(TypeError, match="not one request"):
        await kit.with_raw_response(kit.iter_clicks_for_broadcasts, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a method of a KitClient"):
        await kit.with_raw_response(lambda: kit.broadcasts.get(1))
    with pytest.raises(TypeError, match="sent no request"):
        await kit.with_raw_response(Idle(kit.broadcasts._transport).rest)
    with pytest.raises(TypeError, match="more than one request"):
        await kit.with_raw_response(Idle(kit.broadcasts._transport).twice)
    assert [r.path for r in fake_kit.requests] == ["/v4/broadcasts/1"]
    with pytest.raises(TypeError, match="neither opened nor closed"):
        await kit.with_raw_response(kit.aclose)
    assert not kit.closed


async def test_a_method_of_another_client_is_refused(fake_kit: FakeKit, kit: KitClient) -> None:
    async with KitClient(fake_kit.api_key, base_url=fake_kit.url) as other:
        with pytest.raises(ValueError, match="another KitClient"):
            await kit.with_raw_response(other.broadcasts.get, 1)
    raw: RawResponse[object] = await kit.with_options(timeout=3.0).with_raw_response(
        kit.broadcasts.get, 1
    )
    assert raw.status_code == 200
