"""Decoding: the models Kit's bodies become, and the one error a bad body raises.

The converter is tested directly (`read_items`, `read_object` on the bytes of
bodies shaped like Kit's OpenAPI examples, with the envelopes the resources
declare). A body that breaks the schema must raise `ResponseValidationError`
whose `field` names the offending field.

Every test runs twice (the `decoder` fixture): on the default install's path
(the standard library's json and the cattrs converter) and, where
`kit-async[fast]` is installed, on msgspec's path, which must give the same
models and the same errors; a body that decodes there must have been decoded
by msgspec, not by the cattrs path behind it.
"""

from __future__ import annotations

import copy
import json
import linecache
import pickle
import sys
import types
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import attrs
import pytest

import kit_async._converter
import kit_async._json
from kit_async import (
    Broadcast,
    BroadcastClick,
    BroadcastStats,
    EmailTemplate,
    FilteredSubscriber,
    Pagination,
    ResponseValidationError,
    Subscriber,
    Tag,
)
from kit_async._converter import Envelope, read_items, read_object
from kit_async._resources import broadcasts, subscribers

CLICKS_PATH = "/v4/broadcasts/111/clicks"

CLICKS_BODY: dict[str, Any] = {
    "broadcast": {
        "id": 111,
        "clicks": [
            {
                "url": "https://example.com/46",
                "unique_clicks": 3,
                "click_to_delivery_rate": 0.006,
                "click_to_open_rate": 0.03,
            },
            {
                "url": "https://example.com/47",
                "unique_clicks": 4,
                "click_to_delivery_rate": 0.008,
                "click_to_open_rate": 0.04,
            },
        ],
    },
    "pagination": {
        "has_previous_page": False,
        "has_next_page": False,
        "start_cursor": "WzE4XQ==",
        "end_cursor": "WzE4XQ==",
        "per_page": 500,
    },
}

BROADCAST: dict[str, Any] = {
    "id": 22,
    "created_at": "2023-02-17T11:43:55Z",
    "subject": "You'll never guess...",
    "description": None,
    "content": None,
    "public": False,
    "published_at": None,
    "send_at": None,
    "thumbnail_alt": None,
    "thumbnail_url": None,
    "email_address": None,
    "preview_text": None,
    "email_template": {"id": 6, "name": "Text Only"},
    "subscriber_filter": [{"all": [{"type": "all_subscribers"}]}],
    "publication_id": 22,
}

STATS_BODY: dict[str, Any] = {
    "broadcast": {
        "id": 163,
        "stats": {
            "recipients": 20,
            "open_rate": 0.5,
            "emails_opened": 10,
            "click_rate": 0.1,
            "unsubscribe_rate": 0.0,
            "unsubscribes": 0,
            "total_clicks": 9,
            "show_total_clicks": False,
            "status": "completed",
            "progress": 100.0,
            "open_tracking_disabled": False,
            "click_tracking_disabled": False,
        },
    }
}


def clicks_body() -> dict[str, Any]:
    return copy.deepcopy(CLICKS_BODY)


#: Calls of the cattrs path (`decode_*` on parsed JSON) made by `read_*`.
FELL_BACK: list[str] = []


@pytest.fixture(
    autouse=True,
    params=["default", pytest.param("msgspec", marks=pytest.mark.requires_extra("fast"))],
)
def decoder(request, monkeypatch) -> str:
    """Decode on the default install's path, or on the `[fast]` extra's (msgspec)."""
    module = kit_async._converter
    if request.param == "default":
        monkeypatch.setattr(module, "_fast", None)
        monkeypatch.setattr(kit_async._json, "_loads", kit_async._json._json_loads)
    else:
        assert module._fast is not None
    FELL_BACK.clear()
    for name in ("decode_items", "decode_object"):
        original = getattr(module, name)

        def recorded(*args, _original=original, _name=name, **kwargs):
            FELL_BACK.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, recorded)
    return str(request.param)


T = TypeVar("T")


def decoded_by_msgspec_if_installed(result: T) -> T:
    """`result`, after checking the `[fast]` path did not hand a valid body to cattrs."""
    if kit_async._converter._fast is not None:
        assert FELL_BACK == [], "msgspec refused a valid body"
    return result


