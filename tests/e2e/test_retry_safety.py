"""Retry safety end to end: what is sent again after each failure, counted at FakeKit.

A failure that may have reached Kit (a 5xx, a cut connection, a timeout) is
retried only for a call that a repeat cannot turn into a second record; a
429 (Kit refused it: nothing happened) is retried for every call. Each test
counts the attempts where they land, at the server, and checks FakeKit's
state: a create sent twice would leave two records there.

The conftest's `stamina.set_testing(True, attempts=4, cap=True)` keeps the
retries (up to 4 attempts) and drops their waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from kit_async import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    KitClient,
    NotFoundError,
    RateLimitError,
)
from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
TOKEN = "oauth-access-token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LostAnswers:
    """Kit's worst cases for a write: the route runs (the record is made), then the answer is lost.

    FakeKit's own `"500"` fault answers without running the route, and its
    `"slow"` fault waits before it; this middleware, inside FakeKit's gate,
    lets the route run first and then replaces its answer with a 5xx
    (`fail_next`) or holds it back (`delay_next`), once per planned request.
    """

    def __init__(self) -> None:
        self.plans: list[tuple[str, str, int | None, float]] = []

    def fail_next(self, method: str, path: str, *, status: int = 500) -> None:
        self.plans.append((method, path, status, 0.0))

    def delay_next(self, method: str, path: str, *, delay: float) -> None:
        self.plans.append((method, path, None, delay))

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        for plan in self.plans:
            method, path, status, delay = plan
            if (request.method, request.path) == (method, path):
                self.plans.remove(plan)
                if status is not None:
                    return web.Response(status=status, body=b"", content_type="application/json")
                await asyncio.sleep(delay)  # the record exists; the answer comes too late
                break
        return response


@pytest.fixture
def lost() -> LostAnswers:
    return LostAnswers()


@pytest.fixture
async def server(lost: LostAnswers) -> AsyncIterator[FakeKit]:
    fake = FakeKit(broadcasts=2, drafts=1, clicks=3, clock=lambda: NOW, access_token=TOKEN)
    fake.app.middlewares.append(lost.middleware)  # before start: the app is not frozen yet
    async with fake:
        yield fake


@pytest.fixture
async def kit(server: FakeKit) -> AsyncIterator[KitClient]:
    async with KitClient(
        server.api_key, base_url=server.url, rate_limit=None, timeout=5.0
    ) as client:
        yield client


@pytest.fixture
async def oauth_kit(server: FakeKit) -> AsyncIterator[KitClient]:
    async with KitClient(access_token=TOKEN, base_url=server.url, rate_limit=None) as client:
        yield client


def answers(server: FakeKit, method: str, path: str) -> list[int]:
    """The statuses FakeKit answered to `method path`, in order: one per attempt."""
    return [r.status for r in server.requests if (r.method, r.path) == (method, path)]


def subjects(server: FakeKit) -> list[str | None]:
    return [b.subject for b in server.account.broadcasts.values()]


async def returned(call: Awaitable[object]) -> object:
    """What a call returns at run time (a method typed `-> None` included)."""
    return await call


# -- (a) a create answered 500 is sent once ---------------------------------------------------


async def test_a_broadcast_create_answered_500_is_sent_exactly_once(
    server: FakeKit, kit: KitClient
) -> None:
    server.inject("500", method="POST", path="/v4/broadcasts")

    with pytest.raises(InternalServerError) as failed:
        await kit.broadcasts.create(subject="Launch")

    assert failed.value.attempts == 1
    assert answers(server, "POST", "/v4/broadcasts") == [500]
    assert "Launch" not in subjects(server)  # FakeKit's 500 made nothing; no retry made one


async def test_a_broadcast_create_that_kit_made_before_its_500_exists_once(
    server: FakeKit, kit: KitClient, lost: LostAnswers
) -> None:
    lost.fail_next("POST", "/v4/broadcasts", status=500)

    with pytest.raises(InternalServerError) as failed:
        await kit.broadcasts.create(subject="Launch")

    assert failed.value.attempts == 1
    assert answers(server, "POST", "/v4/broadcasts") == [500]
    assert subjects(server).count("Launch") == 1  # Kit made it once; nothing made it twice


# -- (b) an upsert goes through 500 and 503 ------------------------------------------------


async def test_a_subscriber_upsert_goes_through_a_500_and_a_503_to_one_subscriber(
    server: FakeKit, kit: KitClient
) -> None:
    server.inject("500", method="POST", path="/v4/subscribers")
    server.inject("503", method="POST", path="/v4/subscribers")

    result = await kit.subscribers.create("ada@example.com", first_name="Ada")

    assert answers(server, "POST", "/v4/subscribers") == [500, 503, 201]
    assert result.created
    (ada,) = server.account.subscribers.values()
    assert (ada.id, ada.email_address, ada.first_name) == (result.item.id, "ada@example.com", "Ada")


async def test_an_upsert_kit_made_before_its_500s_is_found_by_the_retries(
    server: FakeKit, kit: KitClient, lost: LostAnswers
) -> None:
    lost.fail_next("POST", "/v4/subscribers", status=500)
    lost.fail_next("POST", "/v4/subscribers", status=503)

    result = await kit.subscribers.create("ada@example.com")

    assert answers(server, "POST", "/v4/subscribers") == [500, 503, 200]
    assert len(server.account.subscribers) == 1
    # The first attempt made the subscriber; the third found it (documented in docs/api.md).
    assert (result.created, result.item.email_address) == (False, "ada@example.com")


# -- (c) a 429 is retried for every write ---------------------------------------------------


async def test_a_broadcast_create_refused_with_429_is_sent_again_and_made_once(
    server: FakeKit, kit: KitClient
) -> None:
    server.inject("429", method="POST", path="/v4/broadcasts")

    draft = await kit.broadcasts.create(subject="Launch")

    assert answers(server, "POST", "/v4/broadcasts") == [429, 201]
    assert server.rate_limited == 1
    assert subjects(server).count("Launch") == 1
    assert server.account.broadcasts[draft.id].subject == "Launch"


async def test_a_tag_create_refused_with_429_is_sent_again(server: FakeKit, kit: KitClient) -> None:
    server.inject("429", times=2, method="POST", path="/v4/tags")

    result = await kit.tags.create("VIP")

    assert answers(server, "POST", "/v4/tags") == [429, 429, 201]
    assert result.created
    assert [tag.name for tag in server.account.tags.values()] == ["VIP"]


async def test_a_create_refused_with_429_on_every_attempt_makes_nothing(
    server: FakeKit, kit: KitClient
) -> None:
    server.inject("429", times=4, method="POST", path="/v4/broadcasts")

    with pytest.raises(RateLimitError) as failed:
        await kit.broadcasts.create(subject="Launch")

    assert failed.value.attempts == 4
    assert answers(server, "POST", "/v4/broadcasts") == [429] * 4
    assert "Launch" not in subjects(server)


# -- (d) a DELETE answered 204 returns None ------------------------------------------------


async def test_a_delete_answered_204_returns_none_and_deletes(
    server: FakeKit, kit: KitClient
) -> None:
    draft = await kit.broadcasts.create(subject="Never mind")

    assert await returned(kit.broadcasts.delete(draft.id)) is None

    assert answers(server, "DELETE", f"/v4/broadcasts/{draft.id}") == [204]
    assert draft.id not in server.account.broadcasts


async def test_a_delete_through_request_answered_204_returns_none(
    server: FakeKit, kit: KitClient
) -> None:
    draft = await kit.broadcasts.create(subject="Never mind")

    assert await returned(kit.request("DELETE", f"/v4/broadcasts/{draft.id}")) is None

    assert answers(server, "DELETE", f"/v4/broadcasts/{draft.id}") == [204]
    assert draft.id not in server.account.broadcasts


async def test_a_delete_answered_503_is_sent_again_and_returns_none(
    server: FakeKit, kit: KitClient
) -> None:
    field = server.add_custom_field("Temporary")
    server.inject("503", method="DELETE")

    assert await returned(kit.custom_fields.delete(field.id)) is None

    assert answers(server, "DELETE", f"/v4/custom_fields/{field.id}") == [503, 204]
    assert server.account.custom_fields == {}


async def test_a_delete_kit_made_before_its_503_returns_none(
    server: FakeKit, kit: KitClient, lost: LostAnswers
) -> None:
    draft = await kit.broadcasts.create(subject="Never mind")
    lost.fail_next("DELETE", f"/v4/broadcasts/{draft.id}", status=503)

    assert await returned(kit.broadcasts.delete(draft.id)) is None

    assert answers(server, "DELETE", f"/v4/broadcasts/{draft.id}") == [503, 404]
    assert draft.id not in server.account.broadcasts


# -- (e) a cut connection: a create is not sent again --------------------------------------


def _purchase() -> dict[str, Any]:
    return {
        "email_address": "buyer@example.com",
        "transaction_id": "order-1",
        "status": "paid",
        "currency": "USD",
        "transaction_time": NOW,
        "subtotal": 10.0,
        "tax": 0.0,
        "shipping": 0.0,
        "discount": 0.0,
        "total": 10.0,
        "products": [
            {
                "name": "Mug",
                "pid": "p-1",
                "lid": "l-1",
                "quantity": 1,
                "unit_price": 10.0,
                "sku": "M",
            }
        ],
    }


Create = Callable[[KitClient], Awaitable[Any]]
CREATES: dict[str, tuple[str, Create, Callable[[FakeKit], int]]] = {
    "broadcast": (
        "/v4/broadcasts",
        lambda kit: kit.broadcasts.create(subject="Once"),
        lambda server: subjects(server).count("Once"),
    ),
    "snippet": (
        "/v4/snippets",
        lambda kit: kit.snippets.create(name="Once", snippet_type="inline", content="Hi"),
        lambda server: len(server.account.snippets),
    ),
    "sequence": (
        "/v4/sequences",
        lambda kit: kit.sequences.create(name="Once"),
        lambda server: len(server.account.sequences),
    ),
    "sequence email": (
        "/v4/sequences/1/emails",
        lambda kit: kit.sequences.create_email(1, subject="Once", delay_value=0, delay_unit="days"),
        lambda server: len(server.account.sequence_emails),
    ),
}


@pytest.mark.parametrize("what", CREATES)
async def test_a_create_whose_answer_was_cut_is_not_sent_again(
    server: FakeKit, kit: KitClient, what: str
) -> None:
    path, create, made = CREATES[what]
    server.add_sequence("Course")  # sequence 1, for the sequence email
    before = made(server)
    # The route runs (Kit makes the record), then the answer is cut mid-body.
    server.inject("reset", method="POST", path=path)

    with pytest.raises(APIConnectionError) as failed:
        await create(kit)

    assert not failed.value.connect_failed
    assert failed.value.attempts == 1
    assert len(answers(server, "POST", path)) == 1
    assert made(server) == before + 1


async def test_a_purchase_whose_answer_was_cut_is_not_sent_again(
    server: FakeKit, oauth_kit: KitClient
) -> None:
    server.inject("reset", method="POST", path="/v4/purchases")

    with pytest.raises(APIConnectionError):
        await oauth_kit.purchases.create(**_purchase())

    assert len(answers(server, "POST", "/v4/purchases")) == 1
    # Sent again, Kit would have appended the mug a second time.
    (purchase,) = server.account.purchases.values()
    assert len(purchase.products) == 1


async def test_an_upsert_whose_answer_was_cut_is_sent_again_and_finds_the_record(
    server: FakeKit, kit: KitClient
) -> None:
    server.inject("reset", method="POST", path="/v4/tags")

    result = await kit.tags.create("VIP")

    assert len(answers(server, "POST", "/v4/tags")) == 2
    assert [tag.name for tag in server.account.tags.values()] == ["VIP"]
    assert not result.created  # the retry found what the first attempt made


# -- (f) a timeout: a create is not sent again, a GET is ----------------------------------------


async def test_a_create_that_timed_out_is_not_sent_again() -> None:
    async with FakeKit(broadcasts=0) as server:
        slow = server.inject("slow", times=2, delay=0.6, method="POST", path="/v4/broadcasts")
        async with KitClient(
            server.api_key, base_url=server.url, rate_limit=None, timeout=0.2
        ) as kit:
            with pytest.raises(APITimeoutError) as failed:
                await kit.broadcasts.create(subject="Once")
        assert failed.value.attempts == 1
        assert slow.times == 1  # one request reached FakeKit: a second would take the other use


async def test_a_create_kit_made_but_answered_too_late_exists_once(lost: LostAnswers) -> None:
    server = FakeKit(broadcasts=0)
    server.app.middlewares.append(lost.middleware)
    async with server:
        lost.delay_next("POST", "/v4/broadcasts", delay=0.6)
        async with KitClient(
            server.api_key, base_url=server.url, rate_limit=None, timeout=0.2
        ) as kit:
            with pytest.raises(APITimeoutError) as failed:
                await kit.broadcasts.create(subject="Once")
        assert failed.value.attempts == 1
    # Closing waits for the late answer's handler: FakeKit saw one POST, made one broadcast.
    assert answers(server, "POST", "/v4/broadcasts") == [201]
    assert subjects(server) == ["Once"]


async def test_a_write_delayed_by_the_slow_fault_is_made_after_the_client_gave_up() -> None:
    async with FakeKit(broadcasts=0) as server:
        server.inject("slow", delay=0.6, method="POST", path="/v4/broadcasts")
        async with KitClient(
            server.api_key, base_url=server.url, rate_limit=None, timeout=0.2
        ) as kit:
            with pytest.raises(APITimeoutError):
                await kit.broadcasts.create(subject="Once")
    assert subjects(server) == ["Once"]
    assert answers(server, "POST", "/v4/broadcasts") == [201]


async def test_a_get_that_timed_out_is_sent_again() -> None:
    async with FakeKit(broadcasts=3, drafts=0) as server:
        slow = server.inject("slow", delay=0.6, method="GET", path="/v4/broadcasts/2")
        async with KitClient(
            server.api_key, base_url=server.url, rate_limit=None, timeout=0.2
        ) as kit:
            broadcast = await kit.broadcasts.get(2)
        assert broadcast.subject == "Broadcast 2"
        assert slow.times == 0
        assert answers(server, "GET", "/v4/broadcasts/2") == [200]  # the second attempt
    assert answers(server, "GET", "/v4/broadcasts/2") == [200, 200]  # and the slow first one


async def test_an_upsert_kit_made_but_answered_too_late_is_sent_again_and_found(
    lost: LostAnswers,
) -> None:
    server = FakeKit(broadcasts=0)
    server.app.middlewares.append(lost.middleware)
    async with server:
        lost.delay_next("POST", "/v4/subscribers", delay=0.6)
        async with KitClient(
            server.api_key, base_url=server.url, rate_limit=None, timeout=0.2
        ) as kit:
            result = await kit.subscribers.create("ada@example.com")
        assert (result.created, result.item.email_address) == (False, "ada@example.com")
    assert len(server.account.subscribers) == 1
    # The first attempt made it (its 201 came late); the retry found it (200).
    assert sorted(answers(server, "POST", "/v4/subscribers")) == [200, 201]


async def test_a_get_that_kit_answered_with_404_is_not_sent_again(
    server: FakeKit, kit: KitClient
) -> None:
    with pytest.raises(NotFoundError) as missing:
        await kit.broadcasts.get(999)

    assert missing.value.attempts == 1
    assert answers(server, "GET", "/v4/broadcasts/999") == [404]


async def test_a_delete_of_something_that_never_existed_is_still_not_found(
    server: FakeKit, kit: KitClient
) -> None:
    # No earlier attempt can have deleted it: the 404 is the answer.
    with pytest.raises(NotFoundError):
        await kit.broadcasts.delete(987_654)


async def test_a_delete_refused_only_for_rate_limit_and_then_not_found_is_not_found(
    server: FakeKit, kit: KitClient
) -> None:
    # A 429 means Kit did nothing, so the retry's 404 is the truth.
    server.inject("429", path="/v4/broadcasts/987655", method="DELETE")
    with pytest.raises(NotFoundError):
        await kit.broadcasts.delete(987_655)
