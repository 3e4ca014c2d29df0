"""End to end: `kit.forms`, run by the real client against FakeKit's forms.

FakeKit keeps forms, subscribers and who joined which form, answers an add
with 201 (added) or 200 (already there) like Kit, and records every request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kit_async import KitClient, NotFoundError, Subscriber
from kit_async.testing import FakeKit

JOIN = "https://example.com/join?utm_source=ads&utm_medium=cpc&utm_campaign=spring"


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=1, clicks=1) as fake:
        yield fake


def client_for(server: FakeKit, **options: Any) -> KitClient:
    options.setdefault("rate_limit", None)
    options.setdefault("timeout", 5.0)
    return KitClient(server.api_key, base_url=server.url, **options)


def posts_to(server: FakeKit, path: str) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path == path)


async def test_a_signup_flow_lists_forms_adds_subscribers_and_reads_them_back(
    server: FakeKit,
) -> None:
    newsletter = server.add_form("Newsletter")
    server.add_form("Launch", type="hosted")
    server.add_form("Old giveaway", status="archived")
    alice = server.add_subscriber("alice@example.com", first_name="Alice")
    bob = server.add_subscriber("bob@example.com")

    async with client_for(server) as kit:
        active = [form.name async for form in kit.forms.list()]
        hosted = [form.name async for form in kit.forms.list(type="hosted")]
        every = [form.name async for form in kit.forms.list(status="all", per_page=1)]

        first = await kit.forms.add_subscriber(
            newsletter.id, email_address="alice@example.com", referrer=JOIN
        )
        again = await kit.forms.add_subscriber(newsletter.id, subscriber_id=alice.id)
        bob_added = await kit.forms.add_subscriber(newsletter.id, subscriber_id=bob.id)
        members = [s async for s in kit.forms.subscribers(newsletter.id, per_page=1)]
        counted = {
            form.name: form.subscriber_count
            async for form in kit.forms.list(include_subscriber_count=True)
        }

    assert sorted(active) == ["Launch", "Newsletter"]
    assert hosted == ["Launch"]
    assert sorted(every) == ["Launch", "Newsletter", "Old giveaway"]  # one page each
    assert (first.created, again.created, bob_added.created) == (True, False, True)
    assert first.item.referrer == JOIN
    assert first.item.referrer_utm_parameters is not None
    assert first.item.referrer_utm_parameters["source"] == "ads"
    assert again.item.added_at == first.item.added_at  # the first subscription is kept
    assert {s.email_address for s in members} == {"alice@example.com", "bob@example.com"}
    assert all(isinstance(s, Subscriber) and s.added_at is not None for s in members)
    assert counted == {"Newsletter": 2, "Launch": 0}


async def test_added_after_keeps_only_the_later_subscriptions(server: FakeKit) -> None:
    form = server.add_form("Newsletter")
    early = datetime(2025, 1, 10, tzinfo=UTC)
    server.subscribe_to_form(form, server.add_subscriber("early@example.com"), at=early)
    server.subscribe_to_form(
        form, server.add_subscriber("late@example.com"), at=early + timedelta(days=30)
    )

    async with client_for(server) as kit:
        late = [
            s.email_address
            async for s in kit.forms.subscribers(form.id, added_after=early + timedelta(days=1))
        ]
    assert late == ["late@example.com"]


async def test_twenty_concurrent_adds_of_one_subscriber_make_one_subscription(
    server: FakeKit,
) -> None:
    form = server.add_form("Newsletter")
    server.add_subscriber("alice@example.com")

    async with client_for(server) as kit:
        results = await asyncio.gather(
            *(
                kit.forms.add_subscriber(form.id, email_address="alice@example.com")
                for _ in range(20)
            )
        )

    assert sorted(result.created for result in results) == [False] * 19 + [True]
    assert len({result.item.id for result in results}) == 1
    assert len(server.account.form_subscriptions[form.id]) == 1


async def test_an_add_whose_answer_is_lost_is_sent_again_and_finds_the_subscription(
    server: FakeKit,
) -> None:
    form = server.add_form("Newsletter")
    alice = server.add_subscriber("alice@example.com")
    path = f"/v4/forms/{form.id}/subscribers/{alice.id}"
    server.inject("reset", path=path, method="POST")  # Kit added her; the answer is cut

    async with client_for(server) as kit:
        result = await kit.forms.add_subscriber(form.id, subscriber_id=alice.id)

    assert result.created is False  # the retry found what the first attempt did
    assert posts_to(server, path) == 2
    assert list(server.account.form_subscriptions[form.id]) == [alice.id]


async def test_an_unknown_form_or_address_is_a_not_found_error(server: FakeKit) -> None:
    form = server.add_form("Newsletter")
    async with client_for(server) as kit:
        with pytest.raises(NotFoundError) as unknown_form:
            await kit.forms.subscribers(form.id + 100)
        with pytest.raises(NotFoundError) as unknown_address:
            await kit.forms.add_subscriber(form.id, email_address="nobody@example.com")
    assert unknown_form.value.resource_id == form.id + 100
    assert unknown_address.value.path_params == {"form_id": form.id}
