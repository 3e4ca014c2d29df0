"""Hostile bodies at every place kit-async decodes JSON: a value or a KitError, nothing else.

A body may be nested 100,000 levels deep, carry numbers no float holds,
`NaN`, invalid UTF-8, lone surrogates, duplicate keys, or weigh tens of
megabytes. Wherever kit-async reads one (a reply's body, a list page, a
single object, an error body, an OAuth token answer, a webhook delivery),
it must give a correct value or raise a subclass of `KitError`
(`ResponseValidationError` for Kit's answers, `WebhookPayloadError` for a
delivery): never `RecursionError`, `UnicodeDecodeError`, `OverflowError` or
`ValueError` escaping raw. Both decoders (the cattrs path and, with
`kit-async[fast]`, msgspec's) are run and must agree.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scripted import Scripted

import kit_async
import kit_async._converter as converter_module
import kit_async._json as json_module
from kit_async import BulkResult, KitError, ResponseValidationError, Subscriber, Tag
from kit_async._converter import (
    Envelope,
    decode_failures,
    decode_list,
    loads,
    parse_body,
    read_items,
    read_object,
)
from kit_async._core.auth import OAuthAuth
from kit_async._core.transport import _error_messages, json_of
from kit_async._core.values import Reply, Request
from kit_async._resources import broadcasts
from kit_async.testing import sign_delivery
from kit_async.webhooks import WebhookPayloadError, WebhookVerifier, parse_delivery

SECRET = "whsec_hostile"
PAGINATION = (
    b'{"has_previous_page": false, "has_next_page": false,'
    b' "start_cursor": null, "end_cursor": null, "per_page": 10}'
)

# Where a hostile fragment goes: `%%` is replaced by it.
HOLE = b"%%"
TEMPLATES = {
    "bare": b"%%",
    "clicks": b'{"broadcast": {"id": 1, "clicks": [{"url": "u", "unique_clicks": %%,'
    b' "click_to_delivery_rate": 0.5, "click_to_open_rate": 0.5}]}, "pagination": '
    + PAGINATION
    + b"}",
    "click_rate": b'{"broadcast": {"id": 1, "clicks": [{"url": "u", "unique_clicks": 1,'
    b' "click_to_delivery_rate": %%, "click_to_open_rate": 0.5}]}, "pagination": '
    + PAGINATION
    + b"}",
    "subscriber": b'{"subscriber": {"id": 1, "email_address": "a@example.com",'
    b' "created_at": "2026-01-01T00:00:00Z", "fields": {"x": "y"}, "location": %%}}',
    "field": b'{"subscriber": {"id": 1, "email_address": "a@example.com",'
    b' "created_at": "2026-01-01T00:00:00Z", "fields": {"x": %%, "x": "last"}}}',
    "delivery": b'{"delivery_id": 1, "events": [{"id": "e1", "type": "subscriber.created",'
    b' "created": "2026-07-29T14:32:10Z", "data": {"subscriber": {"id": 1,'
    b' "email_address": "a@example.com", "fields": {"x": %%}}, "broadcast": %%}}]}',
    "errors": b'{"errors": [%%]}',
    "token": b'{"access_token": "new", "refresh_token": "next", "expires_in": %%}',
    "bulk": b'{"tags": [{"id": 1, "name": "t"}], "failures": [{"errors": [%%]}]}',
}


def nested(depth: int, *, closed: bool, kind: str) -> bytes:
    opening, closing = (b"[", b"]") if kind == "array" else (b'{"a":', b"}")
    inner = b"1" if kind == "object" or closed else b""
    return opening * depth + inner + (closing * depth if closed else b"")


FRAGMENTS = st.one_of(
    st.builds(
        nested,
        st.sampled_from([50, 500, 900, 990, 1_000, 1_500, 3_000, 100_000]),
        closed=st.booleans(),
        kind=st.sampled_from(["array", "object"]),
    ),
    st.sampled_from(
        [
            b"1e999999",
            b"-1e309",
            b"1e308",
            b"1" * 100_000,
            b"1" * 4_301,
            b"1" * 4_300,
            b"9" * 400 + b".5",
            b"18446744073709551616",
            b"NaN",
            b"Infinity",
            b"-Infinity",
            b"[NaN]",
            b'"\\ud800"',
            b'"\\udc00\\ud800x"',
            b'"\xff\xfe"',
            b'"\xed\xa0\x80"',  # a surrogate encoded as UTF-8: not UTF-8
            b"\xc3",
            b'{"a": 1, "a": 2}',
            b'"2026-07-29T14:32:10"',
            b"null",
            b"[]",
            b"{}",
            b"",
        ]
    ),
    st.binary(max_size=40),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    ).map(lambda value: json.dumps(value).encode()),
)

BODIES = st.builds(
    lambda template, fragment: TEMPLATES[template].replace(HOLE, fragment),
    st.sampled_from(sorted(TEMPLATES)),
    FRAGMENTS,
)


@pytest.fixture(autouse=True)
def _restore_decoders() -> Iterator[None]:
    saved = converter_module._fast, json_module._loads
    yield
    converter_module._fast, json_module._loads = saved


def use(decoder: str) -> None:
    """Decode with the default install's path, or with `[fast]`'s msgspec path."""
    fast, loads_ = _SAVED
    if decoder == "default":
        converter_module._fast, json_module._loads = None, json_module._json_loads
    else:
        converter_module._fast, json_module._loads = fast, loads_


_SAVED = (converter_module._fast, json_module._loads)
DECODERS = ["default"] + (["msgspec"] if converter_module._fast is not None else [])


# -- the decode sites ---------------------------------------------------------------------


def site_parse_body(body: bytes) -> Any:
    return parse_body(body, method="GET", path="/v4/x")


def site_json_of(body: bytes) -> Any:  # what kit.request() returns
    return json_of(Request("GET", "/v4/x"), Reply(200, {}, body))


def site_clicks(body: bytes) -> Any:
    endpoint = broadcasts.CLICKS
    return read_items(body, endpoint.model, endpoint.envelope, method="GET", path="/v4/c")


def site_broadcast(body: bytes) -> Any:
    endpoint = broadcasts.GET
    return read_object(body, endpoint.model, endpoint.envelope, method="GET", path="/v4/b/1")


def site_subscriber(body: bytes) -> Any:
    return read_object(
        body, Subscriber, Envelope(at=("subscriber",)), method="GET", path="/v4/subscribers/1"
    )


def site_bulk(body: bytes) -> Any:  # what Bulk.call decodes from a 200
    request = Request("POST", "/v4/bulk/tags")
    document = json_of(request, Reply(200, {}, body))
    items = decode_list(document, Tag, Envelope(at=("tags",)), method="POST", path="/v4/bulk/tags")
    return BulkResult(items, decode_failures(document, method="POST", path="/v4/bulk/tags"))


def site_webhook(body: bytes) -> Any:
    return parse_delivery(body)


def site_webhook_verified(body: bytes) -> Any:
    header = sign_delivery(body, SECRET)
    return WebhookVerifier(SECRET).verify(body, {"X-Kit-Signature": header})


def site_error_body(body: bytes) -> Any:
    messages, text = _error_messages(body)
    assert all(type(message) is str for message in messages)
    assert text is None or type(text) is str
    return messages, text


def site_token(body: bytes) -> Any:
    auth = OAuthAuth(
        "old",
        refresh_token="refresh",
        client_id="client",
        client_secret=None,
        token_url="https://api.kit.com/oauth/token",
        on_token_refresh=None,
    )

    async def exchange(url: str, form: Any) -> Reply:
        return Reply(200, {}, body)

    return asyncio.run(auth._request_tokens(exchange))


SITES: dict[str, Callable[[bytes], Any]] = {
    "parse_body": site_parse_body,
    "json_of": site_json_of,
    "read_items": site_clicks,
    "read_object": site_broadcast,
    "read_object_subscriber": site_subscriber,
    "parse_delivery": site_webhook,
    "verify": site_webhook_verified,
    "error_messages": site_error_body,
    "token": site_token,
    "bulk": site_bulk,
}

#: What each site raises on purpose (all KitErrors).
EXPECTED_ERROR = {"parse_delivery": WebhookPayloadError, "verify": WebhookPayloadError}


def outcome(site: str, body: bytes) -> tuple[Any, ...]:
    """`("value", value)` or `("error", class, field)`; anything else fails the test."""
    try:
        value = SITES[site](body)
    except KitError as exc:
        error = exc
    else:
        return ("value", value)
    assert isinstance(error, EXPECTED_ERROR.get(site, ResponseValidationError)), repr(error)
    return ("error", type(error), getattr(error, "field", None))


def same_value(left: tuple[Any, ...], right: tuple[Any, ...]) -> bool:
    # Floats compare by their repr (-0.0 and 0.0 are equal but not the same value).
    return left[0] == right[0] and repr(left) == repr(right)


# -- the properties -----------------------------------------------------------------------


@pytest.mark.parametrize("site", sorted(SITES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES)
@example(body=b"[" * 100_000)
@example(body=TEMPLATES["delivery"].replace(HOLE, b"[" * 100_000))
@example(body=TEMPLATES["delivery"].replace(HOLE, nested(990, closed=True, kind="array")))
@example(body=TEMPLATES["errors"].replace(HOLE, nested(990, closed=True, kind="array")))
@example(body=TEMPLATES["subscriber"].replace(HOLE, nested(990, closed=True, kind="object")))
@example(body=TEMPLATES["click_rate"].replace(HOLE, b"1e999999"))
@example(body=TEMPLATES["token"].replace(HOLE, b"1" * 100_000))
@example(body=TEMPLATES["bulk"].replace(HOLE, nested(900, closed=True, kind="array")))
def test_a_hostile_body_gives_a_value_or_a_kit_error_with_both_decoders(
    site: str, body: bytes
) -> None:
    results = []
    for decoder in DECODERS:
        use(decoder)
        results.append(outcome(site, body))
    if len(results) == 2:
        assert same_value(results[0], results[1]), results


@settings(max_examples=60, deadline=None)
@given(body=BODIES)
def test_loads_gives_a_value_or_value_error_with_both_decoders(body: bytes) -> None:
    results: list[tuple[Any, ...]] = []
    for decoder in DECODERS:
        use(decoder)
        try:
            results.append(("value", loads(body)))
        except ValueError:
            results.append(("error",))
    if len(results) == 2:
        assert repr(results[0]) == repr(results[1])


def tens_of_megabytes() -> bytes:
    click = (
        b'{"url": "https://example.com/a-long-link", "unique_clicks": 3,'
        b' "click_to_delivery_rate": 0.5, "click_to_open_rate": 0.25}'
    )
    count = 20_000_000 // len(click)
    clicks = b",".join([click] * count)
    return (
        b'{"broadcast": {"id": 1, "clicks": [' + clicks + b']}, "pagination": ' + PAGINATION + b"}"
    )


@pytest.mark.parametrize("decoder", DECODERS)
def test_a_body_of_tens_of_megabytes_decodes(decoder: str) -> None:
    use(decoder)
    body = tens_of_megabytes()

    items, pagination = site_clicks(body)

    assert len(body) > 15_000_000
    assert len(items) > 100_000
    assert items[-1].unique_clicks == 3
    assert pagination.per_page == 10


# -- what each hostile body means -----------------------------------------------------


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize(
    ("fragment", "reason"),
    [
        (b"NaN", "NaN is not a JSON number"),
        (b"-Infinity", "-Infinity is not a JSON number"),
        (b"1e999999", "beyond a float's range"),
        (b"1" * 100_000, "the body is not JSON"),
        (b"[" * 100_000, "nested too deeply"),
        (b'"\xff"', "the body is not JSON"),
    ],
)
def test_what_a_hostile_answer_raises_says_why(decoder: str, fragment: bytes, reason: str) -> None:
    use(decoder)

    with pytest.raises(ResponseValidationError, match=reason) as raised:
        site_clicks(TEMPLATES["click_rate"].replace(HOLE, fragment))

    assert raised.value.__cause__ is None
    assert raised.value.path == "/v4/c"


@pytest.mark.parametrize("decoder", DECODERS)
def test_a_correctly_signed_delivery_nested_too_deeply_is_a_payload_error(decoder: str) -> None:
    use(decoder)
    body = TEMPLATES["delivery"].replace(HOLE, b"[" * 100_000)

    with pytest.raises(WebhookPayloadError, match="nested too deeply"):
        site_webhook_verified(body)


@pytest.mark.parametrize("decoder", DECODERS)
def test_a_delivery_deep_but_parsable_is_a_payload_error_or_decodes(decoder: str) -> None:
    use(decoder)
    for depth in (100, 900, 990, 2_000):
        body = TEMPLATES["delivery"].replace(HOLE, nested(depth, closed=True, kind="object"))
        try:
            delivery = parse_delivery(body)
        except WebhookPayloadError:
            continue
        assert delivery.events[0].data.broadcast is not None


@pytest.mark.parametrize("decoder", DECODERS)
def test_duplicate_keys_the_last_one_wins(decoder: str) -> None:
    use(decoder)

    subscriber = site_subscriber(TEMPLATES["field"].replace(HOLE, b'"first"'))

    assert subscriber.fields == {"x": "last"}


@pytest.mark.parametrize("decoder", DECODERS)
def test_a_lone_surrogate_is_kept_as_its_escape_says(decoder: str) -> None:
    use(decoder)

    subscriber = site_subscriber(
        TEMPLATES["field"].replace(HOLE, b'"a"').replace(b'"last"', b'"\\ud800"')
    )

    assert subscriber.fields == {"x": "\ud800"}


@pytest.mark.parametrize("decoder", DECODERS)
def test_an_error_body_nested_too_deeply_keeps_the_raw_text(decoder: str) -> None:
    use(decoder)
    body = TEMPLATES["errors"].replace(HOLE, nested(990, closed=True, kind="array"))

    messages, text = _error_messages(body)

    assert (messages, text) in (([], body.decode()), (["1"], None))


# -- end to end ---------------------------------------------------------------------------

HOSTILE_ANSWERS = [
    b"[" * 100_000,
    b'{"broadcast": ' + b'{"a":' * 100_000,
    b'{"broadcast": {"id": 1, "created_at": "2026-01-01T00:00:00Z", "subject": NaN}}',
    b'{"broadcast": {"id": 1' + b"1" * 100_000 + b', "created_at": "2026-01-01T00:00:00Z"}}',
    b'{"broadcast": {"id": 1, "created_at": "2026-01-01T00:00:00Z", "subject": "\xff"}}',
]


@pytest.fixture(params=DECODERS)
def decoder(request: pytest.FixtureRequest) -> str:
    use(request.param)
    return str(request.param)


@pytest.mark.parametrize("body", HOSTILE_ANSWERS, ids=range(len(HOSTILE_ANSWERS)))
async def test_a_call_answered_with_a_hostile_body_raises_response_validation_error(
    scripted: Scripted, decoder: str, body: bytes
) -> None:
    def answer(status: int) -> web.Response:
        return web.Response(status=status, body=body, content_type="application/json")

    scripted.answers = [answer(200), answer(200), answer(200), answer(422)]

    async with kit_async.KitClient("key", base_url=scripted.url, rate_limit=None) as kit:
        with pytest.raises(ResponseValidationError) as raised:
            await kit.broadcasts.get(1)
        assert raised.value.path == "/v4/broadcasts/1"
        with pytest.raises(ResponseValidationError):
            [click async for click in kit.iter_broadcast_clicks(1)]
        with pytest.raises(ResponseValidationError):
            await kit.request("GET", "/v4/anything")
        with pytest.raises(kit_async.UnprocessableEntityError) as refused:
            await kit.request("GET", "/v4/refused")
        assert refused.value.status_code == 422
    assert [path for _, path, *_ in scripted.received] == [
        "/v4/broadcasts/1",
        "/v4/broadcasts/1/clicks",
        "/v4/anything",
        "/v4/refused",
    ]


@pytest.mark.parametrize("depth", [150, 900])
async def test_a_bulk_answer_with_failures_nested_too_deeply_raises_response_validation_error(
    scripted: Scripted, decoder: str, depth: int
) -> None:
    failures = b'{"tags": [], "failures": [' + nested(depth, closed=True, kind="array") + b"]}"
    scripted.answers = [web.Response(body=failures, content_type="application/json")]

    async with kit_async.KitClient(
        access_token="token", base_url=scripted.url, rate_limit=None
    ) as kit:
        with pytest.raises(ResponseValidationError, match="nested more than 100") as raised:
            await kit.tags.bulk_create(["A"])

    assert raised.value.field == "failures"
    assert raised.value.path == "/v4/bulk/tags"


async def test_a_bulk_answer_keeps_its_failures_read_only(scripted: Scripted) -> None:
    failure = {"errors": ["Name is too long"], "tag": {"name": "x"}}
    scripted.answers = [web.json_response({"tags": [], "failures": [failure]})]

    async with kit_async.KitClient(
        access_token="token", base_url=scripted.url, rate_limit=None
    ) as kit:
        result = await kit.tags.bulk_create(["A"])

    assert isinstance(result, BulkResult)
    assert result.failures == (failure,)
    errors: Any = result.failures[0]["errors"]
    with pytest.raises(TypeError):
        errors.append("more")
    assert hash(result) == hash(result)
