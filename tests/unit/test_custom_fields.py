"""`kit.custom_fields`: what each method sends and how it reads Kit's answers.

Unit tests of one layer, against a scripted loopback server answering with
the bodies of Kit's description.
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
    CustomField,
    CustomFieldValue,
    InternalServerError,
    KitClient,
    NotFoundError,
    OAuthRequiredError,
    UnprocessableEntityError,
    Upserted,
)

FIELD: dict[str, Any] = {
    "id": 6,
    "name": "ck_field_6_interests",
    "key": "interests",
    "label": "Interests",
}
PAGE_END: dict[str, Any] = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzFd",
    "end_cursor": "WzFd",
    "per_page": 500,
}


def api_key_client(server: Scripted) -> KitClient:
    return KitClient("kit_fields_key", base_url=server.url, rate_limit=None)


def oauth_client(server: Scripted) -> KitClient:
    return KitClient(access_token="fields_token", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


async def test_list_pages_through_the_custom_fields(scripted: Scripted) -> None:
    first = {**PAGE_END, "has_next_page": True, "end_cursor": "WzJd"}
    last_name = {"id": 1, "name": "ck_field_1_last_name", "key": "last_name", "label": "Last name"}
    scripted.answers += [
        web.json_response({"custom_fields": [last_name], "pagination": first}),
        web.json_response({"custom_fields": [FIELD], "pagination": PAGE_END}),
    ]
    async with api_key_client(scripted) as kit:
        fields = [f async for f in kit.custom_fields.list(per_page=1, include_total_count=True)]
    assert fields == [
        CustomField(1, "ck_field_1_last_name", "last_name", "Last name"),
        CustomField(6, "ck_field_6_interests", "interests", "Interests"),
    ]
    assert sent(scripted, 0)[:3] == (
        "GET",
        "/v4/custom_fields",
        [("include_total_count", "true"), ("per_page", "1")],
    )
    assert sent(scripted, 1)[2] == [("per_page", "1"), ("after", "WzJd")]


async def test_create_tells_a_new_field_from_an_existing_label(scripted: Scripted) -> None:
    scripted.answers += [
        web.json_response({"custom_field": FIELD}, status=201),
        web.json_response({"custom_field": FIELD}, status=200),
    ]
    async with api_key_client(scripted) as kit:
        new = await kit.custom_fields.create("Interests")
        again = await kit.custom_fields.create("Interests")
    assert new == Upserted(CustomField(**FIELD), 201)
    assert (new.created, again.created) == (True, False)
    assert sent(scripted) == ("POST", "/v4/custom_fields", [], {"label": "Interests"})


async def test_creating_a_field_is_retried_after_a_500_because_kit_returns_the_existing_one(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({"custom_field": FIELD})]
    async with api_key_client(scripted) as kit:
        result = await kit.custom_fields.create("Interests")
    assert result.item.id == 6
    assert len(scripted.received) == 2


@pytest.mark.parametrize(
    ("label", "error", "message"),
    [(" ", ValueError, "label must not be empty"), (None, TypeError, "label must be a str")],
)
async def test_a_bad_label_is_refused_before_sending(
    scripted: Scripted, label: Any, error: type[Exception], message: str
) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.custom_fields.create(label)
        with pytest.raises(error, match=message):
            await kit.custom_fields.update(6, label)
    assert scripted.received == []


async def test_update_renames_by_id(scripted: Scripted) -> None:
    renamed = {"id": 22, "name": "ck_field_22_zip_code", "key": "post_code", "label": "Post code"}
    scripted.answers.append(web.json_response({"custom_field": renamed}))
    async with api_key_client(scripted) as kit:
        field = await kit.custom_fields.update(22, "Post code")
    assert (field.key, field.name) == ("post_code", "ck_field_22_zip_code")
    assert sent(scripted) == ("PUT", "/v4/custom_fields/22", [], {"label": "Post code"})


async def test_an_unknown_field_is_a_not_found_error_naming_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with api_key_client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.custom_fields.update(404, "Anything")
    assert info.value.path_params == {"id": 404}


async def test_delete_answers_204_and_kits_422_is_raised(scripted: Scripted) -> None:
    scripted.answers += [
        web.Response(status=204),
        web.json_response({"errors": ["Unable to destroy the custom field."]}, status=422),
    ]
    async with api_key_client(scripted) as kit:
        await kit.custom_fields.delete(42)
        with pytest.raises(UnprocessableEntityError, match="Unable to destroy"):
            await kit.custom_fields.delete(43)
    assert sent(scripted) == ("DELETE", "/v4/custom_fields/42", [], None)


# -- bulk: OAuth only ---------------------------------------------------------------------


async def test_bulk_calls_are_refused_to_an_api_key_before_sending(scripted: Scripted) -> None:
    async with api_key_client(scripted) as kit:
        with pytest.raises(OAuthRequiredError):
            await kit.custom_fields.bulk_create(["Interests"])
        with pytest.raises(OAuthRequiredError):
            await kit.custom_fields.bulk_update_values(
                [{"subscriber_id": 1, "subscriber_custom_field_id": 2, "value": "x"}]
            )
    assert scripted.received == []


async def test_bulk_create_returns_the_new_fields_and_the_labels_kit_refused(
    scripted: Scripted,
) -> None:
    existing = {**FIELD, "id": 78, "label": "Existing", "created_at": "2023-02-17T11:43:55Z"}
    failure = {"custom_field": existing, "errors": ["Label has already been taken"]}
    new = {**FIELD, "id": 80, "created_at": "2023-02-17T11:43:55Z"}
    scripted.answers.append(web.json_response({"custom_fields": [new], "failures": [failure]}))
    async with oauth_client(scripted) as kit:
        result = await kit.custom_fields.bulk_create(["Interests", "Existing"])

    assert isinstance(result, BulkResult)
    assert result.items == (
        CustomField(
            80,
            "ck_field_6_interests",
            "interests",
            "Interests",
            datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC),
        ),
    )
    assert result.failures == (failure,)
    assert sent(scripted) == (
        "POST",
        "/v4/bulk/custom_fields",
        [],
        {"custom_fields": [{"label": "Interests"}, {"label": "Existing"}]},
    )


async def test_bulk_create_is_not_retried_once_it_may_have_reached_kit(
    scripted: Scripted,
) -> None:
    scripted.answers.append(web.Response(status=500))
    async with oauth_client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.custom_fields.bulk_create(["Interests"])
    assert len(scripted.received) == 1


async def test_a_queued_bulk_create_says_where_the_results_go(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({}, status=202))
    async with oauth_client(scripted) as kit:
        result = await kit.custom_fields.bulk_create(
            [f"Field {n}" for n in range(101)], callback_url="https://me.example/cb"
        )
    assert result == BulkAccepted("https://me.example/cb")
    assert len(sent(scripted)[3]["custom_fields"]) == 101


async def test_bulk_update_values_sends_kits_items_and_an_explicit_null_callback(
    scripted: Scripted,
) -> None:
    unknown_subscriber = {
        "errors": ["Subscriber does not exist"],
        "custom_field_value": {
            "subscriber_id": None,
            "subscriber_custom_field_id": 157,
            "value": "J",
        },
    }
    answer = {
        "custom_field_values": [
            {"subscriber_id": 622, "subscriber_custom_field_id": 157, "value": "Smith"},
            {"subscriber_id": 622, "subscriber_custom_field_id": 158, "value": ""},
        ],
        "failures": [unknown_subscriber],
    }
    scripted.answers.append(web.json_response(answer))
    values = [
        {"subscriber_id": 622, "subscriber_custom_field_id": 157, "value": "Smith"},
        {"subscriber_id": 622, "subscriber_custom_field_id": 158, "value": ""},
        {"subscriber_id": 9, "subscriber_custom_field_id": 157, "value": "J"},
    ]
    async with oauth_client(scripted) as kit:
        result = await kit.custom_fields.bulk_update_values(values)

    assert result == BulkResult(
        (CustomFieldValue(622, 157, "Smith"), CustomFieldValue(622, 158, "")),
        (unknown_subscriber,),
    )
    assert sent(scripted) == (
        "POST",
        "/v4/bulk/custom_fields/subscribers",
        [],
        {"custom_field_values": values, "callback_url": None},
    )


async def test_bulk_update_values_is_retried_after_a_500_because_it_sets_values(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({}, status=202)]
    values = [
        {"subscriber_id": n, "subscriber_custom_field_id": 1, "value": "x"} for n in range(1, 102)
    ]
    async with oauth_client(scripted) as kit:
        result = await kit.custom_fields.bulk_update_values(
            values, callback_url="https://me.example/cb"
        )
    assert result == BulkAccepted("https://me.example/cb")
    assert len(scripted.received) == 2


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ([], ValueError, "values must not be empty"),
        ({"subscriber_id": 1}, TypeError, "values must be a list"),
        ([(1, 2, "x")], TypeError, r"values\[0\] must be a dict"),
        (
            [{"subscriber_id": 1, "value": "x"}],
            TypeError,
            r"values\[0\]\['subscriber_custom_field_id'\] must be an int",
        ),
        (
            [{"subscriber_id": 1, "subscriber_custom_field_id": 2, "value": 3}],
            TypeError,
            r"values\[0\]\['value'\] must be a str",
        ),
        (
            [{"subscriber_id": 1, "custom_field_id": 2, "value": "x"}],
            TypeError,
            "keys Kit does not take here: custom_field_id",
        ),
    ],
)
async def test_bad_values_are_refused_before_sending(
    scripted: Scripted, values: Any, error: type[Exception], message: str
) -> None:
    async with oauth_client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.custom_fields.bulk_update_values(values)
    assert scripted.received == []