def as_json(body: Any) -> bytes:
    return json.dumps(body).encode()


def decode_clicks(body: Any) -> tuple[tuple[BroadcastClick, ...], Pagination]:
    endpoint = broadcasts.CLICKS
    return decoded_by_msgspec_if_installed(
        read_items(as_json(body), endpoint.model, endpoint.envelope, method="GET", path=CLICKS_PATH)
    )


def decode_broadcast(item: Any) -> Broadcast:
    endpoint = broadcasts.GET
    return decoded_by_msgspec_if_installed(
        read_object(
            as_json({"broadcast": item}),
            endpoint.model,
            endpoint.envelope,
            method="GET",
            path="/v4/b/22",
        )
    )


def decode_stats(body: Any) -> BroadcastStats:
    endpoint = broadcasts.STATS
    return decoded_by_msgspec_if_installed(
        read_object(as_json(body), endpoint.model, endpoint.envelope, method="GET", path="/v4/s")
    )


def decode_subscriber(body: Any) -> Subscriber:
    return decoded_by_msgspec_if_installed(
        read_object(
            as_json(body), Subscriber, Envelope(at=("subscriber",)), method="GET", path="/v4/x"
        )
    )


def schema_error_of_clicks(body: Any) -> ResponseValidationError:
    with pytest.raises(ResponseValidationError) as info:
        decode_clicks(body)
    return info.value


# -- clicks ---------------------------------------------------------------------------------


def test_clicks_decode_with_the_broadcast_id_taken_from_the_envelope() -> None:
    items, _ = decode_clicks(clicks_body())

    assert items == (
        BroadcastClick(111, "https://example.com/46", 3, 0.006, 0.03),
        BroadcastClick(111, "https://example.com/47", 4, 0.008, 0.04),
    )


def test_pagination_decodes_with_total_count_none_when_not_sent() -> None:
    _, pagination = decode_clicks(clicks_body())

    assert pagination == Pagination(
        has_previous_page=False,
        has_next_page=False,
        start_cursor="WzE4XQ==",
        end_cursor="WzE4XQ==",
        per_page=500,
        total_count=None,
    )


def test_total_count_is_decoded_when_sent() -> None:
    body = clicks_body()
    body["pagination"]["total_count"] = 2

    _, pagination = decode_clicks(body)

    assert pagination.total_count == 2


def test_null_cursors_decode_as_none() -> None:
    body = clicks_body()
    body["pagination"].update(start_cursor=None, end_cursor=None)

    _, pagination = decode_clicks(body)

    assert pagination.start_cursor is None
    assert pagination.end_cursor is None


def test_unknown_fields_are_ignored_at_every_level() -> None:
    body = clicks_body()
    body["meta"] = {"request_id": "abc"}
    body["broadcast"]["subject"] = "Hello"
    body["broadcast"]["clicks"][0]["tags"] = ["new"]
    body["pagination"]["next_url"] = "https://api.kit.com/..."

    items, pagination = decode_clicks(body)

    assert items == decode_clicks(clicks_body())[0]
    assert pagination.per_page == 500


def test_a_click_id_sent_by_kit_is_ignored() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][0]["id"] = 99

    items, _ = decode_clicks(body)

    assert items[0] == BroadcastClick(111, "https://example.com/46", 3, 0.006, 0.03)


def test_an_integer_rate_is_a_valid_float() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][0].update(click_to_delivery_rate=0, click_to_open_rate=1)

    items, _ = decode_clicks(body)

    assert items[0].click_to_delivery_rate == 0.0
    assert type(items[0].click_to_delivery_rate) is float
    assert type(items[0].click_to_open_rate) is float


def test_an_empty_page_decodes_to_no_items() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"] = []

    items, _ = decode_clicks(body)

    assert items == ()


# -- clicks that break the schema ----------------------------------------------------------


