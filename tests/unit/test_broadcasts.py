"""`kit.broadcasts` writes, the 2026 list filters and the stats of every broadcast.

A scripted loopback server answers with the bodies of Kit's description and
records what arrived (the reads of clicks, one broadcast and its stats are
covered end to end in e2e/test_broadcasts.py).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from scripted import Scripted

from kit_async import (
    Broadcast,
    BroadcastStatsFigures,
    BroadcastStatsItem,
    EmailTemplate,
    InternalServerError,
    KitClient,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)

CREATED = {
    "id": 28,
    "created_at": "2023-02-17T11:43:55Z",
    "subject": "Hello!",
    "preview_text": "Pleased to meet you!",
    "description": "Intro email",
    "content": "<p>Let me introduce myself</p>",
    "public": True,
    "published_at": "2023-02-17T11:43:55Z",
    "send_at": None,
    "thumbnail_alt": None,
    "thumbnail_url": None,
    "email_address": "greetings@convertkit.dev",
    "email_template": {"id": 2, "name": "Classic"},
    "subscriber_filter": [{"all": [{"type": "segment", "ids": [16]}]}],
    "publication_id": 28,
    "public_url": "https://kit-greetings.kit.com/posts/hello",
    "status": "draft",
}
STATS: dict[str, Any] = {
    "recipients": 20,
    "open_rate": 0.5,
    "emails_opened": 10,
    "click_rate": 0.0,
    "unsubscribe_rate": 0.0,
    "unsubscribes": 0,
    "total_clicks": 9,
    "show_total_clicks": False,
    "status": "completed",
    "progress": 100.0,
    "open_tracking_disabled": False,
    "click_tracking_disabled": False,
}
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzE0NV0=",
    "end_cursor": "WzE0NF0=",
    "per_page": 500,
}
FULL_FIELDS: dict[str, Any] = {
    "email_template_id": 2,
    "email_address": None,
    "content": "<p>Let me introduce myself</p>",
    "description": "Intro email",
    "public": True,
    "published_at": datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC),
    "send_at": None,
    "thumbnail_alt": None,
    "thumbnail_url": None,
    "preview_text": "Pleased to meet you!",
    "subject": "Hello!",
    "subscriber_filter": [{"all": [{"type": "segment", "ids": [16]}], "any": None, "none": None}],
}


def client(server: Scripted) -> KitClient:
    return KitClient("kit_broadcasts_key", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


# -- create ----------------------------------------------------------------------------


async def test_create_sends_kits_fields_as_given_and_reads_the_broadcast(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"broadcast": CREATED}, status=201))
    async with client(scripted) as kit:
        broadcast = await kit.broadcasts.create(**FULL_FIELDS)

    assert isinstance(broadcast, Broadcast)
    assert (broadcast.id, broadcast.status, broadcast.public_url) == (
        28,
        "draft",
        "https://kit-greetings.kit.com/posts/hello",
    )
    assert broadcast.email_template == EmailTemplate(2, "Classic")
    assert sent(scripted) == (
        "POST",
        "/v4/broadcasts",
        [],
        {
            **FULL_FIELDS,
            "published_at": "2023-02-17T11:43:55Z",
        },
    )


async def test_create_sends_send_at_none_as_null_for_a_draft_and_leaves_out_the_rest(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"broadcast": CREATED}, status=201))
    async with client(scripted) as kit:
        await kit.broadcasts.create(subject="Hello!", send_at=None)
    assert sent(scripted)[3] == {"subject": "Hello!", "send_at": None}


async def test_create_sends_a_schedule_as_iso_8601(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"broadcast": CREATED}, status=201))
    async with client(scripted) as kit:
        await kit.broadcasts.create(
            subject="Hello!",
            content="<p>Hi</p>",
            send_at=datetime(2030, 1, 2, 9, 30, tzinfo=UTC),
            published_at="2030-01-02T09:30:00Z",
        )
    body = sent(scripted)[3]
    assert body["send_at"] == "2030-01-02T09:30:00Z"
    assert body["published_at"] == "2030-01-02T09:30:00Z"


async def test_create_is_not_retried_once_it_may_have_reached_kit(scripted: Scripted) -> None:
    scripted.answers += [
        web.Response(status=500),
        web.json_response({"broadcast": CREATED}, status=201),
    ]
    async with client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.broadcasts.create(subject="Hello!")
    assert len(scripted.received) == 1


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        (
            {"subjet": "Hi"},
            TypeError,
            r"kit.broadcasts.create\(\) got an unknown field 'subjet' \(did you mean 'subject'\?\)",
        ),
        ({"email_layout_template": "Classic"}, TypeError, "Kit's fields are: subject, content"),
        ({"public": "yes"}, TypeError, "public must be True or False"),
        ({"send_at": 1700000000}, TypeError, "send_at must be a datetime"),
        ({"email_template_id": "2"}, TypeError, "email_template_id must be an int"),
        ({"subject": 3}, TypeError, "subject must be a str"),
        ({"subscriber_filter": {"all": []}}, TypeError, "subscriber_filter must be a list"),
        (
            {
                "subscriber_filter": [
                    {"all": [{"type": "tag", "ids": [1]}], "none": [{"type": "tag", "ids": [2]}]}
                ]
            },
            ValueError,
            "subscriber_filter uses all and none; Kit supports one filter group type",
        ),
        (
            {
                "subscriber_filter": [
                    {"all": [{"type": "tag", "ids": [1]}]},
                    {"any": [{"type": "segment", "ids": [2]}]},
                ]
            },
            ValueError,
            "subscriber_filter uses all and any",
        ),
        (
            {"subscriber_filter": [{"every": [{"type": "tag", "ids": [1]}]}]},
            ValueError,
            r"subscriber_filter\[0\] has 'every'; Kit's filter groups are all, any and none",
        ),
        (
            {"subscriber_filter": [{"all": [{"ids": [1]}]}]},
            TypeError,
            r"subscriber_filter\[0\]\['all'\]\[0\]\['type'\] must be a str",
        ),
        (
            {"subscriber_filter": [{"all": "tag"}]},
            TypeError,
            r"subscriber_filter\[0\]\['all'\] must be a list of conditions",
        ),
    ],
)
async def test_bad_fields_are_refused_before_sending(
    scripted: Scripted, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.broadcasts.create(**fields)
    assert scripted.received == []


async def test_a_filter_with_one_group_and_null_others_is_sent_as_given(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"broadcast": CREATED}, status=201))
    group = {"all": None, "any": [{"type": "tag", "ids": [1, 2]}], "none": None}
    async with client(scripted) as kit:
        await kit.broadcasts.create(subject="Hi", subscriber_filter=[group])
    assert sent(scripted)[3]["subscriber_filter"] == [group]


async def test_kits_422_for_a_create_carries_its_messages(scripted: Scripted) -> None:
    errors = [
        "Email template not found",
        "Only a single filter group is supported. Use one of `all`, `any`, or `none`.",
    ]
    scripted.answers.append(web.json_response({"errors": errors}, status=422))
    async with client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError) as info:
            await kit.broadcasts.create(subject="Hi", email_template_id=999)
    assert info.value.errors == tuple(errors)


async def test_a_403_on_create_is_a_permission_denied_error(scripted: Scripted) -> None:
    message = (
        "You do not have sufficient permissions to access this resource. Please contact support."
    )
    scripted.answers.append(web.json_response({"errors": [message]}, status=403))
    async with client(scripted) as kit:
        with pytest.raises(PermissionDeniedError):
            await kit.broadcasts.create(subject="Hi")


# -- update and delete -------------------------------------------------------------------


async def test_update_puts_only_the_fields_given(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"broadcast": {**CREATED, "subject": "Hey"}}))
    async with client(scripted) as kit:
        broadcast = await kit.broadcasts.update(28, subject="Hey", send_at=None)

    assert broadcast.subject == "Hey"
    assert sent(scripted) == ("PUT", "/v4/broadcasts/28", [], {"subject": "Hey", "send_at": None})


async def test_update_is_retried_after_a_500_because_a_put_is_safe(scripted: Scripted) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({"broadcast": CREATED})]
    async with client(scripted) as kit:
        await kit.broadcasts.update(28, public=False)
    assert len(scripted.received) == 2


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        ({"id": 28}, TypeError, "needs at least one field to change"),
        ({"id": "28", "subject": "Hi"}, TypeError, "id must be an int"),
        ({"id": 0, "subject": "Hi"}, ValueError, "id must be a positive int"),
        ({"id": 28, "title": "Hi"}, TypeError, r"kit.broadcasts.update\(\) got an unknown field"),
    ],
)
async def test_bad_updates_are_refused_before_sending(
    scripted: Scripted, call: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.broadcasts.update(**call)
    assert scripted.received == []


async def test_updating_a_broadcast_that_started_sending_is_unprocessable(
    scripted: Scripted,
) -> None:
    scripted.answers.append(
        web.json_response({"errors": ["Broadcast is already sending."]}, status=422)
    )
    async with client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError) as info:
            await kit.broadcasts.update(28, subject="Too late")
    assert info.value.resource_id == 28


async def test_delete_answers_204_with_nothing(scripted: Scripted) -> None:
    scripted.answers.append(web.Response(status=204))
    async with client(scripted) as kit:
        await kit.broadcasts.delete(28)
    assert sent(scripted) == ("DELETE", "/v4/broadcasts/28", [], None)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"errors": ["Not Found"]}, NotFoundError),
        (422, {"errors": ["Broadcast is already sending."]}, UnprocessableEntityError),
    ],
)
async def test_delete_maps_kits_refusals(
    scripted: Scripted, status: int, body: dict[str, Any], error: type[Exception]
) -> None:
    scripted.answers.append(web.json_response(body, status=status))
    async with client(scripted) as kit:
        with pytest.raises(error) as info:
            await kit.broadcasts.delete(28)
    assert info.value.path_params == {"id": 28}  # type: ignore[attr-defined]


# -- list: the 2026 filters -----------------------------------------------------------------


async def test_list_sends_the_2026_filters(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"broadcasts": [CREATED], "pagination": PAGE_END}))
    async with client(scripted) as kit:
        found = [
            b
            async for b in kit.broadcasts.list(
                status="completed",
                sent_after=datetime(2026, 1, 1, tzinfo=UTC),
                sent_before=date(2026, 2, 1),
                slim=True,
                per_page=100,
            )
        ]

    assert [b.id for b in found] == [28]
    method, path, query, _ = sent(scripted)
    assert (method, path) == ("GET", "/v4/broadcasts")
    assert dict(query) == {
        "status": "completed",
        "sent_after": "2026-01-01T00:00:00Z",
        "sent_before": "2026-02-01",
        "slim": "true",
        "per_page": "100",
    }


async def test_a_slim_broadcast_decodes_without_the_fields_kit_leaves_out(
    scripted: Scripted,
) -> None:
    slim = {
        key: value
        for key, value in CREATED.items()
        if key
        not in {"content", "public_url", "email_address", "email_template", "subscriber_filter"}
    }
    scripted.answers.append(web.json_response({"broadcasts": [slim], "pagination": PAGE_END}))
    async with client(scripted) as kit:
        (broadcast,) = [b async for b in kit.broadcasts.list(slim=True)]
    assert (broadcast.content, broadcast.email_template, broadcast.subscriber_filter) == (
        None,
        None,
        (),
    )


@pytest.mark.parametrize(
    ("filters", "error", "message"),
    [
        ({"status": "sent"}, ValueError, "status must be one of draft, scheduled, sending"),
        ({"sent_after": 1}, TypeError, "sent_after must be a datetime"),
        ({"slim": "true"}, TypeError, "slim must be True or False"),
    ],
)
async def test_bad_list_filters_are_refused_before_sending(
    scripted: Scripted, filters: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            kit.broadcasts.list(**filters)
    assert scripted.received == []


# -- list_stats --------------------------------------------------------------------------------


async def test_list_stats_pages_through_every_broadcasts_stats(scripted: Scripted) -> None:
    first = {**PAGE_END, "has_next_page": True}
    scripted.answers += [
        web.json_response(
            {
                "broadcasts": [
                    {
                        "id": 145,
                        "subject": "Hello",
                        "send_at": "2026-03-01T10:00:00Z",
                        "stats": STATS,
                    }
                ],
                "pagination": first,
            }
        ),
        web.json_response(
            {
                "broadcasts": [{"id": 144, "stats": {**STATS, "status": "draft"}}],
                "pagination": PAGE_END,
            }
        ),
    ]
    async with client(scripted) as kit:
        items = [
            item
            async for item in kit.broadcasts.list_stats(
                status="completed",
                sent_after="2026-01-01",
                sent_before=datetime(2026, 4, 1, tzinfo=UTC),
                include_total_count=True,
            )
        ]

    assert items[0] == BroadcastStatsItem(
        145,
        BroadcastStatsFigures(**STATS),
        "Hello",
        datetime(2026, 3, 1, 10, tzinfo=UTC),
    )
    assert (items[1].id, items[1].subject, items[1].send_at, items[1].stats.status) == (
        144,
        None,
        None,
        "draft",
    )
    method, path, query, _ = sent(scripted, 0)
    assert (method, path) == ("GET", "/v4/broadcasts/stats")
    assert dict(query) == {
        "status": "completed",
        "sent_after": "2026-01-01",
        "sent_before": "2026-04-01T00:00:00Z",
        "include_total_count": "true",
        "per_page": "1000",
    }
    second = dict(sent(scripted, 1)[2])
    assert second["after"] == "WzE0NF0="
    assert "include_total_count" not in second


@pytest.mark.parametrize(
    "body",
    [
        {},
        {
            "errors": "Developer account must be on pro plan or have been approved to use "
            "the bulk stats endpoint."
        },
    ],
)
async def test_list_stats_on_a_plan_without_it_is_permission_denied(
    scripted: Scripted, body: dict[str, Any]
) -> None:
    scripted.answers.append(web.json_response(body, status=403))
    async with client(scripted) as kit:
        with pytest.raises(PermissionDeniedError) as info:
            await kit.broadcasts.list_stats()
    assert info.value.status_code == 403
    assert info.value.path == "/v4/broadcasts/stats"


async def test_list_stats_refuses_an_unknown_status_before_sending(scripted: Scripted) -> None:
    async with client(scripted) as kit:
        with pytest.raises(ValueError, match="status must be one of draft"):
            kit.broadcasts.list_stats(status="sent")  # type: ignore[arg-type]
    assert scripted.received == []
