"""`kit.subscribers`: what each method sends and how it reads Kit's answers.

Unit tests of one layer: a scripted loopback server answers with the bodies
of Kit's description and records what arrived. The subscriber filter is a
listing done by POST: its paging travels in the JSON body (see
`ListEndpoint`), which the filter tests below pin down.
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
    BadRequestError,
    BulkAccepted,
    BulkResult,
    FilteredSubscriber,
    InternalServerError,
    KitClient,
    NotFoundError,
    OAuthRequiredError,
    PaginationError,
    PinnedLocation,
    ResponseValidationError,
    Subscriber,
    SubscriberStats,
    Tag,
    UnprocessableEntityError,
    Upserted,
)
from kit_async._converter import Envelope
from kit_async._core.declarations import ListEndpoint

CREATED = "2023-02-17T11:43:55Z"
WHEN = datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)
SUBSCRIBER: dict[str, Any] = {
    "id": 263,
    "first_name": "Alice",
    "email_address": "alice@convertkit.dev",
    "state": "active",
    "created_at": CREATED,
    "fields": {},
}
PAGE_END: dict[str, Any] = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzE0N10=",
    "end_cursor": "WzE0N10=",
    "per_page": 500,
}
PIN: dict[str, Any] = {
    "city": "Boise",
    "state_province": "Idaho",
    "country_code": "US",
    "latitude": 43.62,
    "longitude": -116.2,
    "timezone": "America/Denver",
}
STATS: dict[str, Any] = {
    "sent": 2,
    "opened": 1,
    "clicked": 1,
    "bounced": 1,
    "open_rate": 0.5,
    "click_rate": 0.5,
    "last_sent": "2025-07-13T12:00:00Z",
    "last_opened": "2025-07-13T12:00:00Z",
    "last_clicked": "2025-07-14T12:00:00Z",
    "sends_since_last_open": 0,
    "sends_since_last_click": 0,
}
# Kit's example answer of POST /v4/subscribers/filter: ids are strings.
FILTERED: dict[str, Any] = {
    "subscribers": [
        {
            "id": "456",
            "first_name": "Jane",
            "email_address": "jane@example.com",
            "created_at": "2024-12-01T15:45:00Z",
            "tag_names": ["newsletter", "engaged"],
            "tag_ids": ["123", "456"],
        },
        {
            "id": "789",
            "first_name": None,
            "email_address": "anonymous@example.com",
            "created_at": "2024-11-15T10:00:00Z",
            "tag_names": [],
            "tag_ids": [],
        },
    ],
    "pagination": {
        "has_previous_page": False,
        "has_next_page": True,
        "start_cursor": "WzQ1Nl0=",
        "end_cursor": "Wzc4OV0=",
        "per_page": 10,
        "total_count": 42,
    },
}
OPENED = [{"type": "opens", "count_greater_than": 5, "after": "2024-01-01"}]


def api_key_client(server: Scripted) -> KitClient:
    return KitClient("kit_subscribers_key", base_url=server.url, rate_limit=None)


def oauth_client(server: Scripted) -> KitClient:
    return KitClient(access_token="subscribers_token", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


# -- create: an upsert by email ---------------------------------------------------------------


async def test_create_sends_kits_fields_and_tells_created_from_existing_and_pending(
    scripted: Scripted,
) -> None:
    scripted.answers += [
        web.json_response({"subscriber": SUBSCRIBER}, status=201),
        web.json_response({"subscriber": {**SUBSCRIBER, "state": "inactive"}}, status=200),
        web.json_response({"subscriber": SUBSCRIBER}, status=202),
    ]
    async with api_key_client(scripted) as kit:
        new = await kit.subscribers.create(
            "alice@convertkit.dev",
            first_name="Alice",
            state="active",
            fields={"Last name": "Lamarr", "Coupon": ""},
        )
        existing = await kit.subscribers.create("alice@convertkit.dev")
        pending = await kit.subscribers.create("alice@convertkit.dev")

    assert new == Upserted(
        Subscriber(263, "alice@convertkit.dev", WHEN, state="active", first_name="Alice"), 201
    )
    assert (new.created, existing.created, pending.created, pending.pending) == (
        True,
        False,
        True,
        True,
    )
    assert existing.item.state == "inactive"
    assert sent(scripted, 0) == (
        "POST",
        "/v4/subscribers",
        [],
        {
            "email_address": "alice@convertkit.dev",
            "first_name": "Alice",
            "state": "active",
            "fields": {"Last name": "Lamarr", "Coupon": ""},
        },
    )
    assert sent(scripted, 1)[3] == {"email_address": "alice@convertkit.dev"}


async def test_creating_a_subscriber_is_retried_after_a_500_because_it_is_an_upsert(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({"subscriber": SUBSCRIBER})]
    async with api_key_client(scripted) as kit:
        result = await kit.subscribers.create("alice@convertkit.dev")
    assert result.item.id == 263
    assert len(scripted.received) == 2


async def test_140_custom_fields_are_sent_and_141_are_refused_before_sending(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"subscriber": SUBSCRIBER}, status=202))
    fields = {f"Field {n}": str(n) for n in range(140)}
    async with api_key_client(scripted) as kit:
        await kit.subscribers.create("a@x.io", fields=fields)
        with pytest.raises(ValueError, match="fields has 141 custom fields; Kit sets at most 140"):
            await kit.subscribers.create("a@x.io", fields={**fields, "One more": "x"})
        with pytest.raises(ValueError, match="at most 140"):
            await kit.subscribers.update(1, fields={**fields, "One more": "x"})
    assert len(scripted.received) == 1
    assert len(sent(scripted)[3]["fields"]) == 140


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"email_address": " "}, ValueError, "email_address must not be empty"),
        ({"email_address": "a@x.io", "state": "gone"}, ValueError, "state must be one of active"),
        ({"email_address": "a@x.io", "fields": [("a", "b")]}, TypeError, "fields must be a dict"),
        ({"email_address": "a@x.io", "fields": {"Age": 42}}, TypeError, r"fields\['Age'\]"),
        ({"email_address": "a@x.io", "first_name": 7}, TypeError, "first_name must be a str"),
    ],
)
async def test_bad_create_arguments_are_refused_before_sending(
    scripted: Scripted, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.subscribers.create(**arguments)
    assert scripted.received == []


async def test_an_invalid_address_is_kits_422(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Email address is invalid"]}, status=422))
    async with api_key_client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError, match="Email address is invalid"):
            await kit.subscribers.create("not-an-address")


# -- get, update, unsubscribe -------------------------------------------------------------------


async def test_get_decodes_the_subscriber_with_its_cancellation_and_location(
    scripted: Scripted,
) -> None:
    location = {"city": "Boise", "state": "Idaho", "country": "US", "timezone": "America/Denver"}
    body = {**SUBSCRIBER, "canceled_at": None, "location": location, "fields": {"category": "One"}}
    scripted.answers.append(web.json_response({"subscriber": body}))
    async with api_key_client(scripted) as kit:
        subscriber = await kit.subscribers.get(263)
    assert (subscriber.fields, subscriber.location, subscriber.canceled_at) == (
        {"category": "One"},
        location,
        None,
    )
    assert sent(scripted) == ("GET", "/v4/subscribers/263", [], None)


async def test_an_unknown_subscriber_is_a_not_found_error_naming_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with api_key_client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.subscribers.get(404)
    assert info.value.path_params == {"id": 404}
    assert info.value.resource_id == 404


@pytest.mark.parametrize("bad", ["263", 0, True, None])
async def test_a_bad_id_is_refused_before_sending(scripted: Scripted, bad: Any) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises((TypeError, ValueError), match="id must be"):
            await kit.subscribers.get(bad)
        with pytest.raises((TypeError, ValueError), match="id must be"):
            await kit.subscribers.unsubscribe(bad)
    assert scripted.received == []


async def test_update_sends_only_what_is_given(scripted: Scripted) -> None:
    scripted.answers += [
        web.json_response({"subscriber": {**SUBSCRIBER, "first_name": "Ada"}}),
        web.json_response({"subscriber": SUBSCRIBER}, status=202),
    ]
    async with api_key_client(scripted) as kit:
        renamed = await kit.subscribers.update(263, first_name="Ada")
        await kit.subscribers.update(263, email_address="ada@x.io", fields={"Company": "Kit"})
    assert renamed.first_name == "Ada"
    assert sent(scripted, 0) == ("PUT", "/v4/subscribers/263", [], {"first_name": "Ada"})
    assert sent(scripted, 1)[3] == {"email_address": "ada@x.io", "fields": {"Company": "Kit"}}


async def test_an_update_with_nothing_to_change_is_refused(scripted: Scripted) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(ValueError, match="nothing to update"):
            await kit.subscribers.update(263)
    assert scripted.received == []


async def test_an_address_in_use_is_kits_422(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"errors": ["Email address has already been taken"]}, status=422)
    )
    async with api_key_client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError, match="already been taken") as info:
            await kit.subscribers.update(263, email_address="bob@x.io")
    assert info.value.path_params == {"id": 263}


async def test_unsubscribe_posts_an_empty_body_reads_204_and_is_retried(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), web.Response(status=204)]
    async with api_key_client(scripted) as kit:
        await kit.subscribers.unsubscribe(258)
    assert len(scripted.received) == 2
    assert sent(scripted, 1) == ("POST", "/v4/subscribers/258/unsubscribe", [], {})


async def test_tags_of_a_subscriber_decode_with_when_they_were_added(scripted: Scripted) -> None:
    tags = [
        {"id": 92, "name": "Tag B", "tagged_at": "2023-02-17T10:43:55Z"},
        {"id": 93, "name": "Tag A", "tagged_at": "2023-02-17T10:43:55Z"},
    ]
    scripted.answers.append(web.json_response({"tags": tags, "pagination": PAGE_END}))
    async with api_key_client(scripted) as kit:
        found = [tag async for tag in kit.subscribers.tags(848, include_total_count=True)]
    tagged = datetime(2023, 2, 17, 10, 43, 55, tzinfo=UTC)
    assert found == [Tag(92, "Tag B", tagged_at=tagged), Tag(93, "Tag A", tagged_at=tagged)]
    assert sent(scripted)[:3] == (
        "GET",
        "/v4/subscribers/848/tags",
        [("include_total_count", "true"), ("per_page", "1000")],
    )


# -- list ---------------------------------------------------------------------------------


async def test_list_sends_every_filter_kit_documents(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"subscribers": [], "pagination": PAGE_END}))
    async with api_key_client(scripted) as kit:
        found = [
            s
            async for s in kit.subscribers.list(
                status="cancelled",
                email_address=["a@x.io", "b+c@x.io"],
                created_after=datetime(2023, 1, 1, tzinfo=UTC),
                created_before=date(2023, 2, 1),
                updated_after="2023-01-17T11:43:55Z",
                updated_before="2023-03-01",
                sort_field="canceled_at",
                sort_order="asc",
                include=["tags", "canceled_at"],
                slim=True,
                include_total_count=True,
                per_page=10,
            )
        ]
    assert found == []
    method, path, query, body = sent(scripted)
    assert (method, path, body) == ("GET", "/v4/subscribers", None)
    assert dict(query) == {
        "status": "cancelled",
        "email_address": "a@x.io,b+c@x.io",
        "created_after": "2023-01-01T00:00:00Z",
        "created_before": "2023-02-01",
        "updated_after": "2023-01-17T11:43:55Z",
        "updated_before": "2023-03-01",
        "sort_field": "canceled_at",
        "sort_order": "asc",
        "include": "tags,canceled_at",
        "slim": "true",
        "include_total_count": "true",
        "per_page": "10",
    }


async def test_listed_subscribers_carry_what_include_asked_for(scripted: Scripted) -> None:
    attribution = {"referrer": "https://x.io", "utm_source": "news", "source_mechanism_id": 9}
    item = {
        **SUBSCRIBER,
        "attribution": attribution,
        "tags": [{"id": 5, "name": "VIP"}],
        "location": {"city": "Boise", "latitude": 43.62},
        "canceled_at": "2024-01-02T03:04:05Z",
    }
    scripted.answers.append(web.json_response({"subscribers": [item], "pagination": PAGE_END}))
    async with api_key_client(scripted) as kit:
        (subscriber,) = [s async for s in kit.subscribers.list(status="all", include="tags")]
    assert subscriber.attribution == attribution
    assert subscriber.tags == (Tag(5, "VIP"),)
    assert subscriber.location == {"city": "Boise", "latitude": 43.62}
    assert subscriber.canceled_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"status": "gone"}, ValueError, "status must be one of active"),
        ({"sort_field": "email"}, ValueError, "sort_field must be one of id"),
        ({"sort_order": "up"}, ValueError, "sort_order must be one of asc, desc"),
        ({"include": ["stats"]}, ValueError, r"include\[0\] must be one of attribution"),
        ({"include": {"tags": 1}}, TypeError, "include must be a str or a list"),
        ({"sort_field": "cancelled_at"}, ValueError, "needs status='cancelled'"),
        ({"status": "all", "include": ["canceled_at"]}, ValueError, "needs status='cancelled'"),
        (
            {"sort_field": "engagement__opens", "email_address": "a@x.io"},
            ValueError,
            "cannot be combined with email_address",
        ),
        ({"created_after": 20230101}, TypeError, "created_after must be a datetime"),
        ({"per_page": 1001}, ValueError, "per_page must be between 1 and 1000"),
    ],
)
async def test_bad_list_filters_are_refused_before_any_request(
    scripted: Scripted, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(error, match=message):
            kit.subscribers.list(**arguments)
    assert scripted.received == []


# -- bulk create: OAuth only ----------------------------------------------------------------


async def test_bulk_create_is_refused_to_an_api_key_before_sending(scripted: Scripted) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(OAuthRequiredError):
            await kit.subscribers.bulk_create([{"email_address": "a@x.io"}])
    assert scripted.received == []


async def test_bulk_create_returns_kits_subscribers_and_failures(scripted: Scripted) -> None:
    failure = {
        "subscriber": {"first_name": "Benito", "email_address": None, "state": "active"},
        "errors": ["Email address is invalid"],
    }
    answer = {
        "subscribers": [
            {**SUBSCRIBER, "id": 464, "first_name": None, "email_address": "brooke@x.io"},
            {**SUBSCRIBER, "id": 465, "first_name": "Camille", "email_address": "camille@x.io"},
        ],
        "failures": [failure],
    }
    scripted.answers.append(web.json_response(answer))
    batch = [
        {"email_address": "brooke@x.io"},
        {"email_address": "camille@x.io", "first_name": "Camille", "state": "inactive"},
        {"email_address": "benito", "first_name": "Benito"},
    ]
    async with oauth_client(scripted) as kit:
        result = await kit.subscribers.bulk_create(batch)

    assert isinstance(result, BulkResult)
    assert [(s.id, s.first_name) for s in result.items] == [(464, None), (465, "Camille")]
    assert result.failures == (failure,)
    assert sent(scripted) == ("POST", "/v4/bulk/subscribers", [], {"subscribers": batch})


async def test_a_queued_bulk_create_is_accepted_and_retried_as_an_upsert(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=502), web.json_response({}, status=202)]
    batch = [{"email_address": f"s{n}@x.io"} for n in range(101)]
    async with oauth_client(scripted) as kit:
        result = await kit.subscribers.bulk_create(batch, callback_url="https://me.example/cb")
    assert result == BulkAccepted("https://me.example/cb")
    assert len(scripted.received) == 2
    assert sent(scripted, 1)[3]["callback_url"] == "https://me.example/cb"


@pytest.mark.parametrize(
    ("subscribers", "error", "message"),
    [
        ([], ValueError, "subscribers must not be empty"),
        (["a@x.io"], TypeError, r"subscribers\[0\] must be a dict"),
        ([{"first_name": "A"}], TypeError, r"subscribers\[0\]\['email_address'\] must be a str"),
        ([{"email_address": "a@x.io", "state": "on"}], ValueError, r"\['state'\] must be one of"),
        (
            [{"email_address": "a@x.io", "fields": {}}],
            TypeError,
            "keys Kit does not take here: fields",
        ),
    ],
)
async def test_bad_bulk_subscribers_are_refused_before_sending(
    scripted: Scripted, subscribers: Any, error: type[Exception], message: str
) -> None:
    async with oauth_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.subscribers.bulk_create(subscribers)
    assert scripted.received == []


# -- filter: a listing done by POST ------------------------------------------------------------


async def test_filter_sends_its_criteria_and_paging_in_the_body_and_decodes_string_ids(
    scripted: Scripted,
) -> None:
    scripted.answers.append(
        web.json_response(
            {**FILTERED, "pagination": {**FILTERED["pagination"], "has_next_page": False}}
        )
    )
    conditions: list[dict[str, Any]] = [
        {
            "type": "opens",
            "count_greater_than": 5,
            "after": date(2024, 1, 1),
            "before": "2024-12-31",
        },
        {"type": "tags", "any": [{"type": "ids", "matching": [123, 456]}]},
    ]
    async with api_key_client(scripted) as kit:
        found = [
            s
            async for s in kit.subscribers.filter(
                conditions,
                counting_mode="unique_email",
                include=["tags", {"type": "stats", "range": {"start": "2026-05-01"}}],
                sort_field="engagement__opens",
                sort_order="asc",
                per_page=10,
            )
        ]
    assert found == [
        FilteredSubscriber(
            456,
            "jane@example.com",
            datetime(2024, 12, 1, 15, 45, tzinfo=UTC),
            first_name="Jane",
            tag_names=("newsletter", "engaged"),
            tag_ids=(123, 456),
        ),
        FilteredSubscriber(789, "anonymous@example.com", datetime(2024, 11, 15, 10, tzinfo=UTC)),
    ]
    assert sent(scripted) == (
        "POST",
        "/v4/subscribers/filter",
        [],
        {
            "all": [
                {
                    "type": "opens",
                    "count_greater_than": 5,
                    "after": "2024-01-01",
                    "before": "2024-12-31",
                },
                {"type": "tags", "any": [{"type": "ids", "matching": [123, 456]}]},
            ],
            "counting_mode": "unique_email",
            "include": [{"type": "tags"}, {"type": "stats", "range": {"start": "2026-05-01"}}],
            "sort_field": "engagement__opens",
            "sort_order": "asc",
            "per_page": 10,
        },
    )


async def test_filter_follows_end_cursor_with_after_in_the_body_beside_the_same_criteria(
    scripted: Scripted,
) -> None:
    last = {**FILTERED["pagination"], "has_next_page": False, "end_cursor": "WzEwMDBd"}
    scripted.answers += [
        web.json_response(FILTERED),
        web.json_response({"subscribers": [], "pagination": last}),
    ]
    async with api_key_client(scripted) as kit:
        ids = [s.id async for s in kit.subscribers.filter(OPENED)]
    assert ids == [456, 789]
    first, second = sent(scripted, 0), sent(scripted, 1)
    assert first[3] == {"all": OPENED, "per_page": 1000}
    assert second[:3] == ("POST", "/v4/subscribers/filter", [])
    assert second[3] == {"all": OPENED, "per_page": 1000, "after": "Wzc4OV0="}


async def test_filter_walks_backwards_with_before_in_the_body(scripted: Scripted) -> None:
    start = {**FILTERED["pagination"], "has_next_page": False, "has_previous_page": False}
    scripted.answers.append(web.json_response({**FILTERED, "pagination": start}))
    async with api_key_client(scripted) as kit:
        page = await kit.subscribers.filter(OPENED, before="WzQ1Nl0=", per_page=2)
    assert [s.id for s in page.items] == [456, 789]
    assert page.pagination.total_count == 42
    assert sent(scripted)[2:] == ([], {"all": OPENED, "per_page": 2, "before": "WzQ1Nl0="})


async def test_a_repeated_filter_cursor_is_a_pagination_error_naming_the_post(
    scripted: Scripted,
) -> None:
    again = {**FILTERED["pagination"], "has_next_page": True, "end_cursor": "WzFd"}
    scripted.answers += [
        web.json_response({**FILTERED, "pagination": again}),
        web.json_response({**FILTERED, "pagination": again}),
    ]
    async with api_key_client(scripted) as kit:
        with pytest.raises(PaginationError) as info:
            [s async for s in kit.subscribers.filter(OPENED)]
    assert (info.value.method, info.value.path) == ("POST", "/v4/subscribers/filter")
    assert str(info.value).startswith("POST /v4/subscribers/filter: ")


async def test_filter_is_retried_after_a_500_because_it_only_reads(scripted: Scripted) -> None:
    last = {**FILTERED["pagination"], "has_next_page": False}
    scripted.answers += [
        web.Response(status=500),
        web.json_response({**FILTERED, "pagination": last}),
    ]
    async with api_key_client(scripted) as kit:
        ids = [s.id async for s in kit.subscribers.filter(OPENED)]
    assert ids == [456, 789]
    assert len(scripted.received) == 2


async def test_filtered_subscribers_carry_the_included_stats_and_fields(scripted: Scripted) -> None:
    item = {
        **FILTERED["subscribers"][1],
        "stats": {**STATS, "last_sent": None, "last_opened": None, "last_clicked": None},
        "fields": {"last_name": None, "company": "Kit"},
        "tags": [{"id": 123, "name": "newsletter"}],
        "canceled_at": None,
    }
    last = {**FILTERED["pagination"], "has_next_page": False}
    scripted.answers.append(web.json_response({"subscribers": [item], "pagination": last}))
    async with api_key_client(scripted) as kit:
        (match,) = [s async for s in kit.subscribers.filter(OPENED, include=["stats"])]
    assert match.stats == SubscriberStats(2, 1, 1, 1, 0.5, 0.5, None, None, None, 0, 0)
    assert match.fields == {"last_name": None, "company": "Kit"}
    assert match.tags == (Tag(123, "newsletter"),)


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("id", "abc", "subscribers[0].id"),
        ("id", "", "subscribers[0].id"),
        ("id", 4.5, "subscribers[0].id"),
        ("tag_ids", ["1", None], "subscribers[0].tag_ids[1]"),
    ],
)
async def test_a_filter_id_that_is_not_digits_is_a_schema_error_naming_it(
    scripted: Scripted, field: str, value: Any, where: str
) -> None:
    item = {**FILTERED["subscribers"][0], field: value}
    scripted.answers.append(
        web.json_response({"subscribers": [item], "pagination": FILTERED["pagination"]})
    )
    async with api_key_client(scripted) as kit:
        with pytest.raises(ResponseValidationError) as info:
            await kit.subscribers.filter(OPENED)
    assert info.value.field == where
    assert (info.value.method, info.value.path) == ("POST", "/v4/subscribers/filter")


async def test_an_int_id_is_taken_should_kit_align_the_filter_with_its_other_endpoints(
    scripted: Scripted,
) -> None:
    item = {**FILTERED["subscribers"][0], "id": 456, "tag_ids": [123]}
    scripted.answers.append(
        web.json_response({"subscribers": [item], "pagination": FILTERED["pagination"]})
    )
    async with api_key_client(scripted) as kit:
        page = await kit.subscribers.filter(OPENED)
    assert (page.items[0].id, page.items[0].tag_ids) == (456, (123,))


@pytest.mark.parametrize(
    ("conditions", "options", "error", "message"),
    [
        ({"type": "opens"}, {}, TypeError, "conditions must be a list of dicts"),
        ([("opens", 1)], {}, TypeError, r"conditions\[0\] must be a dict"),
        ([{"count_greater_than": 1}], {}, ValueError, r"conditions\[0\] has no 'type'"),
        ([{"type": "views"}], {}, ValueError, r"conditions\[0\]\['type'\] must be one of opens"),
        (
            [{"type": "opens", "after": datetime(2024, 1, 1, tzinfo=UTC)}],
            {},
            TypeError,
            r"conditions\[0\]\['after'\] must be a date \(Kit counts whole days\)",
        ),
        (OPENED, {"include": ["opens"]}, ValueError, r"include\[0\]\['type'\] must be one of"),
        (OPENED, {"include": "tags"}, TypeError, "include must be a list"),
        (OPENED, {"include": [{"range": {}}]}, TypeError, r"include\[0\] must be a type name"),
        (OPENED, {"counting_mode": "all"}, ValueError, "counting_mode must be one of raw"),
        (OPENED, {"sort_field": "state"}, ValueError, "sort_field must be one of id"),
        (
            OPENED,
            {"sort_field": "location__distance"},
            ValueError,
            "needs a 'location' condition",
        ),
        (OPENED, {"after": "x", "before": "y"}, ValueError, "either after= or before="),
    ],
)
async def test_bad_filters_are_refused_before_any_request(
    scripted: Scripted,
    conditions: Any,
    options: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(error, match=message):
            kit.subscribers.filter(conditions, **options)
    assert scripted.received == []


async def test_a_distance_sort_is_sent_with_its_location_condition(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"subscribers": [], "pagination": PAGE_END}))
    near = [{"type": "location", "latitude": 43.6, "longitude": -116.2, "radius": 25}]
    async with api_key_client(scripted) as kit:
        await kit.subscribers.filter(near, sort_field="location__distance")
    assert sent(scripted)[3] == {"all": near, "sort_field": "location__distance", "per_page": 1000}


def test_a_get_list_takes_no_body() -> None:
    endpoint = ListEndpoint("/v4/tags", Tag, Envelope(at=("tags",)))
    with pytest.raises(TypeError, match="GET /v4/tags is a list without a body"):
        endpoint.paginate(None, json={"all": []})  # type: ignore[arg-type]


def test_a_list_is_a_get_or_a_post() -> None:
    with pytest.raises(ValueError, match="'method' must be in"):
        ListEndpoint("/v4/tags", Tag, Envelope(at=("tags",)), method="DELETE")


async def test_a_post_listing_shows_its_method(scripted: Scripted) -> None:
    async with api_key_client(scripted) as kit:
        paginator = kit.subscribers.filter(OPENED, per_page=5)
    assert repr(paginator) == "AsyncPaginator(POST /v4/subscribers/filter, per_page=5)"


# -- stats ---------------------------------------------------------------------------------


async def test_stats_send_the_date_range_and_decode_kits_example(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"subscriber": {"id": 1103, "stats": STATS}}))
    async with api_key_client(scripted) as kit:
        stats = await kit.subscribers.stats(
            1103, email_sent_after=date(2025, 7, 1), email_sent_before="2025-08-31"
        )
    assert stats == SubscriberStats(
        sent=2,
        opened=1,
        clicked=1,
        bounced=1,
        open_rate=0.5,
        click_rate=0.5,
        last_sent=datetime(2025, 7, 13, 12, tzinfo=UTC),
        last_opened=datetime(2025, 7, 13, 12, tzinfo=UTC),
        last_clicked=datetime(2025, 7, 14, 12, tzinfo=UTC),
        sends_since_last_open=0,
        sends_since_last_click=0,
    )
    assert sent(scripted) == (
        "GET",
        "/v4/subscribers/1103/stats",
        [("email_sent_after", "2025-07-01"), ("email_sent_before", "2025-08-31")],
        None,
    )


async def test_stats_of_a_subscriber_never_sent_to_have_no_last_times(scripted: Scripted) -> None:
    zero = {"sent": 0, "opened": 0, "clicked": 0, "bounced": 0, "open_rate": 0, "click_rate": 0}
    scripted.answers.append(web.json_response({"subscriber": {"id": 1, "stats": zero}}))
    async with api_key_client(scripted) as kit:
        stats = await kit.subscribers.stats(1)
    assert (stats.open_rate, stats.last_sent, stats.sends_since_last_open) == (0.0, None, None)
    assert sent(scripted)[2] == []


async def test_stats_outside_the_retention_window_are_a_bad_request(scripted: Scripted) -> None:
    message = "email_sent_after must be on or after 2021-10-15"
    scripted.answers.append(web.json_response({"errors": [message]}, status=400))
    async with api_key_client(scripted) as kit:
        with pytest.raises(BadRequestError, match=message):
            await kit.subscribers.stats(1, email_sent_after="2001-01-01")


async def test_stats_dates_are_whole_days(scripted: Scripted) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(TypeError, match=r"email_sent_after=value\.date\(\)"):
            await kit.subscribers.stats(1, email_sent_after=datetime(2025, 7, 1, tzinfo=UTC))
        with pytest.raises(ValueError, match="email_sent_before must be an ISO 8601 date"):
            await kit.subscribers.stats(1, email_sent_before="")
    assert scripted.received == []


# -- location ------------------------------------------------------------------------------


async def test_pin_location_sends_the_given_fields_and_reads_the_pin(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"subscriber": {"id": 1100, "location": PIN}}))
    async with api_key_client(scripted) as kit:
        pin = await kit.subscribers.pin_location(
            1100, country_code="US", city="Boise", latitude=43.62, longitude=-116
        )
    assert pin == PinnedLocation(1100, "US", "Boise", "Idaho", 43.62, -116.2, "America/Denver")
    assert sent(scripted) == (
        "POST",
        "/v4/subscribers/1100/location",
        [],
        {"location": {"city": "Boise", "country_code": "US", "latitude": 43.62, "longitude": -116}},
    )


async def test_pinning_is_retried_after_a_500_because_a_pin_replaces_the_last(
    scripted: Scripted,
) -> None:
    scripted.answers += [
        web.Response(status=503),
        web.json_response({"subscriber": {"id": 1, "location": {"country_code": "PT"}}}),
    ]
    async with api_key_client(scripted) as kit:
        pin = await kit.subscribers.pin_location(1, country_code="PT")
    assert pin == PinnedLocation(1, "PT")
    assert len(scripted.received) == 2


@pytest.mark.parametrize(
    ("location", "error", "message"),
    [
        ({"country_code": "USA"}, ValueError, "ISO 3166-1 alpha-2"),
        ({"country_code": "U1"}, ValueError, "ISO 3166-1 alpha-2"),
        ({"country_code": ""}, ValueError, "country_code must not be empty"),
        ({"country_code": "US", "latitude": 91}, ValueError, "latitude must be between -90 and 90"),
        ({"country_code": "US", "longitude": -180.5}, ValueError, "between -180 and 180"),
        ({"country_code": "US", "latitude": "43.6"}, TypeError, "latitude must be a number"),
        ({"country_code": "US", "latitude": True}, TypeError, "latitude must be a number"),
        ({"country_code": "US", "timezone": " "}, ValueError, "timezone must not be empty"),
    ],
)
async def test_bad_locations_are_refused_before_sending(
    scripted: Scripted, location: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.subscribers.pin_location(1, **location)
    assert scripted.received == []


async def test_update_location_sends_all_six_fields_with_patch(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"subscriber": {"id": 1128, "location": PIN}}))
    async with api_key_client(scripted) as kit:
        pin = await kit.subscribers.update_location(1128, **PIN)
    assert pin.subscriber_id == 1128
    assert sent(scripted) == ("PATCH", "/v4/subscribers/1128/location", [], {"location": PIN})


async def test_update_location_refuses_a_missing_field_before_sending(scripted: Scripted) -> None:
    partial = {name: value for name, value in PIN.items() if name not in ("city", "timezone")}
    async with api_key_client(scripted) as kit:
        with pytest.raises(TypeError, match="missing 2 required keyword-only arguments"):
            await kit.subscribers.update_location(1, **partial)
        with pytest.raises(TypeError, match="replaces the whole pin: city, timezone must be given"):
            await kit.subscribers.update_location(1, **partial, city=None, timezone=None)  # type: ignore[arg-type]
    assert scripted.received == []


async def test_a_blank_country_code_is_kits_422(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"errors": ["Country code can't be blank"]}, status=422)
    )
    async with api_key_client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError, match="Country code can't be blank"):
            await kit.subscribers.update_location(1, **PIN)


async def test_delete_location_answers_204_and_names_an_unknown_subscriber(
    scripted: Scripted,
) -> None:
    scripted.answers += [
        web.Response(status=204),
        web.json_response({"errors": ["Not Found"]}, status=404),
    ]
    async with api_key_client(scripted) as kit:
        await kit.subscribers.delete_location(7)
        with pytest.raises(NotFoundError) as info:
            await kit.subscribers.delete_location(8)
    assert sent(scripted) == ("DELETE", "/v4/subscribers/7/location", [], None)
    assert info.value.path_params == {"subscriber_id": 8}


async def test_a_500_on_a_page_names_the_cursor_to_resume_from(scripted: Scripted) -> None:
    scripted.answers += [web.json_response(FILTERED)] + [web.Response(status=500) for _ in range(4)]
    async with api_key_client(scripted) as kit:
        with pytest.raises(InternalServerError) as info:
            [s async for s in kit.subscribers.filter(OPENED)]
    assert info.value.cursor == "Wzc4OV0="
    assert len(scripted.received) == 5
