"""`kit.tags`: what each method sends and how it reads Kit's answers.

Unit tests of one layer: a scripted loopback server answers as Kit's
description shows, and records what arrived. The end-to-end flows against
FakeKit's stateful tags live with FakeKit's namespaces.
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
    BulkAccepted,
    BulkResult,
    KitClient,
    NotFoundError,
    OAuthRequiredError,
    Subscriber,
    Tag,
    Upserted,
)

TAG = {"id": 11, "name": "Completed", "created_at": "2023-02-17T11:43:55Z"}
SUBSCRIBER = {
    "id": 946,
    "first_name": None,
    "email_address": "alice@convertkit.dev",
    "state": "active",
    "created_at": "2023-02-17T11:43:55Z",
    "tagged_at": "2023-02-18T11:43:55Z",
    "fields": {"category": None},
}
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzVd",
    "end_cursor": "WzRd",
    "per_page": 500,
}


def api_key_client(server: Scripted) -> KitClient:
    return KitClient("kit_tags_key", base_url=server.url, rate_limit=None)


def oauth_client(server: Scripted) -> KitClient:
    return KitClient(access_token="tags_token", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


async def test_create_sends_the_name_and_tells_a_new_tag_from_an_existing_one(
    scripted: Scripted,
) -> None:
    scripted.answers += [
        web.json_response({"tag": TAG}, status=201),
        web.json_response({"tag": TAG}, status=200),
    ]
    async with api_key_client(scripted) as kit:
        new = await kit.tags.create("Completed")
        again = await kit.tags.create("completed")

    assert new == Upserted(Tag(11, "Completed", datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)), 201)
    assert (new.created, again.created, again.pending) == (True, False, False)
    assert sent(scripted) == ("POST", "/v4/tags", [], {"name": "Completed"})


async def test_creating_a_tag_is_retried_after_a_500_because_kit_returns_the_existing_one(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({"tag": TAG}, status=200)]
    async with api_key_client(scripted) as kit:
        result = await kit.tags.create("Completed")
    assert result.item.id == 11
    assert len(scripted.received) == 2


async def test_update_renames_by_id(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"tag": {**TAG, "name": "Done"}}))
    async with api_key_client(scripted) as kit:
        tag = await kit.tags.update(11, "Done")
    assert tag.name == "Done"
    assert sent(scripted) == ("PUT", "/v4/tags/11", [], {"name": "Done"})


async def test_list_pages_through_tags_and_asks_for_counts_when_told(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"tags": [{**TAG, "subscriber_count": 3}], "pagination": PAGE_END})
    )
    async with api_key_client(scripted) as kit:
        tags = [tag async for tag in kit.tags.list(include_subscriber_count=True, per_page=50)]
    assert [(t.id, t.subscriber_count) for t in tags] == [(11, 3)]
    assert sent(scripted)[:3] == (
        "GET",
        "/v4/tags",
        [("include", "subscriber_count"), ("per_page", "50")],
    )


async def test_subscribers_of_a_tag_send_every_filter_kit_documents(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"subscribers": [SUBSCRIBER], "pagination": PAGE_END})
    )
    async with api_key_client(scripted) as kit:
        found = [
            s
            async for s in kit.tags.subscribers(
                5,
                status="all",
                created_after=datetime(2023, 1, 1, tzinfo=UTC),
                tagged_before="2023-03-01",
                include_total_count=True,
            )
        ]
    (subscriber,) = found
    assert isinstance(subscriber, Subscriber)
    assert (subscriber.first_name, subscriber.fields, subscriber.tagged_at) == (
        None,
        {"category": None},
        datetime(2023, 2, 18, 11, 43, 55, tzinfo=UTC),
    )
    method, path, query, _ = sent(scripted)
    assert (method, path) == ("GET", "/v4/tags/5/subscribers")
    assert dict(query) == {
        "status": "all",
        "created_after": "2023-01-01T00:00:00Z",
        "tagged_before": "2023-03-01",
        "include_total_count": "true",
        "per_page": "1000",
    }


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"status": "gone"}, ValueError, "status must be one of active, inactive"),
        ({"tagged_after": 20230101}, TypeError, "tagged_after must be a datetime"),
        ({"per_page": 0}, ValueError, "per_page must be between 1 and 1000"),
    ],
)
async def test_bad_filters_are_refused_before_any_request(
    scripted: Scripted, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(error, match=message):
            kit.tags.subscribers(5, **arguments)
    assert scripted.received == []


async def test_tagging_by_id_or_by_email_uses_kits_two_paths(scripted: Scripted) -> None:
    scripted.answers += [
        web.json_response({"subscriber": SUBSCRIBER}, status=201),
        web.json_response({"subscriber": SUBSCRIBER}, status=200),
    ]
    async with api_key_client(scripted) as kit:
        by_id = await kit.tags.tag_subscriber(5, subscriber_id=946)
        by_email = await kit.tags.tag_subscriber(5, email_address="alice@convertkit.dev")

    assert (by_id.created, by_email.created) == (True, False)
    assert sent(scripted, 0) == ("POST", "/v4/tags/5/subscribers/946", [], {})
    assert sent(scripted, 1) == (
        "POST",
        "/v4/tags/5/subscribers",
        [],
        {"email_address": "alice@convertkit.dev"},
    )


@pytest.mark.parametrize(
    "who",
    [{}, {"subscriber_id": 1, "email_address": "a@x.io"}],
)
async def test_tagging_needs_exactly_one_way_to_name_the_subscriber(
    scripted: Scripted, who: dict[str, Any]
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(TypeError, match="exactly one of subscriber_id= or email_address="):
            await kit.tags.tag_subscriber(5, **who)
    assert scripted.received == []


async def test_untagging_answers_204_with_nothing(scripted: Scripted) -> None:
    scripted.answers += [web.Response(status=204), web.Response(status=204)]
    async with api_key_client(scripted) as kit:
        await kit.tags.untag_subscriber(5, subscriber_id=946)  # returns None (typed so)
        await kit.tags.untag_subscriber(5, email_address="a+b@x.io")

    assert sent(scripted, 0) == ("DELETE", "/v4/tags/5/subscribers/946", [], None)
    assert sent(scripted, 1) == (
        "DELETE",
        "/v4/tags/5/subscribers",
        [("email_address", "a+b@x.io")],
        None,
    )


async def test_an_unknown_tag_is_a_not_found_error_naming_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with api_key_client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.tags.tag_subscriber(404, subscriber_id=1)
    assert info.value.path_params == {"tag_id": 404, "id": 1}
    assert info.value.resource_id == 404


# -- bulk: OAuth only, 200 with results or 202 queued ----------------------------------------


async def test_bulk_calls_are_refused_to_an_api_key_before_sending(scripted: Scripted) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(OAuthRequiredError):
            await kit.tags.bulk_create(["A"])
        with pytest.raises(OAuthRequiredError):
            await kit.tags.bulk_untag_subscribers([{"tag_id": 1, "subscriber_id": 2}])
    assert scripted.received == []


async def test_bulk_create_returns_kits_tags_and_failures(scripted: Scripted) -> None:
    failure = {"errors": ["Name is too long"], "tag": {"name": "x" * 300}}
    scripted.answers.append(web.json_response({"tags": [TAG], "failures": [failure]}))
    async with oauth_client(scripted) as kit:
        result = await kit.tags.bulk_create(["Completed", "x" * 300], callback_url=None)

    assert isinstance(result, BulkResult)
    assert [tag.id for tag in result.items] == [11]
    assert result.failures == (failure,)
    assert sent(scripted) == (
        "POST",
        "/v4/bulk/tags",
        [],
        {"tags": [{"name": "Completed"}, {"name": "x" * 300}]},
    )


async def test_a_queued_bulk_call_says_where_the_results_go(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({}, status=202))
    taggings = [{"tag_id": 1, "subscriber_id": n} for n in range(1, 102)]
    async with oauth_client(scripted) as kit:
        result = await kit.tags.bulk_tag_subscribers(taggings, callback_url="https://me.example/cb")

    assert result == BulkAccepted("https://me.example/cb")
    body = sent(scripted)[3]
    assert len(body["taggings"]) == 101
    assert body["callback_url"] == "https://me.example/cb"


async def test_bulk_delete_sends_its_ids_in_a_delete_body(scripted: Scripted) -> None:
    failure = {"errors": ["Tag does not exist"], "tag": {"id": 92}}
    scripted.answers.append(web.json_response({"failures": [failure]}))
    async with oauth_client(scripted) as kit:
        result = await kit.tags.bulk_delete([91, 92])

    assert result == BulkResult((), (failure,))
    assert sent(scripted) == ("DELETE", "/v4/bulk/tags", [], {"tags": [{"id": 91}, {"id": 92}]})


@pytest.mark.parametrize(
    ("taggings", "error", "message"),
    [
        ([], ValueError, "taggings must not be empty"),
        ({"tag_id": 1}, TypeError, "taggings must be a list"),
        ([{"tag_id": 1}], TypeError, r"taggings\[0\]\['subscriber_id'\] must be an int"),
        ([(1, 2)], TypeError, r"taggings\[0\] must be a dict"),
    ],
)
async def test_bad_taggings_are_refused_before_sending(
    scripted: Scripted, taggings: Any, error: type[Exception], message: str
) -> None:
    async with oauth_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.tags.bulk_tag_subscribers(taggings)
    assert scripted.received == []
