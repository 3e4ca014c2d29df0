"""`kit.subscribers` and `kit.custom_fields` end to end: the real client against FakeKit.

Realistic flows over loopback HTTP, through the limiter, retries, auth and
pagination, including concurrent writes to one record.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from kit_async import (
    BadRequestError,
    KitClient,
    NotFoundError,
    PinnedLocation,
    UnprocessableEntityError,
)
from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=lambda: NOW) as fake:
        yield fake


@pytest.fixture
async def kit(server: FakeKit) -> AsyncIterator[KitClient]:
    async with KitClient(server.api_key, base_url=server.url, rate_limit=None) as client:
        yield client


async def test_twenty_concurrent_upserts_of_one_address_make_one_subscriber(
    server: FakeKit, kit: KitClient
) -> None:
    results = await asyncio.gather(
        *(kit.subscribers.create("ada@example.com", first_name=f"Ada {n}") for n in range(20))
    )

    assert len({result.item.id for result in results}) == 1
    assert sum(result.created for result in results) == 1
    assert len(server.account.subscribers) == 1
    listed = [s.email_address async for s in kit.subscribers.list(status="all")]
    assert listed == ["ada@example.com"]


async def test_a_subscriber_is_created_found_updated_tagged_and_unsubscribed(
    server: FakeKit, kit: KitClient
) -> None:
    await kit.custom_fields.create("Company")
    created = await kit.subscribers.create(
        "grace@example.com", first_name="Grace", fields={"Company": "Navy"}
    )
    subscriber_id = created.item.id
    assert (created.created, created.item.fields) == (True, {"company": "Navy"})

    updated = await kit.subscribers.update(
        subscriber_id, email_address="grace.hopper@example.com", fields={"Company": "Univac"}
    )
    assert (updated.email_address, updated.fields["company"]) == (
        "grace.hopper@example.com",
        "Univac",
    )
    (found,) = [s async for s in kit.subscribers.list(email_address=["grace.hopper@example.com"])]
    assert found.id == subscriber_id

    vip = await kit.tags.create("VIP")
    await kit.tags.tag_subscriber(vip.item.id, subscriber_id=subscriber_id)
    assert [tag.name async for tag in kit.subscribers.tags(subscriber_id)] == ["VIP"]

    await kit.subscribers.unsubscribe(subscriber_id)
    await kit.subscribers.unsubscribe(subscriber_id)  # harmless again
    gone = await kit.subscribers.get(subscriber_id)
    assert (gone.state, gone.canceled_at) == ("cancelled", NOW)
    cancelled = [
        s.canceled_at
        async for s in kit.subscribers.list(
            status="cancelled", include=["canceled_at"], sort_field="cancelled_at"
        )
    ]
    assert cancelled == [NOW]


async def test_filter_pages_through_every_match_with_int_ids(
    server: FakeKit, kit: KitClient
) -> None:
    for n in range(7):
        record = server.add_subscriber(
            f"s{n}@example.com", created_at=datetime(2026, 1, n + 1, tzinfo=UTC)
        )
        record.stats.update(opened=n)
    server.add_subscriber("gone@example.com", state="cancelled")

    conditions: list[dict[str, Any]] = [
        {"type": "opens", "count_greater_than_or_equal": 2, "after": date(2026, 1, 1)},
        {"type": "subscriber_state", "states": ["active"]},
    ]
    pages = [page async for page in kit.subscribers.filter(conditions, per_page=2).pages()]

    assert [len(page.items) for page in pages] == [2, 2, 1]
    matches = [s for page in pages for s in page.items]
    assert [s.email_address for s in matches] == [f"s{n}@example.com" for n in range(6, 1, -1)]
    assert all(isinstance(s.id, int) for s in matches)
    assert (await kit.subscribers.get(matches[0].id)).email_address == "s6@example.com"
    filters = [r for r in server.requests if r.path == "/v4/subscribers/filter"]
    assert len(filters) == 3


async def test_filter_includes_tags_and_stats(server: FakeKit, kit: KitClient) -> None:
    ada = server.add_subscriber("ada@example.com")
    ada.stats.update(sent=3, opened=2, open_rate=0.66666)
    tag = server.add_tag("Engineers")
    server.tag_subscriber(tag, ada)

    (match,) = [
        s
        async for s in kit.subscribers.filter(
            [{"type": "tags", "any": [{"type": "ids", "matching": [tag.id]}]}],
            include=["tags", {"type": "stats"}],
        )
    ]

    assert (match.tag_ids, match.tag_names) == ((tag.id,), ("Engineers",))
    assert [t.name for t in match.tags] == ["Engineers"]
    assert match.stats is not None
    assert (match.stats.sent, match.stats.open_rate) == (3, 0.667)


async def test_a_location_is_pinned_replaced_and_removed(server: FakeKit, kit: KitClient) -> None:
    subscriber = (await kit.subscribers.create("boise@example.com")).item

    pin = await kit.subscribers.pin_location(subscriber.id, country_code="US", city="Boise")
    assert pin == PinnedLocation(subscriber.id, "US", "Boise")

    moved = await kit.subscribers.update_location(
        subscriber.id,
        city="Denver",
        state_province="Colorado",
        country_code="US",
        latitude=39.74,
        longitude=-104.99,
        timezone="America/Denver",
    )
    assert (moved.city, moved.latitude) == ("Denver", 39.74)
    shown = (await kit.subscribers.get(subscriber.id)).location
    assert shown is not None
    assert (shown["city"], shown["state"], shown["country"]) == ("Denver", "Colorado", "US")

    await kit.subscribers.delete_location(subscriber.id)
    assert (await kit.subscribers.get(subscriber.id)).location is None
    with pytest.raises(NotFoundError):
        await kit.subscribers.delete_location(999)


async def test_stats_are_read_and_dates_beyond_five_years_refused(
    server: FakeKit, kit: KitClient
) -> None:
    record = server.add_subscriber("reader@example.com")
    record.stats.update(sent=4, opened=1, open_rate=0.25)

    stats = await kit.subscribers.stats(record.id, email_sent_after=date(2026, 1, 1))

    assert (stats.sent, stats.opened, stats.open_rate) == (4, 1, 0.25)
    with pytest.raises(BadRequestError, match="5-year"):
        await kit.subscribers.stats(record.id, email_sent_after=date(2001, 1, 1))


async def test_custom_fields_are_created_once_renamed_listed_and_deleted(
    server: FakeKit, kit: KitClient
) -> None:
    results = await asyncio.gather(*(kit.custom_fields.create("Zip code") for _ in range(10)))
    assert len({r.item.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    field = results[0].item
    assert (field.key, field.name) == ("zip_code", f"ck_field_{field.id}_zip_code")

    renamed = await kit.custom_fields.update(field.id, "Post code")
    assert (renamed.key, renamed.name) == ("post_code", field.name)
    await kit.custom_fields.create("Company")
    with pytest.raises(UnprocessableEntityError):
        await kit.custom_fields.update(field.id, "Company")

    labels = [f.label async for f in kit.custom_fields.list(per_page=1)]
    assert sorted(labels) == ["Company", "Post code"]

    await kit.custom_fields.delete(field.id)
    with pytest.raises(NotFoundError):
        await kit.custom_fields.delete(field.id)