def test_a_missing_click_field_is_named_with_its_index() -> None:
    body = clicks_body()
    del body["broadcast"]["clicks"][1]["unique_clicks"]

    error = schema_error_of_clicks(body)

    assert error.field == "broadcast.clicks[1].unique_clicks"
    assert error.path == CLICKS_PATH
    assert error.method == "GET"
    assert "required field is missing" in str(error)


def test_a_string_where_an_int_is_documented_is_named() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][1]["unique_clicks"] = "4"

    error = schema_error_of_clicks(body)

    assert error.field == "broadcast.clicks[1].unique_clicks"
    assert "'broadcast.clicks[1].unique_clicks'" in str(error)


def test_a_bool_is_not_accepted_as_an_int() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][0]["unique_clicks"] = True

    assert schema_error_of_clicks(body).field == "broadcast.clicks[0].unique_clicks"


def test_a_bool_is_not_accepted_as_a_float() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][0]["click_to_open_rate"] = False

    assert schema_error_of_clicks(body).field == "broadcast.clicks[0].click_to_open_rate"


def test_null_in_a_required_field_is_named() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][1]["url"] = None

    assert schema_error_of_clicks(body).field == "broadcast.clicks[1].url"


def test_a_click_that_is_not_an_object_is_named_by_its_index() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][1] = "https://example.com/47"

    error = schema_error_of_clicks(body)

    assert error.field == "broadcast.clicks[1]"
    assert "expected object" in str(error)


def test_clicks_that_are_not_an_array_are_named() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"] = {"url": "x"}

    error = schema_error_of_clicks(body)

    assert error.field == "broadcast.clicks"
    assert "expected array" in str(error)


def test_a_missing_envelope_key_is_named() -> None:
    body = clicks_body()
    del body["broadcast"]

    assert schema_error_of_clicks(body).field == "broadcast"


def test_a_missing_broadcast_id_in_the_envelope_is_named() -> None:
    body = clicks_body()
    del body["broadcast"]["id"]

    assert schema_error_of_clicks(body).field == "broadcast.id"


def test_a_body_that_is_not_an_object_is_a_schema_error() -> None:
    assert schema_error_of_clicks([]).field == "broadcast"
    assert schema_error_of_clicks(None).field == "broadcast"


def test_missing_pagination_is_named() -> None:
    body = clicks_body()
    del body["pagination"]

    assert schema_error_of_clicks(body).field == "pagination"


def test_pagination_that_is_not_an_object_is_named() -> None:
    body = clicks_body()
    body["pagination"] = []

    assert schema_error_of_clicks(body).field == "pagination"


def test_a_missing_pagination_field_is_named() -> None:
    body = clicks_body()
    del body["pagination"]["has_next_page"]

    assert schema_error_of_clicks(body).field == "pagination.has_next_page"


def test_a_wrongly_typed_pagination_field_is_named() -> None:
    body = clicks_body()
    body["pagination"]["has_next_page"] = "false"

    assert schema_error_of_clicks(body).field == "pagination.has_next_page"


def test_a_schema_error_is_not_chained_to_a_cattrs_traceback() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][0]["unique_clicks"] = "3"

    error = schema_error_of_clicks(body)

    assert error.__cause__ is None
    assert error.__suppress_context__


def test_every_function_decoding_runs_has_its_source_in_linecache() -> None:
    """Generated code (cattrs', attrs') is registered where tracebacks and profilers look."""
    ran: set[tuple[str, int]] = set()

    def record(frame: types.FrameType, event: str, _: object) -> None:
        # Functions only: `<module>` is the one-off code that defines them, or
        # evaluates an annotation.
        if event == "call" and frame.f_code.co_name != "<module>":
            ran.add((frame.f_code.co_filename, frame.f_code.co_firstlineno))

    broken = clicks_body()
    broken["broadcast"]["clicks"][1]["unique_clicks"] = "4"
    sys.setprofile(record)
    try:
        decode_clicks(clicks_body())
        decode_broadcast(BROADCAST)
        with pytest.raises(ResponseValidationError):
            decode_clicks(broken)
    finally:
        sys.setprofile(None)

    generated = {name for name, _ in ran if name.startswith("<") and "frozen " not in name}
    assert all(linecache.getline(name, line) for name, line in ran if name in generated), sorted(
        generated - set(linecache.cache)
    )


