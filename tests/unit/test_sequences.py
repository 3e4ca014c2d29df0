"""`kit.sequences`: what each method sends and how it reads Kit's answers.

Unit tests of one layer: a scripted loopback server answers with the examples
of Kit's description, and records what arrived.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from scripted import Scripted

from kit_async import (
    EmailSequence,
    InternalServerError,
    KitClient,
    NotFoundError,
    SequenceEmail,
    SequenceEmailStats,
    SequenceStats,
    Subscriber,
    SubscriberSource,
    UnprocessableEntityError,
)

WHEN = datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)
ALL_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzNd",
    "end_cursor": "WzNd",
    "per_page": 500,
}
# Kit's example of GET /v4/sequences (April 2025): five fields only.
LISTED = {
    "id": 3,
    "name": "Evergreen sequence",
    "hold": False,
    "repeat": False,
    "created_at": "2023-02-17T11:43:55Z",
}
# Kit's example of POST /v4/sequences (201).
CREATED = {
    "id": 31,
    "name": "Full Series",
    "hold": True,
    "repeat": True,
    "created_at": "2026-07-28T03:01:49Z",
    "updated_at": "2026-07-28T03:01:49Z",
    "email_address": "joe1150@ck.lol",
    "email_template_id": 38,
    "send_days": ["monday", "wednesday", "friday"],
    "send_hour": 9,
    "time_zone": "America/Los_Angeles",
    "active": True,
    "exclude_subscriber_sources": [{"type": "sequence", "ids": [30]}, {"type": "tag", "ids": [3]}],
    "email_count": 0,
    "subscriber_count": 0,
}
# Kit's example of GET /v4/sequences/{id}: no address or template of its own.
FETCHED = {
    **CREATED,
    "id": 23,
    "name": "Welcome sequence",
    "email_address": None,
    "email_template_id": None,
    "send_days": ALL_DAYS,
    "exclude_subscriber_sources": [],
}
# A sequence's stats with no deliverability data yet: everything but unsubscribers is null.
NO_DATA_STATS = {
    "unsubscribers": 0,
    **dict.fromkeys(
        [
            "recipients",
            "opens",
            "clicks",
            "email_unsubscribes",
            "bounces",
            "complaints",
            "open_rate",
            "click_rate",
            "click_to_open_rate",
            "unsubscribe_rate",
            "bounce_rate",
            "complaint_rate",
        ]
    ),
}
# Kit's example of GET /v4/sequences/{sequence_id}/emails/{id}.
EMAIL = {
    "id": 26,
    "sequence_id": 130,
    "subject": "Welcome email",
    "preview_text": "Thanks for signing up",
    "email_address": "joe2821@ck.lol",
    "email_template_id": None,
    "published": True,
    "position": 0,
    "delay_value": 0,
    "delay_unit": "days",
    "send_days": ALL_DAYS,
    "content": "<p>Welcome!</p>",
}
EMAIL_STATS = {
    "recipients": 120,
    "opens": 60,
    "clicks": 12,
    "email_unsubscribes": 1,
    "bounces": 0,
    "complaints": 0,
    "open_rate": 50.0,
    "click_rate": 10,
    "click_to_open_rate": 20.0,
    "unsubscribe_rate": 0.83,
    "bounce_rate": 0,
    "complaint_rate": 0,
}
SUBSCRIBER = {
    "id": 724,
    "first_name": None,
    "email_address": "subscriber427@convertkit.dev",
    "state": "active",
    "created_at": "2023-02-17T11:43:55Z",
    "added_at": "2023-02-18T11:43:55Z",
    "fields": {"category": "One"},
}


def client(server: Scripted) -> KitClient:
    return KitClient("kit_sequences_key", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


# -- sequences -------------------------------------------------------------------------------


async def test_list_reads_the_short_items_of_older_accounts(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"sequences": [LISTED], "pagination": PAGE_END}))
    async with client(scripted) as kit:
        (sequence,) = [s async for s in kit.sequences.list()]

    assert sequence == EmailSequence(
        id=3, name="Evergreen sequence", hold=False, repeat=False, created_at=WHEN
    )
    assert (sequence.send_days, sequence.exclude_subscriber_sources, sequence.stats) == (
        None,
        (),
        None,
    )
    assert sent(scripted) == ("GET", "/v4/sequences", [("per_page", "1000")], None)


async def test_list_asks_for_stats_and_reads_null_figures_as_none(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response(
            {"sequences": [{**FETCHED, "stats": NO_DATA_STATS}], "pagination": PAGE_END}
        )
    )
    async with client(scripted) as kit:
        page = await kit.sequences.list(include_stats=True, include_total_count=True, per_page=5)

    (sequence,) = page.items
    assert sequence.stats == SequenceStats(unsubscribers=0)
    assert dict(sent(scripted)[2]) == {
        "include": "stats",
        "include_total_count": "true",
        "per_page": "5",
    }


async def test_get_reads_a_sequence_with_its_schedule_and_exclusions(scripted: Scripted) -> None:
    stats = {**NO_DATA_STATS, "unsubscribers": 2, "recipients": 10, "open_rate": 40}
    scripted.answers += [
        web.json_response({"sequence": FETCHED}),
        web.json_response({"sequence": {**CREATED, "stats": stats}}),
    ]
    async with client(scripted) as kit:
        plain = await kit.sequences.get(23)
        full = await kit.sequences.get(31, include_stats=True)

    assert (plain.email_address, plain.email_template_id, plain.send_days) == (
        None,
        None,
        tuple(ALL_DAYS),
    )
    assert plain.exclude_subscriber_sources == ()
    assert full.exclude_subscriber_sources == (
        SubscriberSource("sequence", (30,)),
        SubscriberSource("tag", (3,)),
    )
    assert (full.send_hour, full.time_zone, full.active) == (9, "America/Los_Angeles", True)
    assert full.stats == SequenceStats(unsubscribers=2, recipients=10, open_rate=40.0)
    assert sent(scripted, 0) == ("GET", "/v4/sequences/23", [], None)
    assert sent(scripted, 1) == ("GET", "/v4/sequences/31", [("include", "stats")], None)


async def test_create_sends_kits_fields_as_given(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"sequence": CREATED}, status=201))
    async with client(scripted) as kit:
        sequence = await kit.sequences.create(
            name="Full Series",
            email_address="joe1150@ck.lol",
            email_template_id=38,
            send_days=("monday", "wednesday", "friday"),
            send_hour=9,
            time_zone="America/Los_Angeles",
            active=True,
            repeat=True,
            hold=True,
            exclude_subscriber_sources=[
                {"type": "tag", "ids": [3]},
                SubscriberSource("sequence", (30,)),
            ],
        )

    assert sequence.id == 31
    assert sent(scripted) == (
        "POST",
        "/v4/sequences",
        [],
        {
            "name": "Full Series",
            "email_address": "joe1150@ck.lol",
            "email_template_id": 38,
            "send_days": ["monday", "wednesday", "friday"],
            "send_hour": 9,
            "time_zone": "America/Los_Angeles",
            "active": True,
            "repeat": True,
            "hold": True,
            "exclude_subscriber_sources": [
                {"type": "tag", "ids": [3]},
                {"type": "sequence", "ids": [30]},
            ],
        },
    )


async def test_create_is_sent_once_after_a_500_because_a_repeat_would_make_a_second_sequence(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.Response(status=500))
    async with client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.sequences.create(name="Once")
    assert len(scripted.received) == 1


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({}, TypeError, r"kit.sequences.create\(\) needs name \(Kit requires it\)"),
        ({"name": None}, TypeError, "needs name"),
        (
            {"name": "A", "send_hours": 9},
            TypeError,
            r"unknown field 'send_hours' \(did you mean 'send_hour'\?\); "
            "Kit's fields are: name, email_address,",
        ),
        ({"name": "A", "title": "B"}, TypeError, r"unknown field 'title'; Kit's fields are"),
        ({"name": "A", "send_days": "monday"}, TypeError, "send_days must be a list of weekdays"),
        ({"name": "A", "send_days": ["Monday"]}, ValueError, "send_days must be one of monday"),
        (
            {"name": "A", "exclude_subscriber_sources": {"type": "tag", "ids": [1]}},
            TypeError,
            "exclude_subscriber_sources must be a list",
        ),
        (
            {"name": "A", "exclude_subscriber_sources": [{"type": "tags", "ids": [1]}]},
            ValueError,
            r"exclude_subscriber_sources\[0\]\['type'\] must be one of tag, sequence, form",
        ),
        (
            {"name": "A", "exclude_subscriber_sources": [{"type": "tag"}]},
            TypeError,
            r"exclude_subscriber_sources\[0\] must be a SubscriberSource or a dict",
        ),
        (
            {"name": "A", "exclude_subscriber_sources": [{"type": "tag", "ids": ["3"]}]},
            TypeError,
            r"exclude_subscriber_sources\[0\]\['ids'\] must be an int",
        ),
        (
            {"name": "A", "exclude_subscriber_sources": [{"type": "tag", "ids": 3}]},
            TypeError,
            r"exclude_subscriber_sources\[0\]\['ids'\] must be a list",
        ),
    ],
)
async def test_bad_sequence_fields_are_refused_before_sending(
    scripted: Scripted, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.sequences.create(**fields)
    assert scripted.received == []


async def test_update_sends_only_the_fields_given(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"sequence": {**CREATED, "active": False}}))
    async with client(scripted) as kit:
        sequence = await kit.sequences.update(31, active=False, send_days=["tuesday"])
    assert sequence.active is False
    assert sent(scripted) == (
        "PUT",
        "/v4/sequences/31",
        [],
        {"active": False, "send_days": ["tuesday"]},
    )


async def test_update_is_retried_after_a_500_like_every_put(scripted: Scripted) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({"sequence": CREATED})]
    async with client(scripted) as kit:
        await kit.sequences.update(31, name="Full Series")
    assert len(scripted.received) == 2


async def test_an_update_without_fields_is_refused(scripted: Scripted) -> None:
    async with client(scripted) as kit:
        with pytest.raises(TypeError, match=r"kit.sequences.update\(\) needs at least one field"):
            await kit.sequences.update(31)
    assert scripted.received == []


async def test_an_unknown_sequence_is_a_not_found_error_naming_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.sequences.update(404, name="x")
    assert (info.value.resource_id, info.value.path) == (404, "/v4/sequences/404")


async def test_kits_422_names_the_refused_field(scripted: Scripted) -> None:
    message = "send_hour must be an integer between 0 and 23"
    scripted.answers.append(web.json_response({"errors": [message]}, status=422))
    async with client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError, match=message):
            await kit.sequences.create(name="A", send_hour=24)


async def test_delete_answers_204_with_nothing(scripted: Scripted) -> None:
    scripted.answers.append(web.Response(status=204))
    async with client(scripted) as kit:
        await kit.sequences.delete(82)
    assert sent(scripted) == ("DELETE", "/v4/sequences/82", [], None)


# -- subscribers -----------------------------------------------------------------------------


async def test_subscribers_of_a_sequence_send_every_filter_kit_documents(
    scripted: Scripted,
) -> None:
    scripted.answers.append(
        web.json_response({"subscribers": [SUBSCRIBER], "pagination": PAGE_END})
    )
    async with client(scripted) as kit:
        (subscriber,) = [
            s
            async for s in kit.sequences.subscribers(
                26,
                status="all",
                added_after=datetime(2023, 2, 14, tzinfo=UTC),
                added_before="2023-02-18",
                created_after="2023-01-17",
                created_before=datetime(2023, 2, 18, tzinfo=UTC),
                include_total_count=True,
            )
        ]

    assert isinstance(subscriber, Subscriber)
    assert subscriber.added_at == datetime(2023, 2, 18, 11, 43, 55, tzinfo=UTC)
    method, path, query, _ = sent(scripted)
    assert (method, path) == ("GET", "/v4/sequences/26/subscribers")
    assert dict(query) == {
        "status": "all",
        "added_after": "2023-02-14T00:00:00Z",
        "added_before": "2023-02-18",
        "created_after": "2023-01-17",
        "created_before": "2023-02-18T00:00:00Z",
        "include_total_count": "true",
        "per_page": "1000",
    }


async def test_bad_subscriber_filters_are_refused_before_any_request(scripted: Scripted) -> None:
    async with client(scripted) as kit:
        with pytest.raises(ValueError, match="status must be one of"):
            kit.sequences.subscribers(26, status="unsubscribed")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="added_before must be a datetime"):
            kit.sequences.subscribers(26, added_before=20230218)  # type: ignore[arg-type]
    assert scripted.received == []


async def test_adding_by_id_or_by_email_uses_kits_two_paths(scripted: Scripted) -> None:
    scripted.answers += [
        web.json_response({"subscriber": SUBSCRIBER}, status=201),
        web.json_response({"subscriber": SUBSCRIBER}, status=200),
    ]
    async with client(scripted) as kit:
        by_id = await kit.sequences.add_subscriber(62, subscriber_id=804)
        by_email = await kit.sequences.add_subscriber(83, email_address="alice@convertkit.dev")

    assert (by_id.created, by_email.created) == (True, False)
    assert sent(scripted, 0) == ("POST", "/v4/sequences/62/subscribers/804", [], {})
    assert sent(scripted, 1) == (
        "POST",
        "/v4/sequences/83/subscribers",
        [],
        {"email_address": "alice@convertkit.dev"},
    )


async def test_adding_is_retried_after_a_500_because_kit_answers_a_repeat_with_200(
    scripted: Scripted,
) -> None:
    scripted.answers += [
        web.Response(status=503),
        web.json_response({"subscriber": SUBSCRIBER}, status=200),
    ]
    async with client(scripted) as kit:
        result = await kit.sequences.add_subscriber(62, subscriber_id=804)
    assert result.created is False
    assert len(scripted.received) == 2


async def test_adding_needs_exactly_one_way_to_name_the_subscriber(scripted: Scripted) -> None:
    async with client(scripted) as kit:
        with pytest.raises(TypeError, match="exactly one of subscriber_id= or email_address="):
            await kit.sequences.add_subscriber(62)
    assert scripted.received == []


async def test_adding_to_an_inactive_sequence_is_an_unprocessable_entity_error(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"errors": ["Sequence is inactive"]}, status=422))
    async with client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError) as info:
            await kit.sequences.add_subscriber(83, email_address="a@x.io")
    assert info.value.errors == ("Sequence is inactive",)
    assert info.value.path_params == {"sequence_id": 83}


# -- sequence emails -------------------------------------------------------------------------


async def test_emails_are_read_in_order_with_content_and_stats_when_asked(
    scripted: Scripted,
) -> None:
    hourly = {
        **EMAIL,
        "id": 27,
        "position": 1,
        "delay_value": 4,
        "delay_unit": "hours",
        "send_days": None,
        "preview_text": None,
        "stats": EMAIL_STATS,
    }
    scripted.answers.append(
        web.json_response(
            {"emails": [{**EMAIL, "stats": EMAIL_STATS}, hourly], "pagination": PAGE_END}
        )
    )
    async with client(scripted) as kit:
        emails = [
            e
            async for e in kit.sequences.emails(
                130, include_content=True, include_stats=True, include_total_count=True
            )
        ]

    assert [(e.position, e.delay_unit, e.send_days) for e in emails] == [
        (0, "days", tuple(ALL_DAYS)),
        (1, "hours", None),
    ]
    assert emails[0].stats == SequenceEmailStats(
        120, 60, 12, 1, 0, 0, 50.0, 10.0, 20.0, 0.83, 0.0, 0.0
    )
    method, path, query, _ = sent(scripted)
    assert (method, path) == ("GET", "/v4/sequences/130/emails")
    assert dict(query) == {
        "include_content": "true",
        "include": "stats",
        "include_total_count": "true",
        "per_page": "1000",
    }


async def test_emails_without_content_leave_it_none(scripted: Scripted) -> None:
    listed = {key: value for key, value in EMAIL.items() if key != "content"}
    scripted.answers.append(web.json_response({"emails": [listed], "pagination": PAGE_END}))
    async with client(scripted) as kit:
        page = await kit.sequences.emails(130)
    assert page.items[0].content is None
    assert sent(scripted)[2] == [("per_page", "1000")]


async def test_get_email_reads_its_content(scripted: Scripted) -> None:
    scripted.answers += [
        web.json_response({"email": EMAIL}),
        web.json_response({"email": {**EMAIL, "stats": EMAIL_STATS}}),
    ]
    async with client(scripted) as kit:
        email = await kit.sequences.get_email(130, 26)
        with_stats = await kit.sequences.get_email(130, 26, include_stats=True)

    assert email == SequenceEmail(
        id=26,
        sequence_id=130,
        subject="Welcome email",
        published=True,
        delay_value=0,
        delay_unit="days",
        position=0,
        preview_text="Thanks for signing up",
        email_address="joe2821@ck.lol",
        send_days=tuple(ALL_DAYS),
        content="<p>Welcome!</p>",
    )
    assert with_stats.stats is not None
    assert sent(scripted, 0) == ("GET", "/v4/sequences/130/emails/26", [], None)
    assert sent(scripted, 1)[2] == [("include", "stats")]


async def test_an_unknown_email_is_a_not_found_error_naming_sequence_and_email(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.sequences.get_email(130, 404)
    assert info.value.path_params == {"sequence_id": 130, "id": 404}


async def test_create_email_sends_kits_fields_and_reads_the_draft(scripted: Scripted) -> None:
    draft = {**EMAIL, "id": 38, "published": False, "preview_text": None, "content": None}
    scripted.answers.append(web.json_response({"email": draft}, status=201))
    async with client(scripted) as kit:
        email = await kit.sequences.create_email(
            157,
            subject="Welcome to the sequence",
            delay_value=1,
            delay_unit="days",
            preview_text=None,
            send_days=["monday"],
        )

    assert (email.id, email.published, email.preview_text, email.content) == (38, False, None, None)
    assert sent(scripted) == (
        "POST",
        "/v4/sequences/157/emails",
        [],
        {
            "subject": "Welcome to the sequence",
            "delay_value": 1,
            "delay_unit": "days",
            "preview_text": None,
            "send_days": ["monday"],
        },
    )


async def test_create_email_is_sent_once_after_a_500_because_a_repeat_would_append_another(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.Response(status=500))
    async with client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.sequences.create_email(157, subject="S", delay_value=1, delay_unit="days")
    assert len(scripted.received) == 1


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        (
            {},
            TypeError,
            r"kit.sequences.create_email\(\) needs subject, delay_value, delay_unit "
            r"\(Kit requires them\)",
        ),
        ({"subject": "S", "delay_value": 1}, TypeError, r"needs delay_unit \(Kit requires it\)"),
        ({"subject": None, "delay_value": 1, "delay_unit": "days"}, TypeError, "needs subject"),
        (
            {"subject": "S", "delay_value": 1, "delay_unit": "weeks"},
            ValueError,
            "delay_unit must be one of days, hours",
        ),
        (
            {"subject": "S", "delay_value": 1, "delay_unit": "days", "body": "<p>x</p>"},
            TypeError,
            r"create_email\(\) got an unknown field 'body'; Kit's fields are: subject,",
        ),
        (
            {"subject": "S", "delay_value": 1, "delay_unit": "days", "publish": True},
            TypeError,
            r"unknown field 'publish' \(did you mean 'published'\?\)",
        ),
    ],
)
async def test_bad_email_fields_are_refused_before_sending(
    scripted: Scripted, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.sequences.create_email(157, **fields)
    assert scripted.received == []


async def test_update_email_sends_null_to_reset_the_days_and_clear_the_template(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"email": {**EMAIL, "position": None}}))
    async with client(scripted) as kit:
        email = await kit.sequences.update_email(
            198, 79, send_days=None, email_template_id=None, subject="Updated subject"
        )

    assert email.position is None
    assert sent(scripted) == (
        "PUT",
        "/v4/sequences/198/emails/79",
        [],
        {"send_days": None, "email_template_id": None, "subject": "Updated subject"},
    )


async def test_update_email_refuses_nothing_to_change_and_unknown_fields(
    scripted: Scripted,
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(TypeError, match="needs at least one field"):
            await kit.sequences.update_email(198, 79)
        with pytest.raises(TypeError, match="unknown field 'sequence_id'"):
            await kit.sequences.update_email(198, 79, sequence_id=5)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="email_id must be an int"):
            await kit.sequences.update_email(198, "79", subject="x")  # type: ignore[arg-type]
    assert scripted.received == []


async def test_delete_email_answers_204_with_nothing(scripted: Scripted) -> None:
    scripted.answers.append(web.Response(status=204))
    async with client(scripted) as kit:
        await kit.sequences.delete_email(222, 103)
    assert sent(scripted) == ("DELETE", "/v4/sequences/222/emails/103", [], None)
