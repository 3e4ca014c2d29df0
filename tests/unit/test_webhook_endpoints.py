"""`kit.webhook_endpoints`: what each method sends and how it reads Kit's answers.

Unit tests of one layer: a scripted loopback server answers with the example
bodies of Kit's description, and records what arrived.
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
    ConflictError,
    InternalServerError,
    KitClient,
    NotFoundError,
    PermissionDeniedError,
    WebhookEndpoint,
)

# Kit's example bodies (GET/PATCH answers carry no secret; create and rotate do).
ENDPOINT = {
    "id": 13,
    "name": "My webhook",
    "url": "https://hooks.example.com/incoming",
    "events": ["subscriber.created"],
    "status": "active",
    "source": "creator",
    "description": "A test webhook",
    "created_by_app": None,
    "created_at": "2023-02-17T11:43:55Z",
    "previous_secret_expires_at": None,
}
SECRET = "whsec_YOUR_SIGNING_SECRET_HERE"
CREATED = {
    **ENDPOINT,
    "id": 20,
    "events": ["custom_field.created", "subscriber.created"],
    "description": "Listens for things",
    "secret": SECRET,
}
ROTATED = {
    **ENDPOINT,
    "id": 66,
    "previous_secret_expires_at": "2023-02-18T11:43:55Z",
    "secret": SECRET,
}
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzJd",
    "end_cursor": "WzJd",
    "per_page": 500,
}
CREATED_AT = datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)


def client(server: Scripted) -> KitClient:
    return KitClient("kit_hooks_key", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


def one(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response({"webhook_endpoint": body}, status=status)


# -- reading ---------------------------------------------------------------------------------


async def test_list_filters_by_status_and_reads_kits_example(scripted: Scripted) -> None:
    listed = {**ENDPOINT, "id": 2, "events": ["custom_field.created", "subscriber.created"]}
    scripted.answers.append(
        web.json_response({"webhook_endpoints": [listed], "pagination": PAGE_END})
    )
    async with client(scripted) as kit:
        endpoints = [
            e async for e in kit.webhook_endpoints.list(status="disabled", include_total_count=True)
        ]

    assert endpoints == [
        WebhookEndpoint(
            id=2,
            url="https://hooks.example.com/incoming",
            events=("custom_field.created", "subscriber.created"),
            status="active",
            created_at=CREATED_AT,
            name="My webhook",
            description="A test webhook",
            source="creator",
        )
    ]
    assert endpoints[0].secret is None
    method, path, query, body = sent(scripted)
    assert (method, path, body) == ("GET", "/v4/webhook_endpoints", None)
    assert dict(query) == {"status": "disabled", "include_total_count": "true", "per_page": "1000"}


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"status": "paused"}, ValueError, "status must be one of active, disabled, got 'paused'"),
        ({"per_page": 1001}, ValueError, "per_page must be between 1 and 1000"),
    ],
)
async def test_bad_list_arguments_are_refused_before_any_request(
    scripted: Scripted, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            kit.webhook_endpoints.list(**arguments)
    assert scripted.received == []


async def test_get_reads_one_endpoint_without_a_secret(scripted: Scripted) -> None:
    scripted.answers.append(one(ENDPOINT))
    async with client(scripted) as kit:
        endpoint = await kit.webhook_endpoints.get(13)

    assert (endpoint.id, endpoint.events, endpoint.secret) == (13, ("subscriber.created",), None)
    assert endpoint.previous_secret_expires_at is None
    assert sent(scripted) == ("GET", "/v4/webhook_endpoints/13", [], None)


async def test_an_unknown_endpoint_is_a_not_found_error_naming_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.webhook_endpoints.get(404)
    assert info.value.path_params == {"id": 404}
    assert str(info.value) == "GET /v4/webhook_endpoints/404 answered 404: Not Found"


@pytest.mark.parametrize("bad", ["13", 0, True, None])
async def test_a_bad_id_is_refused_before_any_request(scripted: Scripted, bad: Any) -> None:
    async with client(scripted) as kit:
        with pytest.raises((TypeError, ValueError), match="id must be"):
            await kit.webhook_endpoints.get(bad)
        with pytest.raises((TypeError, ValueError), match="id must be"):
            await kit.webhook_endpoints.rotate_secret(bad)
    assert scripted.received == []


# -- create: the secret, once ---------------------------------------------------------------


async def test_create_sends_kits_fields_and_keeps_the_secret_out_of_repr(
    scripted: Scripted,
) -> None:
    scripted.answers.append(one(CREATED, status=201))
    async with client(scripted) as kit:
        endpoint = await kit.webhook_endpoints.create(
            "https://hooks.example.com/incoming",
            ("subscriber.created", "custom_field.created"),
            name="My webhook",
            description="Listens for things",
        )

    assert endpoint.secret == SECRET
    assert (endpoint.id, endpoint.status, endpoint.created_at) == (20, "active", CREATED_AT)
    assert SECRET not in repr(endpoint)
    assert SECRET not in str(endpoint)
    assert "whsec_" not in repr([endpoint])
    assert sent(scripted) == (
        "POST",
        "/v4/webhook_endpoints",
        [],
        {
            "url": "https://hooks.example.com/incoming",
            "events": ["subscriber.created", "custom_field.created"],
            "name": "My webhook",
            "description": "Listens for things",
        },
    )


async def test_create_sends_only_url_and_events_when_nothing_else_is_given(
    scripted: Scripted,
) -> None:
    scripted.answers.append(one(CREATED, status=201))
    async with client(scripted) as kit:
        await kit.webhook_endpoints.create("http://hooks.example.com/in", ["subscriber.created"])
    assert sent(scripted)[3] == {
        "url": "http://hooks.example.com/in",
        "events": ["subscriber.created"],
    }


async def test_create_is_not_resent_after_a_500_because_each_call_makes_an_endpoint(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), one(CREATED, status=201)]
    async with client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.webhook_endpoints.create("https://hooks.example.com/in", ["tag.created"])
    assert len(scripted.received) == 1


@pytest.mark.parametrize(
    ("url", "events", "error", "message"),
    [
        ("https://h.example/in", "subscriber.created", TypeError, r"pass \['subscriber.created'\]"),
        ("https://h.example/in", [], ValueError, "at least one event type.*status='disabled'"),
        ("https://h.example/in", ["subscriber.created", ""], ValueError, r"events\[1\] must not"),
        (
            "https://h.example/in",
            ["subscriber.created", 7],
            TypeError,
            r"events\[1\] must be a str",
        ),
        ("https://h.example/in", 7, TypeError, "events must be a list of event types, got int"),
        ("https://h.example/in", {"tag.created": 1}, TypeError, "events must be a list.*got dict"),
        ("hooks.example.com/in", ["tag.created"], ValueError, "url must be an absolute http"),
        ("ftp://hooks.example.com/", ["tag.created"], ValueError, "url must be an absolute http"),
        ("https://", ["tag.created"], ValueError, "url must be an absolute http"),
        ("", ["tag.created"], ValueError, "url must not be empty"),
    ],
)
async def test_bad_create_arguments_are_refused_before_any_request(
    scripted: Scripted, url: Any, events: Any, error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.webhook_endpoints.create(url, events)
    assert scripted.received == []


# -- update and delete ----------------------------------------------------------------------


async def test_update_patches_only_the_fields_given(scripted: Scripted) -> None:
    updated = {**ENDPOINT, "id": 29, "status": "disabled", "events": ["subscriber.activated"]}
    scripted.answers += [one(updated), one(updated)]
    async with client(scripted) as kit:
        endpoint = await kit.webhook_endpoints.update(29, status="disabled")
        await kit.webhook_endpoints.update(
            29,
            name="Updated name",
            url="https://hooks.example.com/v2",
            description="",
            events=["subscriber.activated"],
        )

    assert (endpoint.status, endpoint.events) == ("disabled", ("subscriber.activated",))
    assert sent(scripted, 0) == ("PATCH", "/v4/webhook_endpoints/29", [], {"status": "disabled"})
    assert sent(scripted, 1)[3] == {
        "name": "Updated name",
        "url": "https://hooks.example.com/v2",
        "description": "",
        "events": ["subscriber.activated"],
    }


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({}, TypeError, "nothing to update: pass at least one of name="),
        ({"status": "paused"}, ValueError, "status must be one of active, disabled"),
        ({"events": []}, ValueError, "at least one event type"),
        ({"events": "tag.created"}, TypeError, "events must be a list"),
        ({"url": "/relative"}, ValueError, "url must be an absolute"),
        ({"name": "  "}, ValueError, "name must not be empty"),
    ],
)
async def test_bad_updates_are_refused_before_any_request(
    scripted: Scripted, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.webhook_endpoints.update(29, **arguments)
    assert scripted.received == []


async def test_delete_answers_204_with_nothing(scripted: Scripted) -> None:
    scripted.answers.append(web.Response(status=204))
    async with client(scripted) as kit:
        await kit.webhook_endpoints.delete(13)
    assert sent(scripted) == ("DELETE", "/v4/webhook_endpoints/13", [], None)


async def test_changing_another_apps_endpoint_is_permission_denied(scripted: Scripted) -> None:
    # Kit's description mentions this 403 without declaring it.
    scripted.answers.append(web.json_response({"errors": ["Forbidden"]}, status=403))
    async with client(scripted) as kit:
        with pytest.raises(PermissionDeniedError):
            await kit.webhook_endpoints.delete(13)


# -- rotating the secret ---------------------------------------------------------------------


async def test_rotate_sends_force_only_when_forced_and_returns_the_new_secret(
    scripted: Scripted,
) -> None:
    scripted.answers += [one(ROTATED), one(ROTATED)]
    async with client(scripted) as kit:
        rotated = await kit.webhook_endpoints.rotate_secret(66)
        await kit.webhook_endpoints.rotate_secret(66, force=True)

    assert rotated.secret == SECRET
    assert SECRET not in repr(rotated)
    assert rotated.previous_secret_expires_at == datetime(2023, 2, 18, 11, 43, 55, tzinfo=UTC)
    assert sent(scripted, 0) == ("POST", "/v4/webhook_endpoints/66/rotate_secret", [], {})
    assert sent(scripted, 1)[3] == {"force": True}


async def test_rotating_during_an_open_overlap_is_a_conflict_error_with_kits_words(
    scripted: Scripted,
) -> None:
    message = "The previous signing secret is still within its rotation window."
    scripted.answers.append(web.json_response({"errors": [message]}, status=409))
    async with client(scripted) as kit:
        with pytest.raises(ConflictError) as info:
            await kit.webhook_endpoints.rotate_secret(66)

    assert info.value.status_code == 409
    assert info.value.errors == (message,)
    assert str(info.value) == f"POST /v4/webhook_endpoints/66/rotate_secret answered 409: {message}"
    assert len(scripted.received) == 1  # a 409 is not retried


async def test_rotate_is_not_resent_after_a_500_because_the_new_secret_would_be_lost(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), one(ROTATED)]
    async with client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.webhook_endpoints.rotate_secret(66)
    assert len(scripted.received) == 1


async def test_force_must_be_a_bool(scripted: Scripted) -> None:
    async with client(scripted) as kit:
        with pytest.raises(TypeError, match="force must be a bool, got str 'yes'"):
            await kit.webhook_endpoints.rotate_secret(66, force="yes")  # type: ignore[arg-type]
    assert scripted.received == []


async def test_revoking_the_previous_secret_is_retried_after_a_500_because_it_is_idempotent(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), one({**ENDPOINT, "id": 85})]
    async with client(scripted) as kit:
        endpoint = await kit.webhook_endpoints.revoke_previous_secret(85)

    assert (endpoint.id, endpoint.previous_secret_expires_at, endpoint.secret) == (85, None, None)
    assert [sent(scripted, i) for i in range(2)] == [
        ("POST", "/v4/webhook_endpoints/85/revoke_previous_secret", [], None)
    ] * 2


async def test_update_is_retried_after_a_500_because_a_patch_is_idempotent(
    scripted: Scripted,
) -> None:
    scripted.answers += [web.Response(status=500), one(ENDPOINT)]
    async with client(scripted) as kit:
        await kit.webhook_endpoints.update(13, events=["subscriber.created"])
    assert len(scripted.received) == 2
