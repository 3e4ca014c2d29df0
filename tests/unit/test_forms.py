"""`kit.forms`: what each method sends and how it reads Kit's answers.

Unit tests of one layer: a scripted loopback server answers with the examples
of Kit's description, and records what arrived.
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
    APIStatusError,
    BulkAccepted,
    BulkResult,
    Form,
    KitClient,
    NotFoundError,
    OAuthRequiredError,
    Subscriber,
    UnprocessableEntityError,
)

WHEN = datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)
REFERRER = "https://mywebsite.com/bfpromo/?utm_source=facebook&utm_medium=cpc"
UTM = {
    "source": "facebook",
    "medium": "cpc",
    "campaign": "black_friday",
    "term": "car_owners",
    "content": "get_10_off",
}
# The items of Kit's example for GET /v4/forms.
FORM = {
    "id": 44,
    "name": "Sign up",
    "created_at": "2023-02-17T11:43:55Z",
    "type": "embed",
    "format": None,
    "embed_js": "https://kit-greetings.ck.page/f049e3d9ab/index.js",
    "embed_url": "https://kit-greetings.ck.page/f049e3d9ab",
    "archived": False,
    "uid": "f049e3d9ab",
}
LANDING_PAGE = {
    **FORM,
    "id": 43,
    "name": "Lead gen",
    "type": "hosted",
    "embed_js": "https://kit-greetings.ck.page/ae7c1adaa1/index.js",
    "embed_url": "https://kit-greetings.ck.page/ae7c1adaa1",
    "uid": "ae7c1adaa1",
}
# A subscriber of a form, as GET /v4/forms/{form_id}/subscribers and the adds send them.
FORM_SUBSCRIBER = {
    "id": 519,
    "first_name": None,
    "email_address": "subscriber301@convertkit.dev",
    "state": "active",
    "created_at": "2023-02-17T11:43:55Z",
    "added_at": "2023-02-18T11:43:55Z",
    "fields": {"category": "One"},
    "referrer": REFERRER,
    "referrer_utm_parameters": UTM,
}
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzQ0XQ==",
    "end_cursor": "WzQzXQ==",
    "per_page": 500,
}


def api_key_client(server: Scripted) -> KitClient:
    return KitClient("kit_forms_key", base_url=server.url, rate_limit=None)


def oauth_client(server: Scripted) -> KitClient:
    return KitClient(access_token="forms_token", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


# -- list ------------------------------------------------------------------------------------


async def test_list_reads_forms_and_landing_pages_as_kit_sends_them(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"forms": [FORM, LANDING_PAGE], "pagination": PAGE_END})
    )
    async with api_key_client(scripted) as kit:
        forms = [form async for form in kit.forms.list()]

    assert forms[0] == Form(
        id=44,
        name="Sign up",
        created_at=WHEN,
        type="embed",
        archived=False,
        uid="f049e3d9ab",
        embed_js="https://kit-greetings.ck.page/f049e3d9ab/index.js",
        embed_url="https://kit-greetings.ck.page/f049e3d9ab",
    )
    assert [(f.type, f.format, f.subscriber_count) for f in forms] == [
        ("embed", None, None),
        ("hosted", None, None),
    ]
    assert sent(scripted) == ("GET", "/v4/forms", [("per_page", "1000")], None)


async def test_list_sends_kits_filters_and_asks_for_counts_when_told(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response(
            {
                "forms": [{**FORM, "format": "modal", "subscriber_count": 12}],
                "pagination": {**PAGE_END, "total_count": 1},
            }
        )
    )
    async with api_key_client(scripted) as kit:
        page = await kit.forms.list(
            status="all",
            type="embed",
            include_subscriber_count=True,
            include_total_count=True,
            per_page=10,
        )

    assert [(f.format, f.subscriber_count) for f in page.items] == [("modal", 12)]
    assert page.pagination.total_count == 1
    assert dict(sent(scripted)[2]) == {
        "status": "all",
        "type": "embed",
        "include": "subscriber_count",
        "include_total_count": "true",
        "per_page": "10",
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"status": "deleted"}, "status must be one of active, archived, trashed, all"),
        ({"type": "landing_page"}, "type must be one of embed, hosted"),
    ],
)
async def test_list_refuses_values_kit_does_not_document_before_any_request(
    scripted: Scripted, arguments: dict[str, Any], message: str
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(ValueError, match=message):
            kit.forms.list(**arguments)
    assert scripted.received == []


# -- subscribers -----------------------------------------------------------------------------


async def test_subscribers_of_a_form_carry_when_and_where_they_joined(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"subscribers": [FORM_SUBSCRIBER], "pagination": PAGE_END})
    )
    async with api_key_client(scripted) as kit:
        (subscriber,) = [s async for s in kit.forms.subscribers(138)]

    assert isinstance(subscriber, Subscriber)
    assert (subscriber.id, subscriber.first_name, subscriber.state) == (519, None, "active")
    assert subscriber.added_at == datetime(2023, 2, 18, 11, 43, 55, tzinfo=UTC)
    assert subscriber.referrer == REFERRER
    assert subscriber.referrer_utm_parameters == UTM
    assert subscriber.fields == {"category": "One"}
    assert sent(scripted)[:2] == ("GET", "/v4/forms/138/subscribers")


async def test_subscribers_of_a_form_send_every_filter_kit_documents(scripted: Scripted) -> None:
    slim = {key: value for key, value in FORM_SUBSCRIBER.items() if key != "fields"}
    scripted.answers.append(web.json_response({"subscribers": [slim], "pagination": PAGE_END}))
    async with api_key_client(scripted) as kit:
        found = [
            s
            async for s in kit.forms.subscribers(
                138,
                status="cancelled",
                added_after=date(2023, 2, 14),
                added_before=datetime(2023, 2, 18, 11, 43, 55, tzinfo=UTC),
                created_after="2023-01-17T11:43:55Z",
                created_before="2023-02-18",
                slim=True,
                include_total_count=True,
                per_page=100,
            )
        ]

    assert found[0].fields == {}
    assert dict(sent(scripted)[2]) == {
        "status": "cancelled",
        "added_after": "2023-02-14",
        "added_before": "2023-02-18T11:43:55Z",
        "created_after": "2023-01-17T11:43:55Z",
        "created_before": "2023-02-18",
        "slim": "true",
        "include_total_count": "true",
        "per_page": "100",
    }


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"status": "unsubscribed"}, ValueError, "status must be one of active, inactive"),
        ({"added_after": 1676600000}, TypeError, "added_after must be a datetime"),
        ({"form_id": "138"}, TypeError, "form_id must be an int"),
        ({"form_id": 0}, ValueError, "form_id must be a positive int"),
    ],
)
async def test_bad_subscriber_filters_are_refused_before_any_request(
    scripted: Scripted, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments = {"form_id": 138, **arguments}
    async with api_key_client(scripted) as kit:
        with pytest.raises(error, match=message):
            kit.forms.subscribers(**arguments)
    assert scripted.received == []


async def test_an_unknown_form_is_a_not_found_error_naming_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with api_key_client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.forms.subscribers(404)
    assert info.value.resource_id == 404
    assert info.value.path == "/v4/forms/404/subscribers"


# -- add a subscriber ------------------------------------------------------------------------


async def test_adding_by_id_or_by_email_uses_kits_two_paths_and_tells_new_from_existing(
    scripted: Scripted,
) -> None:
    scripted.answers += [
        web.json_response({"subscriber": FORM_SUBSCRIBER}, status=201),
        web.json_response({"subscriber": FORM_SUBSCRIBER}, status=200),
    ]
    async with api_key_client(scripted) as kit:
        by_id = await kit.forms.add_subscriber(174, subscriber_id=599, referrer=REFERRER)
        by_email = await kit.forms.add_subscriber(194, email_address="alice@convertkit.dev")

    assert (by_id.created, by_email.created) == (True, False)
    assert by_id.item.referrer_utm_parameters == UTM
    assert sent(scripted, 0) == (
        "POST",
        "/v4/forms/174/subscribers/599",
        [],
        {"referrer": REFERRER},
    )
    assert sent(scripted, 1) == (
        "POST",
        "/v4/forms/194/subscribers",
        [],
        {"email_address": "alice@convertkit.dev"},
    )


async def test_adding_by_email_sends_the_referrer_beside_the_address(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"subscriber": FORM_SUBSCRIBER}, status=201))
    async with api_key_client(scripted) as kit:
        await kit.forms.add_subscriber(194, email_address="a@x.io", referrer=REFERRER)
    assert sent(scripted)[3] == {"email_address": "a@x.io", "referrer": REFERRER}


async def test_adding_by_id_without_a_referrer_sends_an_empty_object(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"subscriber": FORM_SUBSCRIBER}, status=201))
    async with api_key_client(scripted) as kit:
        await kit.forms.add_subscriber(174, subscriber_id=599)
    assert sent(scripted)[3] == {}


async def test_adding_is_retried_after_a_500_because_kit_answers_a_repeat_with_200(
    scripted: Scripted,
) -> None:
    scripted.answers += [
        web.Response(status=500),
        web.json_response({"subscriber": FORM_SUBSCRIBER}, status=200),
    ]
    async with api_key_client(scripted) as kit:
        result = await kit.forms.add_subscriber(174, email_address="a@x.io")
    assert result.item.id == 519
    assert len(scripted.received) == 2


@pytest.mark.parametrize(
    ("who", "error", "message"),
    [
        ({}, TypeError, "exactly one of subscriber_id= or email_address="),
        ({"subscriber_id": 1, "email_address": "a@x.io"}, TypeError, "exactly one of"),
        ({"email_address": "a@x.io", "referrer": 7}, TypeError, "referrer must be a str"),
        ({"subscriber_id": "599"}, TypeError, "subscriber_id must be an int"),
    ],
)
async def test_bad_add_arguments_are_refused_before_sending(
    scripted: Scripted, who: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.forms.add_subscriber(174, **who)
    assert scripted.received == []


async def test_kits_refusal_of_an_address_is_an_unprocessable_entity_error(
    scripted: Scripted,
) -> None:
    message = "Either subscriber id or email address is required to add subscriber to form"
    scripted.answers.append(web.json_response({"errors": [message]}, status=422))
    async with api_key_client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError) as info:
            await kit.forms.add_subscriber(194, email_address="not an address")
    assert info.value.errors == (message,)
    assert len(scripted.received) == 1


async def test_an_unknown_subscriber_is_a_not_found_error_naming_form_and_subscriber(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with api_key_client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.forms.add_subscriber(174, subscriber_id=404)
    assert info.value.path_params == {"form_id": 174, "id": 404}


# -- bulk: OAuth only, 200 with results or 202 queued ----------------------------------------

BULK_SUBSCRIBER = {  # Kit's bulk example: no `state`, no `fields`
    "id": 481,
    "first_name": "Sub",
    "email_address": "sub@example.com",
    "created_at": "2023-02-17T11:43:55Z",
    "added_at": "2023-02-17T11:43:55Z",
    "referrer": REFERRER,
    "referrer_utm_parameters": UTM,
}
BULK_FAILURE = {
    "errors": ["Subscriber does not exist"],
    "subscription": {"form_id": 112, "subscriber_id": None, "referrer": REFERRER},
}


async def test_bulk_add_is_refused_to_an_api_key_before_sending(scripted: Scripted) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(OAuthRequiredError):
            await kit.forms.bulk_add_subscribers([{"form_id": 1, "subscriber_id": 2}])
    assert scripted.received == []


async def test_bulk_add_returns_the_added_subscribers_and_kits_failures(
    scripted: Scripted,
) -> None:
    scripted.answers.append(
        web.json_response({"subscribers": [BULK_SUBSCRIBER], "failures": [BULK_FAILURE]})
    )
    additions: list[dict[str, Any]] = [
        {"form_id": 112, "subscriber_id": 481, "referrer": REFERRER},
        {"form_id": 112, "subscriber_id": 9999},
    ]
    async with oauth_client(scripted) as kit:
        result = await kit.forms.bulk_add_subscribers(additions)

    assert isinstance(result, BulkResult)
    (subscriber,) = result.items
    assert (subscriber.id, subscriber.state, subscriber.added_at) == (481, None, WHEN)
    assert result.failures == (BULK_FAILURE,)
    assert sent(scripted) == ("POST", "/v4/bulk/forms/subscribers", [], {"additions": additions})


async def test_a_queued_bulk_add_says_where_the_results_go(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({}, status=202))
    additions = [{"form_id": 1, "subscriber_id": n} for n in range(1, 102)]
    async with oauth_client(scripted) as kit:
        result = await kit.forms.bulk_add_subscribers(
            additions, callback_url="https://me.example/cb"
        )

    assert result == BulkAccepted("https://me.example/cb")
    body = sent(scripted)[3]
    assert (len(body["additions"]), body["callback_url"]) == (101, "https://me.example/cb")


async def test_a_bulk_add_is_retried_after_a_500_because_repeating_it_adds_nothing_twice(
    scripted: Scripted,
) -> None:
    scripted.answers += [
        web.Response(status=500),
        web.json_response({"subscribers": [BULK_SUBSCRIBER], "failures": []}),
    ]
    async with oauth_client(scripted) as kit:
        result = await kit.forms.bulk_add_subscribers([{"form_id": 1, "subscriber_id": 481}])
    assert isinstance(result, BulkResult)
    assert len(scripted.received) == 2


@pytest.mark.parametrize(
    ("additions", "error", "message"),
    [
        ([], ValueError, "additions must not be empty"),
        ({"form_id": 1, "subscriber_id": 2}, TypeError, "additions must be a list"),
        ([(1, 2)], TypeError, r"additions\[0\] must be a dict"),
        ([{"form_id": 1}], TypeError, r"additions\[0\]\['subscriber_id'\] must be an int"),
        (
            [{"form_id": 1, "subscriber_id": 2}, {"form_id": 1, "subscriber_id": 3, "referer": ""}],
            TypeError,
            r"additions\[1\] has an unknown key 'referer'; Kit's are: form_id, subscriber_id",
        ),
        (
            [{"form_id": 1, "subscriber_id": 2, "referrer": ""}],
            ValueError,
            r"additions\[0\]\['referrer'\] must not be empty",
        ),
    ],
)
async def test_bad_additions_are_refused_before_sending(
    scripted: Scripted, additions: Any, error: type[Exception], message: str
) -> None:
    async with oauth_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.forms.bulk_add_subscribers(additions)
    assert scripted.received == []


async def test_kits_413_for_a_full_bulk_queue_is_raised(scripted: Scripted) -> None:
    message = "This request exceeds your queued bulk requests limit."
    scripted.answers.append(web.json_response({"errors": [message]}, status=413))
    async with oauth_client(scripted) as kit:
        with pytest.raises(APIStatusError, match="exceeds your queued bulk requests") as info:
            await kit.forms.bulk_add_subscribers([{"form_id": 1, "subscriber_id": 2}])
    assert info.value.status_code == 413
    assert len(scripted.received) == 1  # waiting is the caller's call, not a quick retry's