# -- broadcasts -------------------------------------------------------------------------------


def test_a_broadcast_decodes_with_nested_template_and_aware_datetimes() -> None:
    broadcast = decode_broadcast({**BROADCAST, "published_at": "2023-02-18T08:00:00Z"})

    assert broadcast.id == 22
    assert broadcast.created_at == datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)
    assert broadcast.published_at == datetime(2023, 2, 18, 8, 0, tzinfo=UTC)
    assert broadcast.email_template == EmailTemplate(id=6, name="Text Only")
    assert broadcast.subscriber_filter == ({"all": [{"type": "all_subscribers"}]},)
    assert broadcast.publication_id == 22
    assert broadcast.public is False


def test_a_broadcast_without_status_decodes_with_status_none() -> None:
    assert decode_broadcast(BROADCAST).status is None


def test_a_broadcast_with_only_id_and_created_at_uses_the_defaults() -> None:
    broadcast = decode_broadcast({"id": 1, "created_at": "2024-01-01T00:00:00Z"})

    assert broadcast.subject is None
    assert broadcast.email_template is None
    assert broadcast.subscriber_filter == ()


def test_a_broadcast_ignores_unknown_fields() -> None:
    broadcast = decode_broadcast({**BROADCAST, "status": "draft", "slim": True, "stats": {}})

    assert broadcast.status == "draft"
    assert broadcast == decode_broadcast({**BROADCAST, "status": "draft"})


def test_a_broadcast_with_an_unparsable_datetime_names_it() -> None:
    with pytest.raises(ResponseValidationError) as info:
        decode_broadcast({**BROADCAST, "created_at": "yesterday"})

    assert info.value.field == "broadcast.created_at"


def test_a_broadcast_with_a_bad_nested_template_names_the_nested_field() -> None:
    with pytest.raises(ResponseValidationError) as info:
        decode_broadcast({**BROADCAST, "email_template": {"id": "6", "name": "Text Only"}})

    assert info.value.field == "broadcast.email_template.id"


def test_a_broadcast_with_a_number_for_a_datetime_names_it() -> None:
    with pytest.raises(ResponseValidationError) as info:
        decode_broadcast({**BROADCAST, "send_at": 1700000000})

    assert info.value.field == "broadcast.send_at"
    assert "ISO 8601" in str(info.value)


def test_a_subscriber_filter_item_that_is_not_an_object_is_named_by_its_index() -> None:
    with pytest.raises(ResponseValidationError) as info:
        decode_broadcast({**BROADCAST, "subscriber_filter": [{"all": []}, "all_subscribers"]})

    assert info.value.field == "broadcast.subscriber_filter[1]"


def test_a_broadcast_missing_its_id_names_it() -> None:
    item = dict(BROADCAST)
    del item["id"]

    with pytest.raises(ResponseValidationError) as info:
        decode_broadcast(item)

    assert info.value.field == "broadcast.id"


# -- stats -----------------------------------------------------------------------------------


def test_stats_decode_with_the_broadcast_id_from_the_envelope() -> None:
    stats = decode_stats(STATS_BODY)

    assert stats == BroadcastStats(
        broadcast_id=163,
        recipients=20,
        open_rate=0.5,
        emails_opened=10,
        click_rate=0.1,
        unsubscribe_rate=0.0,
        unsubscribes=0,
        total_clicks=9,
        show_total_clicks=False,
        status="completed",
        progress=100.0,
        open_tracking_disabled=False,
        click_tracking_disabled=False,
    )


def test_stats_missing_a_field_name_it() -> None:
    body = copy.deepcopy(STATS_BODY)
    del body["broadcast"]["stats"]["total_clicks"]

    with pytest.raises(ResponseValidationError) as info:
        decode_stats(body)

    assert info.value.field == "broadcast.stats.total_clicks"


def test_stats_with_a_wrong_type_name_it() -> None:
    body = copy.deepcopy(STATS_BODY)
    body["broadcast"]["stats"]["show_total_clicks"] = "no"

    with pytest.raises(ResponseValidationError) as info:
        decode_stats(body)

    assert info.value.field == "broadcast.stats.show_total_clicks"


