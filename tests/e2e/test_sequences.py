"""End to end: `kit.sequences`, run by the real client against FakeKit's sequences.

FakeKit keeps sequences with Kit's defaults and checks, their emails by
position (days and hours rules, only the first immediate) and their
subscribers, and records every request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kit_async import (
    APIConnectionError,
    EmailSequence,
    KitClient,
    NotFoundError,
    SubscriberSource,
    UnprocessableEntityError,
)
from kit_async.testing import FakeKit


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=1, clicks=1) as fake:
        yield fake


def client_for(server: FakeKit, **options: Any) -> KitClient:
    options.setdefault("rate_limit", None)
    options.setdefault("timeout", 5.0)
    return KitClient(server.api_key, base_url=server.url, **options)


async def test_a_course_is_built_scheduled_paused_and_deleted(server: FakeKit) -> None:
    async with client_for(server) as kit:
        sequence = await kit.sequences.create(
            name="Course",
            send_days=["monday", "wednesday"],
            send_hour=9,
            time_zone="Europe/Paris",
            hold=True,
            exclude_subscriber_sources=[SubscriberSource("tag", (3,))],
        )
        listed = [s async for s in kit.sequences.list()]
        paused = await kit.sequences.update(sequence.id, active=False)
        fetched = await kit.sequences.get(sequence.id, include_stats=True)

        welcome = await kit.sequences.create_email(
            sequence.id, subject="Welcome", delay_value=0, delay_unit="days", content="<p>Hi</p>"
        )
        nudge = await kit.sequences.create_email(
            sequence.id, subject="Nudge", delay_value=4, delay_unit="hours"
        )
        lesson = await kit.sequences.create_email(
            sequence.id, subject="Lesson", delay_value=2, delay_unit="days", send_days=["friday"]
        )
        emails = [e async for e in kit.sequences.emails(sequence.id, per_page=2)]
        full = await kit.sequences.get_email(sequence.id, welcome.id)
        published = await kit.sequences.update_email(sequence.id, welcome.id, published=True)
        inherits = await kit.sequences.update_email(sequence.id, lesson.id, send_days=None)
        await kit.sequences.delete_email(sequence.id, nudge.id)
        left = [e.subject async for e in kit.sequences.emails(sequence.id)]

        await kit.sequences.delete(sequence.id)
        with pytest.raises(NotFoundError):
            await kit.sequences.get(sequence.id)

    assert isinstance(sequence, EmailSequence)
    assert (sequence.send_days, sequence.send_hour, sequence.time_zone) == (
        ("monday", "wednesday"),
        9,
        "Europe/Paris",
    )
    assert (sequence.hold, sequence.repeat, sequence.active) == (True, False, True)
    assert sequence.exclude_subscriber_sources == (SubscriberSource("tag", (3,)),)
    assert [s.id for s in listed] == [sequence.id]
    assert (paused.active, paused.name) == (False, "Course")  # the rest is kept
    assert fetched.stats is not None
    assert fetched.email_count == 0

    assert [(e.subject, e.position) for e in emails] == [
        ("Welcome", 0),
        ("Nudge", 1),
        ("Lesson", 2),
    ]
    assert (welcome.published, welcome.send_days) == (False, ("monday", "wednesday"))
    assert nudge.send_days is None  # hour-based emails ignore the schedule
    assert lesson.send_days == ("friday",)
    assert [e.content for e in emails] == [None, None, None]  # not asked for
    assert full.content == "<p>Hi</p>"
    assert published.published is True
    assert inherits.send_days == ("monday", "wednesday")
    assert left == ["Welcome", "Lesson"]


async def test_subscribers_join_by_id_or_address_and_are_listed_with_when(
    server: FakeKit,
) -> None:
    sequence = server.add_sequence("Welcome")
    alice = server.add_subscriber("alice@example.com")
    server.add_subscriber("bob@example.com")

    async with client_for(server) as kit:
        by_id = await kit.sequences.add_subscriber(sequence.id, subscriber_id=alice.id)
        by_email = await kit.sequences.add_subscriber(sequence.id, email_address="bob@example.com")
        again = await kit.sequences.add_subscriber(sequence.id, email_address="alice@example.com")
        members = [s async for s in kit.sequences.subscribers(sequence.id, status="all")]

    assert (by_id.created, by_email.created, again.created) == (True, True, False)
    assert again.item.added_at == by_id.item.added_at
    assert {s.email_address: s.added_at is not None for s in members} == {
        "alice@example.com": True,
        "bob@example.com": True,
    }


async def test_twenty_concurrent_adds_of_one_subscriber_put_them_in_once(server: FakeKit) -> None:
    sequence = server.add_sequence("Welcome")
    server.add_subscriber("alice@example.com")

    async with client_for(server) as kit:
        results = await asyncio.gather(
            *(
                kit.sequences.add_subscriber(sequence.id, email_address="alice@example.com")
                for _ in range(20)
            )
        )

    assert sorted(result.created for result in results) == [False] * 19 + [True]
    assert len(server.account.sequence_subscriptions[sequence.id]) == 1


async def test_concurrent_email_creates_each_make_one_email_in_distinct_positions(
    server: FakeKit,
) -> None:
    sequence = server.add_sequence("Drip")
    async with client_for(server) as kit:
        created = await asyncio.gather(
            *(
                kit.sequences.create_email(
                    sequence.id, subject=f"Day {n}", delay_value=n, delay_unit="days"
                )
                for n in range(1, 11)
            )
        )
        listed = [e async for e in kit.sequences.emails(sequence.id)]

    assert len({email.id for email in created}) == 10
    assert {email.position for email in listed} == set(range(10))


async def test_an_email_create_whose_answer_is_lost_is_not_sent_again(server: FakeKit) -> None:
    sequence = server.add_sequence("Drip")
    path = f"/v4/sequences/{sequence.id}/emails"
    server.inject("reset", path=path, method="POST")  # Kit made it; the answer is cut

    async with client_for(server) as kit:
        with pytest.raises(APIConnectionError):
            await kit.sequences.create_email(
                sequence.id, subject="Once", delay_value=1, delay_unit="days"
            )
        emails = [e.subject async for e in kit.sequences.emails(sequence.id)]

    assert emails == ["Once"]  # a retry would have appended a second copy
    assert sum(1 for r in server.requests if r.method == "POST" and r.path == path) == 1


async def test_kits_sequence_rules_come_back_as_unprocessable_entity_errors(
    server: FakeKit,
) -> None:
    paused = server.add_sequence("Paused", active=False)
    drip = server.add_sequence("Drip")
    server.add_subscriber("alice@example.com")

    async with client_for(server) as kit:
        with pytest.raises(UnprocessableEntityError) as inactive:
            await kit.sequences.add_subscriber(paused.id, email_address="alice@example.com")
        await kit.sequences.create_email(drip.id, subject="1", delay_value=0, delay_unit="days")
        with pytest.raises(UnprocessableEntityError) as second_immediate:
            await kit.sequences.create_email(drip.id, subject="2", delay_value=0, delay_unit="days")
        hourly = await kit.sequences.create_email(
            drip.id, subject="3", delay_value=3, delay_unit="hours"
        )
        with pytest.raises(UnprocessableEntityError) as days_on_hours:
            await kit.sequences.update_email(drip.id, hourly.id, send_days=["monday"])
        with pytest.raises(UnprocessableEntityError) as late_hour:
            await kit.sequences.update(drip.id, send_hour=24)

    assert inactive.value.path_params == {"sequence_id": paused.id}
    assert second_immediate.value.errors
    assert days_on_hours.value.path_params == {"sequence_id": drip.id, "id": hourly.id}
    assert late_hour.value.errors
