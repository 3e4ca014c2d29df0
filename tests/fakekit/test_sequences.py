"""FakeKit's sequences over plain HTTP: CRUD, their subscribers, and their emails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
WEEK = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=lambda: NOW) as fake:
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


# -- sequences ----------------------------------------------------------------------------


async def test_create_needs_only_a_name_and_fills_kits_defaults(http) -> None:
    status, body = await call(http, "POST", "/v4/sequences", json={"name": "Welcome"})

    assert status == 201
    assert body["sequence"] == {
        "id": 1,
        "name": "Welcome",
        "hold": False,
        "repeat": False,
        "created_at": "2026-11-20T12:00:00Z",
        "updated_at": "2026-11-20T12:00:00Z",
        "email_address": None,
        "email_template_id": None,
        "send_days": WEEK,
        "send_hour": 11,
        "time_zone": "America/New_York",
        "active": True,
        "exclude_subscriber_sources": [],
        "email_count": 0,
        "subscriber_count": 0,
    }


async def test_create_takes_every_setting(http) -> None:
    settings = {
        "name": "Full Series",
        "email_address": "joe@example.com",
        "email_template_id": 38,
        "send_days": ["friday", "monday"],
        "send_hour": 9,
        "time_zone": "America/Los_Angeles",
        "active": False,
        "repeat": True,
        "hold": True,
        "exclude_subscriber_sources": [
            {"type": "tag", "ids": [3]},
            {"type": "sequence", "ids": [30]},
        ],
    }

    _, body = await call(http, "POST", "/v4/sequences", json=settings)

    made = body["sequence"]
    assert made["send_days"] == ["monday", "friday"]
    assert (made["send_hour"], made["time_zone"], made["active"]) == (
        9,
        "America/Los_Angeles",
        False,
    )
    assert made["exclude_subscriber_sources"] == [
        {"type": "sequence", "ids": [30]},
        {"type": "tag", "ids": [3]},
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "name can't be blank"),
        ({"name": " "}, "name can't be blank"),
        ({"name": "x", "send_hour": 24}, "send_hour must be an integer between 0 and 23"),
        ({"name": "x", "send_days": ["caturday"]}, "send_days must be a list of weekdays"),
        ({"name": "x", "time_zone": "Mars/Olympus"}, "time_zone must be an IANA time zone name"),
        ({"name": "x", "email_address": "nope"}, "Email address is invalid"),
        ({"name": "x", "active": "yes"}, "active must be true or false"),
        (
            {"name": "x", "exclude_subscriber_sources": [{"type": "list"}]},
            "exclude_subscriber_sources",
        ),
    ],
)
async def test_create_refuses_bad_settings(
    server: FakeKit, http, body: dict[str, Any], message: str
) -> None:
    status, answer = await call(http, "POST", "/v4/sequences", json=body)

    assert status == 422
    assert answer["errors"][0].startswith(message)
    assert not server.account.sequences


async def test_update_changes_only_what_it_is_given(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome", send_hour=8)
    later = datetime(2026, 12, 1, tzinfo=UTC)
    server.account.clock = lambda: later

    status, body = await call(http, "PUT", f"/v4/sequences/{sequence.id}", json={"active": False})

    assert status == 200
    assert (body["sequence"]["active"], body["sequence"]["send_hour"]) == (False, 8)
    assert body["sequence"]["updated_at"] == "2026-12-01T00:00:00Z"
    assert body["sequence"]["created_at"] == "2026-11-20T12:00:00Z"


async def test_a_refused_update_changes_nothing(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")

    status, _ = await call(
        http, "PUT", f"/v4/sequences/{sequence.id}", json={"name": "New", "send_hour": -1}
    )

    assert status == 422
    assert server.account.sequences[sequence.id].name == "Welcome"


async def test_get_with_stats_shows_nulls_for_no_data(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")

    _, plain = await call(http, "GET", f"/v4/sequences/{sequence.id}")
    _, with_stats = await call(
        http, "GET", f"/v4/sequences/{sequence.id}", params={"include": "stats"}
    )
    _, listed = await call(http, "GET", "/v4/sequences", params={"include": "stats"})

    assert "stats" not in plain["sequence"]
    assert set(with_stats["sequence"]["stats"].values()) == {None}
    assert "unsubscribers" in with_stats["sequence"]["stats"]
    assert listed["sequences"][0]["stats"] == with_stats["sequence"]["stats"]


async def test_delete_is_204_and_takes_its_emails_and_subscribers(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    server.add_to_sequence(sequence, server.add_subscriber("a@example.com"))
    await call(
        http,
        "POST",
        f"/v4/sequences/{sequence.id}/emails",
        json={"subject": "Hi", "delay_value": 0, "delay_unit": "days"},
    )

    assert await call(http, "DELETE", f"/v4/sequences/{sequence.id}") == (204, None)

    assert not server.account.sequence_emails
    assert sequence.id not in server.account.sequence_subscriptions
    for method in ("GET", "PUT", "DELETE"):
        assert (await call(http, method, f"/v4/sequences/{sequence.id}", json={}))[0] == 404


async def test_counts_follow_the_emails_and_subscribers(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    for n in range(2):
        server.add_to_sequence(sequence, server.add_subscriber(f"s{n}@example.com"))
    await call(
        http,
        "POST",
        f"/v4/sequences/{sequence.id}/emails",
        json={"subject": "Hi", "delay_value": 1, "delay_unit": "days"},
    )

    _, body = await call(http, "GET", "/v4/sequences")

    assert (body["sequences"][0]["email_count"], body["sequences"][0]["subscriber_count"]) == (1, 2)


# -- a sequence's subscribers --------------------------------------------------------------


async def test_adding_a_subscriber_is_201_then_200(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    ada = server.add_subscriber("ada@example.com")

    first = await call(http, "POST", f"/v4/sequences/{sequence.id}/subscribers/{ada.id}", json={})
    again = await call(
        http,
        "POST",
        f"/v4/sequences/{sequence.id}/subscribers",
        json={"email_address": "ada@example.com"},
    )

    assert first[0] == 201
    assert first[1]["subscriber"]["added_at"] == "2026-11-20T12:00:00Z"
    assert again == (200, first[1])


async def test_an_inactive_sequence_takes_no_subscriber(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Paused", active=False)
    ada = server.add_subscriber("ada@example.com")

    assert await call(
        http, "POST", f"/v4/sequences/{sequence.id}/subscribers/{ada.id}", json={}
    ) == (
        422,
        {"errors": ["Sequence is inactive"]},
    )


async def test_adding_needs_a_known_sequence_and_subscriber(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    path = f"/v4/sequences/{sequence.id}/subscribers"

    assert (await call(http, "POST", "/v4/sequences/99/subscribers/1", json={}))[0] == 404
    assert (await call(http, "POST", f"{path}/99", json={}))[0] == 404
    assert (await call(http, "POST", path, json={"email_address": "no@example.com"}))[0] == 404
    assert (await call(http, "POST", path, json={}))[0] == 422


async def test_a_sequences_subscribers_filter_on_when_they_were_added(
    server: FakeKit, http
) -> None:
    sequence = server.add_sequence("Welcome")
    for day in (1, 2, 3):
        person = server.add_subscriber(f"d{day}@example.com")
        server.add_to_sequence(sequence, person, at=datetime(2026, 5, day, tzinfo=UTC))

    _, body = await call(
        http,
        "GET",
        f"/v4/sequences/{sequence.id}/subscribers",
        params={"added_before": "2026-05-03"},
    )

    assert [s["email_address"] for s in body["subscribers"]] == ["d2@example.com", "d1@example.com"]
    assert body["subscribers"][0]["added_at"] == "2026-05-02T00:00:00Z"
    assert (await call(http, "GET", "/v4/sequences/99/subscribers"))[0] == 404


# -- a sequence's emails ---------------------------------------------------------------------


async def add_email(http, sequence_id: int, **fields: Any) -> tuple[int, Any]:
    body = {"subject": "Hello", "delay_value": 1, "delay_unit": "days", **fields}
    return await call(http, "POST", f"/v4/sequences/{sequence_id}/emails", json=body)


async def test_a_new_email_is_a_draft_at_the_end_with_the_sequences_days(
    server: FakeKit, http
) -> None:
    sequence = server.add_sequence("Welcome", send_days=["monday", "friday"])

    status, first = await add_email(http, sequence.id, delay_value=0)
    _, second = await add_email(http, sequence.id, content="<p>Hi</p>")

    assert status == 201
    assert first["email"] == {
        "id": 1,
        "sequence_id": sequence.id,
        "subject": "Hello",
        "preview_text": None,
        "email_address": "creator@example.com",
        "email_template_id": None,
        "published": False,
        "position": 0,
        "delay_value": 0,
        "delay_unit": "days",
        "send_days": ["monday", "friday"],
        "content": None,
    }
    assert (second["email"]["position"], second["email"]["content"]) == (1, "<p>Hi</p>")


async def test_an_hour_based_email_has_no_days_and_refuses_them(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")

    _, hourly = await add_email(http, sequence.id, delay_unit="hours", delay_value=2)
    status, refused = await add_email(http, sequence.id, delay_unit="hours", send_days=["monday"])

    assert hourly["email"]["send_days"] is None
    assert (status, refused) == (
        422,
        {"errors": ["send_days can only be set on emails whose delay_unit is days"]},
    )


async def test_only_the_first_email_may_be_immediate(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    await add_email(http, sequence.id, delay_value=0)

    status, answer = await add_email(http, sequence.id, delay_value=0)

    assert status == 422
    assert answer["errors"][0].startswith(
        "Only the first email of a sequence can be sent immediately"
    )
    assert len(server.account.sequence_emails) == 1


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        (
            {},
            [
                "subject can't be blank",
                "delay_value can't be blank",
                "delay_unit must be one of: days, hours",
            ],
        ),
        (
            {"subject": "x", "delay_value": 1, "delay_unit": "weeks"},
            ["delay_unit must be one of: days, hours"],
        ),
        (
            {"subject": "x", "delay_value": -1, "delay_unit": "days"},
            ["delay_value must be greater than or equal to 0"],
        ),
        (
            {"subject": "x", "delay_value": 1, "delay_unit": "days", "position": -2},
            ["position must be an integer greater than or equal to 0"],
        ),
    ],
)
async def test_create_refuses_bad_emails(
    server: FakeKit, http, body: dict[str, Any], messages: list[str]
) -> None:
    sequence = server.add_sequence("Welcome")

    assert await call(http, "POST", f"/v4/sequences/{sequence.id}/emails", json=body) == (
        422,
        {"errors": messages},
    )


async def test_an_email_inserted_earlier_moves_the_others_down(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    for subject in ("A", "B"):
        await add_email(http, sequence.id, subject=subject)

    await add_email(http, sequence.id, subject="First", position=0)
    _, listed = await call(http, "GET", f"/v4/sequences/{sequence.id}/emails")

    assert [(e["subject"], e["position"]) for e in listed["emails"]] == [
        ("First", 0),
        ("A", 1),
        ("B", 2),
    ]
    assert "content" not in listed["emails"][0]


async def test_the_list_includes_content_and_zero_stats_on_request(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    await add_email(http, sequence.id, content="<p>Hi</p>")

    _, listed = await call(
        http,
        "GET",
        f"/v4/sequences/{sequence.id}/emails",
        params={"include_content": "true", "include": "stats"},
    )

    email = listed["emails"][0]
    assert email["content"] == "<p>Hi</p>"
    assert set(email["stats"].values()) == {0}


async def test_update_moves_reschedules_and_resets_the_days(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome", send_days=["monday"])
    _, a = await add_email(http, sequence.id, subject="A", send_days=["sunday"])
    _, b = await add_email(http, sequence.id, subject="B")
    path = f"/v4/sequences/{sequence.id}/emails/{b['email']['id']}"

    status, moved = await call(http, "PUT", path, json={"position": 0, "published": True})
    _, reset = await call(
        http,
        "PUT",
        f"/v4/sequences/{sequence.id}/emails/{a['email']['id']}",
        json={"send_days": None},
    )

    assert status == 200
    assert (moved["email"]["position"], moved["email"]["published"]) == (0, True)
    assert (reset["email"]["position"], reset["email"]["send_days"]) == (1, ["monday"])


async def test_a_refused_email_update_changes_nothing(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    await add_email(http, sequence.id, subject="A", delay_value=0)
    _, b = await add_email(http, sequence.id, subject="B")
    path = f"/v4/sequences/{sequence.id}/emails/{b['email']['id']}"

    status, _ = await call(http, "PUT", path, json={"subject": "Now", "delay_value": 0})

    assert status == 422
    _, fetched = await call(http, "GET", path)
    assert (fetched["email"]["subject"], fetched["email"]["delay_value"]) == ("B", 1)
    assert (await call(http, "PUT", path, json={"delay_unit": None}))[0] == 422


async def test_delete_is_204_and_the_others_close_ranks(server: FakeKit, http) -> None:
    sequence = server.add_sequence("Welcome")
    ids = [(await add_email(http, sequence.id, subject=s))[1]["email"]["id"] for s in "ABC"]

    assert await call(http, "DELETE", f"/v4/sequences/{sequence.id}/emails/{ids[0]}") == (204, None)

    _, listed = await call(http, "GET", f"/v4/sequences/{sequence.id}/emails")
    assert [(e["subject"], e["position"]) for e in listed["emails"]] == [("B", 0), ("C", 1)]


async def test_an_email_of_another_sequence_is_404(server: FakeKit, http) -> None:
    welcome, other = server.add_sequence("Welcome"), server.add_sequence("Other")
    _, made = await add_email(http, welcome.id)
    email_id = made["email"]["id"]

    for method in ("GET", "PUT", "DELETE"):
        path = f"/v4/sequences/{other.id}/emails/{email_id}"
        assert (await call(http, method, path, json={}))[0] == 404
    assert (await call(http, "GET", "/v4/sequences/99/emails"))[0] == 404
    _, fetched = await call(
        http, "GET", f"/v4/sequences/{welcome.id}/emails/{email_id}", params={"include": "stats"}
    )
    assert fetched["email"]["stats"]["recipients"] == 0