# -- arrays are arrays: a string is not a list of characters ----------------------------------


@pytest.mark.parametrize("value", ["abc", {"id": 1}, 7])
def test_a_non_array_where_kit_documents_an_array_names_the_field(value: Any) -> None:
    body = {
        "subscriber": {
            "id": 1,
            "email_address": "a@example.com",
            "created_at": "2023-02-17T11:43:55Z",
            "tags": value,
        }
    }
    with pytest.raises(ResponseValidationError) as info:
        decode_subscriber(body)
    assert info.value.field == "subscriber.tags"
    assert "expected array" in str(info.value)


def test_an_array_of_objects_still_names_the_failing_item() -> None:
    body = {
        "subscriber": {
            "id": 1,
            "email_address": "a@example.com",
            "created_at": "2023-02-17T11:43:55Z",
            "tags": [{"id": 1, "name": "x"}, {"id": "2", "name": "y"}],
        }
    }
    with pytest.raises(ResponseValidationError) as info:
        decode_subscriber(body)
    assert info.value.field == "subscriber.tags[1].id"


# -- both decoders give the same models: the [fast] path is invisible but for its speed -----


def test_decoded_clicks_are_instances_of_the_model_itself() -> None:
    items, pagination = decode_clicks(clicks_body())

    assert [type(item) for item in items] == [BroadcastClick, BroadcastClick]
    assert type(pagination) is Pagination
    click = items[0]
    assert hash(click) == hash(BroadcastClick(111, "https://example.com/46", 3, 0.006, 0.03))
    assert attrs.evolve(click, unique_clicks=9).unique_clicks == 9
    assert pickle.loads(pickle.dumps(click)) == click  # noqa: S301 - our own bytes
    assert weakref.ref(click)() is click
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        click.url = "https://example.com/other"  # type: ignore[misc]


def test_an_int_where_a_float_is_documented_becomes_a_float() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][0]["click_to_open_rate"] = 1

    items, _ = decode_clicks(body)

    assert type(items[0].click_to_open_rate) is float


def test_a_broadcast_id_sent_in_each_click_is_ignored_for_the_envelopes() -> None:
    body = clicks_body()
    body["broadcast"]["clicks"][0]["broadcast_id"] = 999

    items, _ = decode_clicks(body)

    assert [item.broadcast_id for item in items] == [111, 111]


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-17T11:43:55Z",
        "2023-02-17T11:43:55",
        "2023-02-17T11:43:55.5+01:00",
        "2023-02-17 11:43:55Z",
        "2023-02-17",  # not RFC 3339, but datetime.fromisoformat takes it
        "20230217T114355Z",
        "2023-02-17T11:43:55.123456789Z",  # more than microseconds: truncated, not rounded
        "2023-02-17t11:43:55z",  # lower case: fromisoformat refuses it
        "2023-02-17T24:00:00Z",
        "yesterday",
    ],
)
def test_datetimes_are_read_by_datetime_fromisoformat(text: str) -> None:
    try:
        expected = datetime.fromisoformat(text)
        if expected.tzinfo is None:  # a time without an offset is UTC
            expected = expected.replace(tzinfo=UTC)
    except ValueError:
        with pytest.raises(ResponseValidationError) as info:
            decode_broadcast({**BROADCAST, "created_at": text})
        assert info.value.field == "broadcast.created_at"
    else:
        assert decode_broadcast({**BROADCAST, "created_at": text}).created_at == expected


def test_a_time_without_an_offset_is_utc_beside_the_aware_others() -> None:
    broadcast = decode_broadcast(
        {**BROADCAST, "created_at": "2023-02-17T11:43:55", "send_at": "2023-02-18T09:00:00Z"}
    )

    assert broadcast.created_at == datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)
    assert broadcast.created_at.tzinfo is UTC
    assert broadcast.send_at is not None
    assert broadcast.created_at < broadcast.send_at  # naive beside aware would raise


def test_a_time_with_another_offset_keeps_it() -> None:
    broadcast = decode_broadcast({**BROADCAST, "created_at": "2023-02-17T11:43:55-05:00"})

    assert broadcast.created_at.utcoffset() == timedelta(hours=-5)


def test_a_subscribers_nested_tags_are_instances_of_the_tag_model() -> None:
    tags = [{"id": 1, "name": "a", "tagged_at": "2024-01-01T00:00:00Z"}, {"id": 2, "name": "b"}]
    body = {
        "subscriber": {
            "id": 1,
            "email_address": "a@example.com",
            "created_at": "2023-02-17T11:43:55Z",
            "tags": tags,
            "fields": {"city": None, "plan": "pro"},
        }
    }

    subscriber = decode_subscriber(body)

    assert type(subscriber) is Subscriber
    assert subscriber.tags == (
        Tag(1, "a", tagged_at=datetime(2024, 1, 1, tzinfo=UTC)),
        Tag(2, "b"),
    )
    assert [type(tag) for tag in subscriber.tags] == [Tag, Tag]
    assert subscriber.fields == {"city": None, "plan": "pro"}


def decode_filtered(item: Any) -> tuple[FilteredSubscriber, ...]:
    endpoint = subscribers.FILTER
    body = {"subscribers": [item], "pagination": CLICKS_BODY["pagination"]}
    return decoded_by_msgspec_if_installed(
        read_items(as_json(body), endpoint.model, endpoint.envelope, method="POST", path="/f")
    )[0]


def test_ids_sent_as_text_decode_to_ints() -> None:
    item = {
        "id": "456",
        "email_address": "a@example.com",
        "created_at": "2023-02-17T11:43:55Z",
        "tag_ids": ["7", 8],
    }

    (subscriber,) = decode_filtered(item)

    assert (subscriber.id, subscriber.tag_ids) == (456, (7, 8))
    assert type(subscriber) is FilteredSubscriber


@pytest.mark.parametrize("value", [True, "4a", "", 4.0, None])
def test_an_id_sent_as_text_that_is_not_digits_is_named(value: Any) -> None:
    item = {"id": value, "email_address": "a@example.com", "created_at": "2023-02-17T11:43:55Z"}

    with pytest.raises(ResponseValidationError) as info:
        decode_filtered(item)

    assert info.value.field == "subscribers[0].id"


@pytest.mark.parametrize(
    "text", [b'"\\ud800"', b'{"a": 1, "a": 2}', b"[-0.0, 1e-400]", b"1" * 4300, b"[1e308, 1e100]"]
)
def test_json_is_parsed_as_the_standard_library_parses_it(text: bytes) -> None:
    assert repr(kit_async._converter.loads(text)) == repr(json.loads(text))


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": NaN}',
        b"[Infinity]",
        b"-Infinity",
        b'{"a": 1e400}',
        b"-1e309",
        b"[" + b"9" * 400 + b".5]",
        b"1" * 4301,
        b"[" * 100_000,
    ],
)
def test_what_is_not_json_is_refused_as_value_error(text: bytes) -> None:
    # NaN and Infinity are Python's extension, a float beyond range would be
    # inf (which no JSON carries back), and the rest Python cannot read.
    with pytest.raises(ValueError):
        kit_async._converter.loads(text)


@pytest.mark.parametrize("content", [b'{"broadcast": {"id": 1,', b"\xff\xfe", b"<html>"])
def test_a_body_that_is_not_json_is_a_response_validation_error(content: bytes) -> None:
    endpoint = broadcasts.CLICKS
    with pytest.raises(ResponseValidationError, match="the body is not JSON") as info:
        read_items(content, endpoint.model, endpoint.envelope, method="GET", path=CLICKS_PATH)
    assert info.value.field is None


def test_an_empty_body_is_a_schema_error_naming_the_envelope() -> None:
    endpoint = broadcasts.CLICKS
    with pytest.raises(ResponseValidationError) as info:
        read_items(b" ", endpoint.model, endpoint.envelope, method="GET", path=CLICKS_PATH)
    assert info.value.field == "broadcast"
