"""Receiving Kit's webhook deliveries: signatures, decoding, the test helpers, the docs recipe."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import inspect
import json
import math
import pickle
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest
from aiohttp import web
from docs_examples import ROOT, Example, extract_examples, run_example
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

import kit_async.webhooks
import kit_async.webhooks._parse
from kit_async.errors import KitError
from kit_async.testing import deliver_webhook, make_delivery, make_event, sign_delivery
from kit_async.webhooks import (
    Delivery,
    EventData,
    MalformedSignatureError,
    MissingSignatureError,
    SignatureMismatchError,
    TimestampOutOfToleranceError,
    WebhookCustomField,
    WebhookEmailSequence,
    WebhookError,
    WebhookEvent,
    WebhookForm,
    WebhookPayloadError,
    WebhookSubscriber,
    WebhookTag,
    WebhookVerificationError,
    WebhookVerifier,
    parse_delivery,
    verify_delivery,
)

SECRET = "whsec_current0123456789abcdef"
PREVIOUS = "whsec_previous9876543210fedcba"
NOW = 1_753_797_130

# The example of Kit's "Delivery format" page.
KIT_EXAMPLE = (
    b'{"delivery_id": 123456, "events": [{"id": "9c2e1f3a-6b7d-4e8f-a1b2-c3d4e5f60718",'
    b' "type": "subscriber.created", "created": "2026-07-29T14:32:10Z", "data": {"subscriber":'
    b' {"id": 987654, "first_name": "Ada", "email_address": "ada@example.com", "state": "active",'
    b' "created_at": "2026-07-29T14:32:10Z", "fields": {"company": "Kit"}}}}]}'
)


def hmac_hex(secret: str, timestamp: int | str, body: bytes) -> str:
    """Kit's v1, computed here independently of the code under test."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def kit_header(body: bytes, *secrets: str, timestamp: int = NOW) -> str:
    signatures = ",".join(f"v1={hmac_hex(secret, timestamp, body)}" for secret in secrets)
    return f"t={timestamp},{signatures}"


def headers_for(body: bytes, *secrets: str, timestamp: int = NOW) -> dict[str, str]:
    return {"X-Kit-Signature": kit_header(body, *secrets, timestamp=timestamp)}


@pytest.fixture
def verifier() -> WebhookVerifier:
    return WebhookVerifier(SECRET)


# -- a valid signature --------------------------------------------------------------------


def test_verifies_a_delivery_signed_with_the_secret(verifier: WebhookVerifier) -> None:
    delivery = verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, SECRET), now=NOW)

    assert delivery.delivery_id == 123456
    assert [event.id for event in delivery.events] == ["9c2e1f3a-6b7d-4e8f-a1b2-c3d4e5f60718"]


def test_the_secret_is_the_whole_whsec_string_as_utf8_key() -> None:
    body = b'{"delivery_id": 1, "events": []}'
    without_prefix = kit_header(body, SECRET.removeprefix("whsec_"))

    WebhookVerifier(SECRET).verify_signature(body, kit_header(body, SECRET), now=NOW)
    with pytest.raises(SignatureMismatchError):
        WebhookVerifier(SECRET).verify_signature(body, without_prefix, now=NOW)
    # A non-ASCII secret is keyed by its UTF-8 bytes.
    WebhookVerifier("whsec_é").verify_signature(body, kit_header(body, "whsec_é"), now=NOW)


@pytest.mark.parametrize("held", [[SECRET, PREVIOUS], [PREVIOUS, SECRET], [SECRET], [PREVIOUS]])
def test_during_a_rotation_any_v1_may_match_any_secret_held(held: list[str]) -> None:
    header = kit_header(KIT_EXAMPLE, SECRET, PREVIOUS)  # Kit signs with both

    WebhookVerifier(held).verify(KIT_EXAMPLE, {"X-Kit-Signature": header}, now=NOW)


def test_a_verifier_holding_both_secrets_accepts_a_single_v1_of_either() -> None:
    verifier = WebhookVerifier([SECRET, PREVIOUS])

    verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, SECRET), now=NOW)
    verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, PREVIOUS), now=NOW)


@pytest.mark.parametrize("name", ["X-Kit-Signature", "x-kit-signature", "X-KIT-SIGNATURE"])
def test_finds_the_header_whatever_its_case(verifier: WebhookVerifier, name: str) -> None:
    header = kit_header(KIT_EXAMPLE, SECRET)

    verifier.verify(KIT_EXAMPLE, {"Content-Type": "application/json", name: header}, now=NOW)
    verifier.verify(KIT_EXAMPLE, CIMultiDict({name: header}), now=NOW)


def test_takes_the_header_value_itself(verifier: WebhookVerifier) -> None:
    verifier.verify(KIT_EXAMPLE, kit_header(KIT_EXAMPLE, SECRET), now=NOW)


def test_tolerates_spaces_and_upper_case_hex_and_ignores_other_schemes(
    verifier: WebhookVerifier,
) -> None:
    signature = hmac_hex(SECRET, NOW, KIT_EXAMPLE).upper()
    header = f"t={NOW}, v2=whatever-comes-next , v1={signature}"

    verifier.verify(KIT_EXAMPLE, header, now=NOW)


def test_the_signed_string_uses_t_exactly_as_sent(verifier: WebhookVerifier) -> None:
    padded = f"0{NOW}"  # what Kit signed is "<t>.<body>" with its own t text
    header = f"t={padded},v1={hmac_hex(SECRET, padded, KIT_EXAMPLE)}"

    verifier.verify(KIT_EXAMPLE, header, now=NOW)


def test_accepts_bytearray_and_memoryview_bodies(verifier: WebhookVerifier) -> None:
    header = kit_header(KIT_EXAMPLE, SECRET)

    verifier.verify(bytearray(KIT_EXAMPLE), header, now=NOW)
    verifier.verify(memoryview(KIT_EXAMPLE), header, now=NOW)


def test_verify_delivery_is_a_shortcut() -> None:
    delivery = verify_delivery(
        KIT_EXAMPLE, headers_for(KIT_EXAMPLE, PREVIOUS), secrets=[SECRET, PREVIOUS], now=NOW
    )
    assert delivery.delivery_id == 123456
    with pytest.raises(TimestampOutOfToleranceError):
        verify_delivery(
            KIT_EXAMPLE, headers_for(KIT_EXAMPLE, SECRET), secrets=SECRET, tolerance=5, now=NOW + 6
        )


def test_uses_the_clock_when_now_is_not_given(verifier: WebhookVerifier) -> None:
    verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, SECRET, timestamp=int(time.time())))
    with pytest.raises(TimestampOutOfToleranceError):
        verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, SECRET))  # NOW is long gone


# -- refusals -----------------------------------------------------------------------------


def test_refuses_a_tampered_body(verifier: WebhookVerifier) -> None:
    headers = headers_for(KIT_EXAMPLE, SECRET)
    tampered = KIT_EXAMPLE.replace(b"ada@example.com", b"eve@example.com")

    with pytest.raises(SignatureMismatchError) as raised:
        verifier.verify(tampered, headers, now=NOW)
    assert raised.value.signatures == 1
    assert raised.value.secrets == 1


def test_refuses_re_serialized_json(verifier: WebhookVerifier) -> None:
    same_json = json.dumps(json.loads(KIT_EXAMPLE), separators=(",", ":")).encode()
    assert same_json != KIT_EXAMPLE
    assert json.loads(same_json) == json.loads(KIT_EXAMPLE)

    with pytest.raises(SignatureMismatchError):
        verifier.verify(same_json, headers_for(KIT_EXAMPLE, SECRET), now=NOW)


def test_refuses_a_tampered_signature(verifier: WebhookVerifier) -> None:
    signature = hmac_hex(SECRET, NOW, KIT_EXAMPLE)
    flipped = ("1" if signature[0] == "0" else "0") + signature[1:]

    with pytest.raises(SignatureMismatchError):
        verifier.verify(KIT_EXAMPLE, f"t={NOW},v1={flipped}", now=NOW)


def test_refuses_a_signature_made_for_another_timestamp(verifier: WebhookVerifier) -> None:
    signature = hmac_hex(SECRET, NOW - 10, KIT_EXAMPLE)

    with pytest.raises(SignatureMismatchError):
        verifier.verify(KIT_EXAMPLE, f"t={NOW},v1={signature}", now=NOW)


def test_refuses_a_wrong_secret() -> None:
    with pytest.raises(SignatureMismatchError) as raised:
        WebhookVerifier([SECRET, PREVIOUS]).verify(
            KIT_EXAMPLE, headers_for(KIT_EXAMPLE, "whsec_someone_else"), now=NOW
        )
    assert raised.value.secrets == 2
    assert "2 secrets held" in str(raised.value)


def test_refuses_a_stale_timestamp(verifier: WebhookVerifier) -> None:
    headers = headers_for(KIT_EXAMPLE, SECRET, timestamp=NOW - 301)

    with pytest.raises(TimestampOutOfToleranceError) as raised:
        verifier.verify(KIT_EXAMPLE, headers, now=NOW)
    assert raised.value.timestamp == NOW - 301
    assert raised.value.age == 301
    assert raised.value.tolerance == 300
    assert "301 s old" in str(raised.value)


def test_refuses_a_timestamp_in_the_future(verifier: WebhookVerifier) -> None:
    headers = headers_for(KIT_EXAMPLE, SECRET, timestamp=NOW + 301)

    with pytest.raises(TimestampOutOfToleranceError) as raised:
        verifier.verify(KIT_EXAMPLE, headers, now=NOW)
    assert raised.value.age == -301
    assert "301 s in the future" in str(raised.value)


@pytest.mark.parametrize("offset", [-300, 300, -299.5, 0])
def test_accepts_a_timestamp_exactly_at_the_tolerance(
    verifier: WebhookVerifier, offset: float
) -> None:
    verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, SECRET), now=NOW + offset)


def test_the_tolerance_is_configurable() -> None:
    strict = WebhookVerifier(SECRET, tolerance=10)
    lenient = WebhookVerifier(SECRET, tolerance=3600)
    headers = headers_for(KIT_EXAMPLE, SECRET, timestamp=NOW - 60)

    lenient.verify(KIT_EXAMPLE, headers, now=NOW)
    with pytest.raises(TimestampOutOfToleranceError):
        strict.verify(KIT_EXAMPLE, headers, now=NOW)
    assert strict.tolerance == 10.0


def test_a_stale_forgery_is_refused_for_its_timestamp_before_any_hmac(
    verifier: WebhookVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_hmac(*args: object, **kwargs: object) -> None:
        raise AssertionError("an HMAC was computed")

    monkeypatch.setattr(hmac, "new", no_hmac)
    with pytest.raises(TimestampOutOfToleranceError):
        verifier.verify(KIT_EXAMPLE, f"t={NOW - 3600},v1={'0' * 64}", now=NOW)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Content-Type": "application/json"}, {"X-Kit-Signatures": "t=1,v1=ab"}, None],
    ids=["no headers", "other headers", "a near miss", "None"],
)
def test_refuses_a_request_without_the_header(
    verifier: WebhookVerifier, headers: dict[str, str] | None
) -> None:
    with pytest.raises(MissingSignatureError, match="no X-Kit-Signature header"):
        verifier.verify(KIT_EXAMPLE, headers, now=NOW)


GOOD_V1 = hmac_hex(SECRET, NOW, KIT_EXAMPLE)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (f"v1={GOOD_V1}", "no t timestamp"),
        (f"t=abc,v1={GOOD_V1}", "t is not a whole number"),
        (f"t=,v1={GOOD_V1}", "t is not a whole number"),
        (f"t=-{NOW},v1={GOOD_V1}", "t is not a whole number"),
        (f"t=+{NOW},v1={GOOD_V1}", "t is not a whole number"),
        (f"t={NOW}.5,v1={GOOD_V1}", "t is not a whole number"),
        (f"t=1_753_797_130,v1={GOOD_V1}", "t is not a whole number"),
        (f"t=١٧٥٣٧٩٧١٣٠,v1={GOOD_V1}", "t is not a whole number"),  # Arabic-Indic digits
        (f"t={'9' * 40},v1={GOOD_V1}", "t is not a whole number"),
        (f"t={NOW}", "no v1 signature"),
        (f"t={NOW},v2={GOOD_V1}", "no v1 signature"),
        (f"t={NOW},v1=", "not 64 hex digits"),
        (f"t={NOW},v1=xyz", "not 64 hex digits"),
        (f"t={NOW},v1={GOOD_V1}00", "not 64 hex digits"),
        (f"t={NOW},v1={GOOD_V1[:-1]}g", "not 64 hex digits"),
        (f"t={NOW},t={NOW},v1={GOOD_V1}", "more than one t"),
        (f"t={NOW},,v1={GOOD_V1}", "item 2 is not key=value"),
        (f"t={NOW};v1={GOOD_V1}", "t is not a whole number"),
        ("garbage", "item 1 is not key=value"),
        (f"={NOW}", "item 1 is not key=value"),
        ("", "is empty"),
        ("   ", "is empty"),
    ],
    ids=lambda value: value.replace(GOOD_V1, "<v1>") if isinstance(value, str) else None,
)
def test_refuses_a_malformed_header(verifier: WebhookVerifier, header: str, reason: str) -> None:
    with pytest.raises(MalformedSignatureError, match=reason):
        verifier.verify(KIT_EXAMPLE, {"X-Kit-Signature": header}, now=NOW)


def test_refuses_two_signature_headers(verifier: WebhookVerifier) -> None:
    header = kit_header(KIT_EXAMPLE, SECRET)
    headers = CIMultiDict([("X-Kit-Signature", header), ("x-kit-signature", header)])

    with pytest.raises(MalformedSignatureError, match="2 X-Kit-Signature headers"):
        verifier.verify(KIT_EXAMPLE, headers, now=NOW)


def test_refuses_a_text_body(verifier: WebhookVerifier) -> None:
    with pytest.raises(TypeError, match="raw bytes"):
        verifier.verify(KIT_EXAMPLE.decode(), headers_for(KIT_EXAMPLE, SECRET), now=NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="body must be bytes"):
        verifier.verify(json.loads(KIT_EXAMPLE), headers_for(KIT_EXAMPLE, SECRET), now=NOW)


def test_refuses_headers_that_are_neither_a_mapping_nor_a_str(verifier: WebhookVerifier) -> None:
    with pytest.raises(TypeError, match="headers must be"):
        verifier.verify(KIT_EXAMPLE, [("X-Kit-Signature", "t=1,v1=00")], now=NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="header values must be str"):
        verifier.verify(KIT_EXAMPLE, {"X-Kit-Signature": b"t=1"}, now=NOW)  # type: ignore[dict-item]


# -- how it verifies ----------------------------------------------------------------------


def test_compares_with_hmac_compare_digest(
    verifier: WebhookVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def recording(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    WebhookVerifier([SECRET, PREVIOUS]).verify(
        KIT_EXAMPLE, kit_header(KIT_EXAMPLE, "whsec_other", SECRET), now=NOW
    )

    # Every v1 against every secret: 2 x 2 comparisons, no early exit.
    assert len(calls) == 4
    assert (hmac_hex(SECRET, NOW, KIT_EXAMPLE), GOOD_V1) in calls


def test_the_constant_time_comparison_decides(
    verifier: WebhookVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: False)

    with pytest.raises(SignatureMismatchError):
        verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, SECRET), now=NOW)


def test_reads_no_json_before_the_signature_verifies(
    verifier: WebhookVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_json(text: object) -> None:
        raise AssertionError("JSON was parsed")

    monkeypatch.setattr(kit_async.webhooks._parse, "loads", no_json)
    for headers in ({}, {"X-Kit-Signature": "garbage"}, headers_for(b"{}", SECRET)):
        with pytest.raises(WebhookVerificationError):
            verifier.verify(KIT_EXAMPLE, headers, now=NOW)


def test_a_tampered_non_json_body_gives_the_signature_error(verifier: WebhookVerifier) -> None:
    with pytest.raises(SignatureMismatchError):
        verifier.verify(b"<html>not json", headers_for(KIT_EXAMPLE, SECRET), now=NOW)


def test_a_signed_non_json_body_gives_the_payload_error(verifier: WebhookVerifier) -> None:
    body = b"<html>not json"

    with pytest.raises(WebhookPayloadError, match="not JSON") as raised:
        verifier.verify(body, headers_for(body, SECRET), now=NOW)
    assert raised.value.field is None
    assert not isinstance(raised.value, WebhookVerificationError)


def test_verify_signature_parses_nothing(verifier: WebhookVerifier) -> None:
    body = b"not json at all"

    # Returns (nothing) instead of raising, though the body is not JSON.
    verifier.verify_signature(body, headers_for(body, SECRET), now=NOW)


# -- secrets and the verifier -------------------------------------------------------------


@pytest.mark.parametrize(
    ("secrets", "error", "reason"),
    [
        ([], ValueError, "no webhook secret"),
        ((), ValueError, "no webhook secret"),
        ("", ValueError, "secret 1 is empty"),
        ("   ", ValueError, "secret 1 is empty"),
        ([SECRET, ""], ValueError, "secret 2 is empty"),
        ([SECRET + "\n"], ValueError, "secret 1 has leading or trailing whitespace"),
        ([" " + SECRET], ValueError, "secret 1 has leading or trailing whitespace"),
        ([SECRET, None], TypeError, "secret 2 is a NoneType"),
        (SECRET.encode(), TypeError, "not bytes"),
        ([SECRET.encode()], TypeError, "secret 1 is a bytes"),
        (42, TypeError, "not int"),
    ],
)
def test_refuses_unusable_secrets(secrets: Any, error: type[Exception], reason: str) -> None:
    with pytest.raises(error, match=reason) as raised:
        WebhookVerifier(secrets)
    assert SECRET not in str(raised.value)


@pytest.mark.parametrize(
    ("tolerance", "error"),
    [(-1, ValueError), (math.nan, ValueError), (True, TypeError), ("300", TypeError)],
)
def test_refuses_an_unusable_tolerance(tolerance: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="tolerance"):
        WebhookVerifier(SECRET, tolerance=tolerance)


def test_accepts_any_iterable_of_secrets_and_drops_repeats() -> None:
    verifier = WebhookVerifier(iter([SECRET, PREVIOUS, SECRET]))  # type: ignore[arg-type]

    assert repr(verifier) == "WebhookVerifier(<2 secrets>, tolerance=300.0)"
    verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, PREVIOUS), now=NOW)


def test_no_secret_or_expected_signature_in_any_message_or_repr() -> None:
    verifier = WebhookVerifier([SECRET, PREVIOUS])
    expected = {hmac_hex(secret, NOW, KIT_EXAMPLE) for secret in (SECRET, PREVIOUS)}
    failures: list[Exception] = []
    attempts: list[tuple[bytes, Any, float]] = [
        (KIT_EXAMPLE, {}, NOW),
        (KIT_EXAMPLE, "t=x,v1=00", NOW),
        (KIT_EXAMPLE, kit_header(KIT_EXAMPLE, SECRET), NOW + 10_000),
        (KIT_EXAMPLE + b" ", kit_header(KIT_EXAMPLE, SECRET, PREVIOUS), NOW),
        (b"[]", kit_header(b"[]", SECRET), NOW),
        (b"{", kit_header(b"{", SECRET), NOW),
    ]
    for body, headers, now in attempts:
        with pytest.raises(WebhookError) as raised:
            verifier.verify(body, headers, now=now)
        failures.append(raised.value)

    texts = [repr(verifier), str(verifier)]
    texts += [text for failure in failures for text in (str(failure), repr(failure))]
    for text in texts:
        for secret in (SECRET, PREVIOUS, SECRET.removeprefix("whsec_")):
            assert secret not in text
        for signature in expected:
            assert signature not in text
    assert repr(verifier) == "WebhookVerifier(<2 secrets>, tolerance=300.0)"
    assert repr(WebhookVerifier(SECRET)) == "WebhookVerifier(<1 secret>, tolerance=300.0)"


# -- the errors ---------------------------------------------------------------------------

ERRORS = [
    MissingSignatureError("the request has no X-Kit-Signature header"),
    MalformedSignatureError("X-Kit-Signature has no t timestamp"),
    TimestampOutOfToleranceError("too old", timestamp=NOW, age=301.5, tolerance=300.0),
    SignatureMismatchError("no match", signatures=2, secrets=1),
    WebhookPayloadError("expected int, got str", field="events[0].data.subscriber.id"),
    WebhookPayloadError("the body is not JSON", field=None),
]


def test_every_webhook_error_is_a_kit_error() -> None:
    for cls in (
        MissingSignatureError,
        MalformedSignatureError,
        TimestampOutOfToleranceError,
        SignatureMismatchError,
    ):
        assert issubclass(cls, WebhookVerificationError)
    assert issubclass(WebhookVerificationError, WebhookError)
    assert issubclass(WebhookPayloadError, WebhookError)
    assert not issubclass(WebhookPayloadError, WebhookVerificationError)
    assert issubclass(WebhookError, KitError)


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
@pytest.mark.parametrize("clone", [pickle.loads, copy.copy], ids=["pickle", "copy"])
def test_errors_survive_pickle_and_copy(error: KitError, clone: Callable[[Any], Any]) -> None:
    data = pickle.dumps(error) if clone is pickle.loads else error
    restored = clone(data)

    assert type(restored) is type(error)
    assert str(restored) == str(error)
    assert restored.args == error.args
    assert vars(restored) == vars(error)


def test_a_raised_error_survives_pickle(verifier: WebhookVerifier) -> None:
    with pytest.raises(TimestampOutOfToleranceError) as raised:
        verifier.verify(KIT_EXAMPLE, headers_for(KIT_EXAMPLE, SECRET), now=NOW + 400)

    restored = pickle.loads(pickle.dumps(raised.value))  # noqa: S301 - our own bytes
    assert (restored.timestamp, restored.age, restored.tolerance) == (NOW, 400, 300)
    assert str(restored) == str(raised.value)


def test_payload_error_names_the_field() -> None:
    error = WebhookPayloadError("expected int, got str", field="events[0].data.subscriber.id")

    assert str(error) == (
        "invalid webhook delivery at 'events[0].data.subscriber.id': expected int, got str"
    )
    assert error.field == "events[0].data.subscriber.id"


# -- decoding -----------------------------------------------------------------------------


def test_decodes_kits_example_into_typed_models() -> None:
    delivery = parse_delivery(KIT_EXAMPLE)

    created = datetime(2026, 7, 29, 14, 32, 10, tzinfo=UTC)
    assert delivery == Delivery(
        delivery_id=123456,
        events=(
            WebhookEvent(
                id="9c2e1f3a-6b7d-4e8f-a1b2-c3d4e5f60718",
                type="subscriber.created",
                created=created,
                data=EventData(
                    subscriber=WebhookSubscriber(
                        id=987654,
                        email_address="ada@example.com",
                        first_name="Ada",
                        state="active",
                        created_at=created,
                        fields={"company": "Kit"},
                    ),
                    raw=json.loads(KIT_EXAMPLE)["events"][0]["data"],
                ),
            ),
        ),
    )


def delivery_of(*events: dict[str, Any], delivery_id: int = 1) -> bytes:
    return json.dumps({"delivery_id": delivery_id, "events": list(events)}).encode()


def event_of(event_type: str, data: dict[str, Any], event_id: str = "e-1") -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "created": "2026-07-29T14:32:10Z", "data": data}


def test_decodes_every_kind_of_resource() -> None:
    data = {
        "subscriber": {"id": 1, "email_address": "a@example.com", "first_name": None},
        "tag": {"id": 2, "name": "VIP", "created_at": "2026-01-01T00:00:00Z"},
        "form": {"id": 3, "name": "Sign-up", "type": "embed", "format": None, "archived": False},
        "sequence": {"id": 4, "name": "Welcome", "hold": False, "repeat": True},
        "custom_field": {"id": 5, "name": "ck_field_5_company", "key": "company", "label": "Co"},
        "broadcast": {"id": 6, "subject": "Hello", "anything": [1, 2]},
        "post": {"id": 7, "title": "Hello"},
    }

    (event,) = parse_delivery(delivery_of(event_of("subscriber.tag_added", data))).events

    assert event.data.subscriber == WebhookSubscriber(id=1, email_address="a@example.com")
    assert event.data.tag == WebhookTag(
        id=2, name="VIP", created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert event.data.form == WebhookForm(id=3, name="Sign-up", type="embed", archived=False)
    assert event.data.sequence == WebhookEmailSequence(
        id=4, name="Welcome", hold=False, repeat=True
    )
    assert event.data.custom_field == WebhookCustomField(
        id=5, name="ck_field_5_company", key="company", label="Co"
    )
    assert event.data.broadcast == data["broadcast"]
    assert event.data.post == data["post"]
    assert event.data.raw == data


def test_an_unknown_event_type_and_resource_still_parse() -> None:
    data = {"landing_page": {"id": 9, "name": "Launch"}, "whatever": [1]}

    (event,) = parse_delivery(delivery_of(event_of("landing_page.created", data))).events

    assert event.type == "landing_page.created"
    assert event.data.raw == data
    assert event.data == EventData(raw=data)


def test_ignores_unknown_fields_everywhere() -> None:
    event = event_of("tag.created", {"tag": {"id": 2, "colour": "red"}})
    event["attempt"] = 3
    body = json.dumps({"delivery_id": 1, "events": [event], "account_id": 5}).encode()

    (decoded,) = parse_delivery(body).events
    assert decoded.data.tag == WebhookTag(id=2)


def test_a_subscriber_needs_only_id_and_email_address() -> None:
    data = {"subscriber": {"id": 1, "email_address": "a@example.com"}}

    (event,) = parse_delivery(delivery_of(event_of("subscriber.activated", data))).events
    assert event.data.subscriber == WebhookSubscriber(id=1, email_address="a@example.com")
    assert event.data.subscriber.fields == {}


def test_parses_text_and_an_empty_delivery() -> None:
    assert parse_delivery(KIT_EXAMPLE.decode()) == parse_delivery(KIT_EXAMPLE)
    assert parse_delivery(b'{"delivery_id": 5, "events": []}') == Delivery(5, ())


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b"not json", None, "the body is not JSON"),
        (b"\xff\xfe", None, "the body is not JSON"),
        (b"", None, "the body is not JSON"),
        (b"[]", None, "expected a JSON object, got array"),
        (b'"text"', None, "expected a JSON object, got str"),
        (b'{"events": []}', "delivery_id", "required field is missing"),
        (b'{"delivery_id": "1", "events": []}', "delivery_id", "expected int, got str"),
        (b'{"delivery_id": 1}', "events", "required field is missing"),
        (b'{"delivery_id": 1, "events": {}}', "events", "expected array, got dict"),
        (b'{"delivery_id": 1, "events": "abc"}', "events", "expected array, got str"),
        (b'{"delivery_id": 1, "events": [1]}', "events[0]", "expected object, got int"),
        (
            delivery_of(event_of("tag.created", {}), {"id": "e-2", "type": "tag.created"}),
            "events[1].created",
            "required field is missing",
        ),
        (
            delivery_of({**event_of("tag.created", {}), "created": "yesterday"}),
            "events[0].created",
            "Invalid isoformat string",
        ),
        (
            delivery_of({**event_of("tag.created", {}), "id": 5}),
            "events[0].id",
            "expected str, got int",
        ),
        (
            delivery_of({**event_of("tag.created", {}), "data": []}),
            "events[0].data",
            "expected object, got list",
        ),
        (
            delivery_of(event_of("subscriber.created", {"subscriber": {"id": "1"}})),
            "events[0].data.subscriber.id",
            "expected int, got str",
        ),
        (
            delivery_of(event_of("subscriber.created", {"subscriber": {"id": 1}})),
            "events[0].data.subscriber.email_address",
            "required field is missing",
        ),
        (
            delivery_of(event_of("subscriber.created", {"subscriber": []})),
            "events[0].data.subscriber",
            "expected object, got list",
        ),
        (
            delivery_of(event_of("tag.created", {"tag": {"id": 1, "name": 5}})),
            "events[0].data.tag.name",
            "expected str, got int",
        ),
        (
            delivery_of(event_of("custom_field.created", {"custom_field": {"id": True}})),
            "events[0].data.custom_field.id",
            "expected int, got bool",
        ),
        (
            delivery_of(event_of("broadcast.sent", {"broadcast": "6"})),
            "events[0].data.broadcast",
            "expected object, got str",
        ),
    ],
)
def test_a_delivery_that_breaks_the_schema_names_the_field(
    body: bytes, field: str | None, reason: str
) -> None:
    with pytest.raises(WebhookPayloadError) as raised:
        parse_delivery(body)

    assert raised.value.field == field
    assert reason in str(raised.value)


def test_parse_delivery_refuses_what_is_not_a_body() -> None:
    with pytest.raises(TypeError, match="bytes or str"):
        parse_delivery({"delivery_id": 1})  # type: ignore[arg-type]


def test_models_are_frozen() -> None:
    delivery = parse_delivery(KIT_EXAMPLE)

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        delivery.events[0].type = "other"  # type: ignore[misc]


# -- the test helpers ---------------------------------------------------------------------


def test_sign_delivery_signs_like_kit() -> None:
    body = make_delivery([make_event("subscriber.created")])

    assert sign_delivery(body, SECRET, timestamp=NOW) == kit_header(body, SECRET)
    assert sign_delivery(body, [SECRET, PREVIOUS], timestamp=NOW) == kit_header(
        body, SECRET, PREVIOUS
    )


def test_sign_delivery_uses_the_clock_by_default() -> None:
    before = int(time.time())
    header = sign_delivery(b"{}", SECRET)
    timestamp = int(header.split(",")[0].removeprefix("t="))

    assert before <= timestamp <= time.time()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"secrets": []}, ValueError),
        ({"secrets": [""]}, ValueError),
        ({"timestamp": -1}, ValueError),
        ({"timestamp": 1.5}, ValueError),
        ({"timestamp": True}, ValueError),
    ],
)
def test_sign_delivery_refuses_bad_arguments(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        sign_delivery(b"{}", **{"secrets": SECRET, **kwargs})


def test_sign_delivery_refuses_text() -> None:
    with pytest.raises(TypeError, match="bytes"):
        sign_delivery("{}", SECRET)  # type: ignore[arg-type]


KNOWN_TYPES = {
    "subscriber.created": {"subscriber"},
    "subscriber.activated": {"subscriber"},
    "subscriber.unsubscribed": {"subscriber"},
    "subscriber.bounced": {"subscriber"},
    "subscriber.complained": {"subscriber"},
    "subscriber.subscribed_to_form": {"subscriber", "form"},
    "subscriber.added_to_sequence": {"subscriber", "sequence"},
    "subscriber.sequence_completed": {"subscriber", "sequence"},
    "subscriber.tag_added": {"subscriber", "tag"},
    "subscriber.tag_removed": {"subscriber", "tag"},
    "subscriber.custom_field_value_updated": {"subscriber", "custom_field"},
    "tag.created": {"tag"},
    "tag.deleted": {"tag"},
    "custom_field.created": {"custom_field"},
    "custom_field.deleted": {"custom_field"},
    "sequence.created": {"sequence"},
    "sequence.deleted": {"sequence"},
    "sequence.published": {"sequence"},
    "sequence.disabled": {"sequence"},
    "broadcast.created": {"broadcast"},
    "broadcast.sent": {"broadcast"},
    "broadcast.deleted": {"broadcast"},
    "post.published": {"post"},
}


@pytest.mark.parametrize(("event_type", "resources"), KNOWN_TYPES.items())
def test_make_event_builds_what_each_type_carries_and_it_decodes(
    event_type: str, resources: set[str]
) -> None:
    event = make_event(event_type)

    assert set(event["data"]) == resources
    (decoded,) = parse_delivery(make_delivery([event])).events
    assert decoded.type == event_type
    assert decoded.id == event["id"]
    present = {
        name for name in resources if getattr(decoded.data, name) is not None
    }  # every resource decoded into its typed slot
    assert present == resources


@pytest.mark.parametrize(
    ("event_type", "state"),
    [
        ("subscriber.created", "active"),
        ("subscriber.unsubscribed", "cancelled"),
        ("subscriber.bounced", "bounced"),
        ("subscriber.complained", "complained"),
    ],
)
def test_make_event_leaves_the_subscriber_in_the_state_the_event_says(
    event_type: str, state: str
) -> None:
    assert make_event(event_type)["data"]["subscriber"]["state"] == state


def test_make_event_merges_overrides_drops_none_and_keeps_new_resources() -> None:
    created = datetime(2026, 7, 29, 14, 32, 10, tzinfo=UTC)
    event = make_event(
        "subscriber.tag_added",
        id="evt-1",
        created=created,
        subscriber={"email_address": "ada@example.com", "first_name": None},
        tag=None,
        product={"id": 3},
    )

    assert event["id"] == "evt-1"
    assert event["created"] == "2026-07-29T14:32:10Z"
    assert set(event["data"]) == {"subscriber", "product"}
    subscriber = event["data"]["subscriber"]
    assert subscriber["email_address"] == "ada@example.com"
    assert subscriber["first_name"] is None
    assert subscriber["state"] == "active"  # the rest is the default
    assert event["data"]["product"] == {"id": 3}


def test_make_event_is_reproducible_for_one_id_and_unknown_types_get_nothing() -> None:
    assert make_event("tag.created", id="x", created="2026-01-01T00:00:00Z") == make_event(
        "tag.created", id="x", created="2026-01-01T00:00:00Z"
    )
    assert make_event("tag.created")["id"] != make_event("tag.created")["id"]
    assert make_event("landing_page.created")["data"] == {}


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (("",), {}, ValueError),
        ((None,), {}, TypeError),
        (("tag.created",), {"tag": 5}, TypeError),
    ],
)
def test_make_event_refuses_bad_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        make_event(*args, **kwargs)


def test_make_delivery_wraps_events() -> None:
    events = [make_event("tag.created"), make_event("tag.created")]

    body = json.loads(make_delivery(events, delivery_id=42))
    assert body == {"delivery_id": 42, "events": events}
    assert isinstance(json.loads(make_delivery(events))["delivery_id"], int)


async def test_one_event_not_in_a_list_is_refused() -> None:
    event = make_event("tag.created")

    with pytest.raises(TypeError, match="wrap it in"):
        make_delivery(event)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="wrap it in"):
        await deliver_webhook("http://127.0.0.1:9/", event, secrets=SECRET)  # type: ignore[arg-type]


@attrs.define
class Recorder:
    """A loopback receiver that records what it is sent and answers `status`."""

    status: int = 204
    requests: list[tuple[CIMultiDict[str], bytes]] = attrs.Factory(list)


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    recorded = Recorder()

    async def receive(request: web.Request) -> web.Response:
        recorded.requests.append((CIMultiDict(request.headers), await request.read()))
        if recorded.status in (301, 302, 307):
            raise web.HTTPFound("/elsewhere")
        return web.Response(status=recorded.status)

    async def elsewhere(request: web.Request) -> web.Response:
        raise AssertionError("a redirect was followed")

    app = web.Application()
    app.router.add_post("/hook", receive)
    app.router.add_route("*", "/elsewhere", elsewhere)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield recorded, f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_deliver_webhook_sends_kits_headers_and_a_signed_body(
    recorder: tuple[Recorder, str],
) -> None:
    recorded, url = recorder
    events = [make_event("subscriber.created"), make_event("subscriber.created")]

    status = await deliver_webhook(url, events, secrets=[SECRET, PREVIOUS], delivery_id=77)

    assert status == 204
    ((headers, body),) = recorded.requests
    assert json.loads(body) == {"delivery_id": 77, "events": events}
    assert headers["X-Kit-Delivery"] == "77"
    assert headers["User-Agent"] == "Kit-Webhooks/2.0"
    assert headers["Content-Type"] == "application/json"
    timestamp = int(headers["X-Kit-Signature"].split(",")[0].removeprefix("t="))
    assert headers["X-Kit-Signature"] == kit_header(body, SECRET, PREVIOUS, timestamp=timestamp)
    assert abs(timestamp - time.time()) < 60


async def test_deliver_webhook_sends_a_body_byte_for_byte(recorder: tuple[Recorder, str]) -> None:
    recorded, url = recorder
    body = b'{"delivery_id":  9, "events": []}'

    await deliver_webhook(url, body, secrets=SECRET, timestamp=NOW)
    await deliver_webhook(url, b"not json", secrets=SECRET, timestamp=NOW)

    (headers, sent), (other_headers, _) = recorded.requests
    assert sent == body
    assert headers["X-Kit-Delivery"] == "9"  # the body's own id
    assert headers["X-Kit-Signature"] == kit_header(body, SECRET)
    assert "X-Kit-Delivery" not in other_headers


async def test_deliver_webhook_can_omit_or_override_the_signature(
    recorder: tuple[Recorder, str],
) -> None:
    recorded, url = recorder
    event = make_event("tag.created")

    await deliver_webhook(url, [event], secrets=())
    await deliver_webhook(url, [event], secrets=SECRET, headers={"x-kit-signature": "garbage"})

    (unsigned, _), (overridden, _) = recorded.requests
    assert "X-Kit-Signature" not in unsigned
    assert overridden.getall("X-Kit-Signature") == ["garbage"]


async def test_deliver_webhook_returns_the_status_and_follows_no_redirect(
    recorder: tuple[Recorder, str],
) -> None:
    recorded, url = recorder

    recorded.status = 400
    assert await deliver_webhook(url, [make_event("tag.created")], secrets=SECRET) == 400
    recorded.status = 302
    assert await deliver_webhook(url, [make_event("tag.created")], secrets=SECRET) == 302


async def test_deliver_webhook_uses_and_leaves_open_a_given_session(
    recorder: tuple[Recorder, str],
) -> None:
    recorded, url = recorder

    async with aiohttp.ClientSession() as session:
        await deliver_webhook(url, [make_event("tag.created")], secrets=SECRET, session=session)
        assert not session.closed
        await deliver_webhook(url, [make_event("tag.created")], secrets=SECRET, session=session)
    assert len(recorded.requests) == 2


# -- the docs' aiohttp recipe, end to end -------------------------------------------------


def load_recipe() -> dict[str, Any]:
    """The docs' aiohttp receiver, executed as written."""
    examples = extract_examples(
        (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8"), "docs/webhooks.md"
    )
    (recipe,) = [example for example in examples if "def create_app" in example.source]
    namespace: dict[str, Any] = {"__name__": "webhook_recipe"}
    exec(compile(recipe.source, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our docs
    return namespace


@attrs.define
class Receiver:
    url: str
    app: web.Application
    recipe: dict[str, Any]
    handled: list[WebhookEvent]

    async def settle(self) -> None:
        """Wait until the recipe's background worker has handled every queued event."""
        await self.app[self.recipe["EVENTS"]].join()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recipe = load_recipe()
    handled: list[WebhookEvent] = []

    async def handle_event(event: WebhookEvent) -> None:
        handled.append(event)

    recipe["handle_event"] = handle_event  # the user's code, looked up at call time
    app = recipe["create_app"]([SECRET, PREVIOUS])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Receiver(f"http://127.0.0.1:{port}/kit/webhooks", app, recipe, handled)
    finally:
        await runner.cleanup()


async def test_recipe_acknowledges_a_good_delivery_and_handles_its_events(
    receiver: Receiver,
) -> None:
    events = [make_event("subscriber.tag_added"), make_event("subscriber.tag_added")]

    assert await deliver_webhook(receiver.url, events, secrets=SECRET) == 204
    await receiver.settle()

    assert [event.id for event in receiver.handled] == [event["id"] for event in events]
    assert receiver.handled[0].data.tag is not None


async def test_recipe_handles_a_redelivered_event_once(receiver: Receiver) -> None:
    first, second = make_event("subscriber.created"), make_event("subscriber.created")
    body = make_delivery([first, second], delivery_id=5)

    assert await deliver_webhook(receiver.url, body, secrets=SECRET) == 204
    # Kit's retry: the same delivery, re-signed later; then a new one repeating an event.
    assert await deliver_webhook(receiver.url, body, secrets=SECRET) == 204
    assert await deliver_webhook(receiver.url, [second, first], secrets=SECRET) == 204
    await receiver.settle()

    assert [event.id for event in receiver.handled] == [first["id"], second["id"]]


async def test_recipe_accepts_either_secret_during_a_rotation(receiver: Receiver) -> None:
    for secrets in ([SECRET, PREVIOUS], PREVIOUS, SECRET):
        status = await deliver_webhook(receiver.url, [make_event("tag.created")], secrets=secrets)
        assert status == 204
    await receiver.settle()
    assert len(receiver.handled) == 3


async def test_recipe_parses_an_event_type_it_does_not_know(receiver: Receiver) -> None:
    event = make_event("landing_page.created", landing_page={"id": 3, "name": "Launch"})

    assert await deliver_webhook(receiver.url, [event], secrets=SECRET) == 204
    await receiver.settle()

    (handled,) = receiver.handled
    assert handled.type == "landing_page.created"
    assert handled.data.raw == {"landing_page": {"id": 3, "name": "Launch"}}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secrets": "whsec_not_this_endpoints"},
        {"secrets": ()},
        {"secrets": SECRET, "timestamp": int(time.time()) - 3600},
        {"secrets": SECRET, "timestamp": int(time.time()) + 3600},
        {"secrets": SECRET, "headers": {"X-Kit-Signature": "t=1,v1=oops"}},
        {"secrets": SECRET, "headers": {"X-Kit-Signature": kit_header(b"{}", SECRET)}},
    ],
    ids=["wrong secret", "unsigned", "stale", "future", "malformed", "signed another body"],
)
async def test_recipe_refuses_a_bad_delivery_and_handles_nothing(
    receiver: Receiver, kwargs: dict[str, Any]
) -> None:
    status = await deliver_webhook(receiver.url, [make_event("tag.created")], **kwargs)

    assert status == 400
    await receiver.settle()
    assert receiver.handled == []


async def test_recipe_answers_500_to_a_genuine_delivery_it_cannot_read(receiver: Receiver) -> None:
    # A 5xx, so that Kit retries it; a 4xx would fail the delivery at once.
    body = b'{"delivery_id": 1, "events": [{"id": 1}]}'

    assert await deliver_webhook(receiver.url, body, secrets=SECRET) == 500
    await receiver.settle()
    assert receiver.handled == []


async def test_recipe_answers_before_the_work_is_done(receiver: Receiver) -> None:
    release = asyncio.Event()
    handled: list[str] = []

    async def slow_handler(event: WebhookEvent) -> None:
        await release.wait()
        handled.append(event.id)

    receiver.recipe["handle_event"] = slow_handler
    event = make_event("subscriber.created")

    assert await deliver_webhook(receiver.url, [event], secrets=SECRET) == 204
    assert handled == []  # answered while the handler still waits
    release.set()
    await receiver.settle()
    assert handled == [event["id"]]


# -- properties ---------------------------------------------------------------------------

secret_text = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() == s and s.strip())
secret_lists = st.lists(secret_text, min_size=1, max_size=3)
timestamps = st.integers(min_value=0, max_value=10**12)


@given(body=st.binary(max_size=2048), secrets=secret_lists, timestamp=timestamps)
def test_property_whatever_is_signed_verifies_with_any_one_of_its_secrets(
    body: bytes, secrets: list[str], timestamp: int
) -> None:
    header = sign_delivery(body, secrets, timestamp=timestamp)

    WebhookVerifier(secrets).verify_signature(body, header, now=timestamp)
    for secret in secrets:
        WebhookVerifier(secret).verify_signature(body, header, now=timestamp)


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(
    body=st.binary(min_size=1, max_size=2048),
    secrets=secret_lists,
    timestamp=timestamps,
    data=st.data(),
)
def test_property_flipping_any_byte_of_the_body_fails(
    body: bytes, secrets: list[str], timestamp: int, data: st.DataObject
) -> None:
    header = sign_delivery(body, secrets, timestamp=timestamp)
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1), label="index")
    mask = data.draw(st.integers(min_value=1, max_value=255), label="mask")
    tampered = bytearray(body)
    tampered[index] ^= mask

    with pytest.raises(SignatureMismatchError):
        WebhookVerifier(secrets).verify_signature(bytes(tampered), header, now=timestamp)


# -- the docstrings' examples -------------------------------------------------------------


def _webhooks_docstring_examples() -> list[Example]:
    """The fenced examples of `kit_async.webhooks`, which the API reference renders."""
    found: dict[str, Example] = {}
    owners: list[tuple[str, object]] = [("kit_async.webhooks", kit_async.webhooks)]
    for name in kit_async.webhooks.__all__:
        obj = getattr(kit_async.webhooks, name)
        owners.append((f"kit_async.webhooks.{name}", obj))
        if inspect.isclass(obj):
            owners += [
                (f"kit_async.webhooks.{name}.{member}", value)
                for member, value in vars(obj).items()
                if not member.startswith("_") and inspect.isfunction(value)
            ]
    for where, owner in owners:
        if inspect.ismodule(owner) or inspect.isclass(owner) or inspect.isfunction(owner):
            for example in extract_examples(inspect.cleandoc(owner.__doc__ or ""), where):
                found.setdefault(example.source, example)
    return list(found.values())


WEBHOOKS_EXAMPLES = _webhooks_docstring_examples()


def test_the_webhooks_docstrings_have_examples() -> None:
    where = {example.where for example in WEBHOOKS_EXAMPLES}
    assert {
        "kit_async.webhooks",
        "kit_async.webhooks.WebhookVerifier",
        "kit_async.webhooks.parse_delivery",
        "kit_async.webhooks.verify_delivery",
    } <= where


@pytest.mark.parametrize(
    "example",
    [
        # The inbox opens an SQLite file: aiosqlite, of kit-async[sync].
        pytest.param(e, marks=pytest.mark.requires_extra("sync")) if "Inbox(" in e.source else e
        for e in WEBHOOKS_EXAMPLES
    ],
    ids=lambda example: example.where,
)
def test_webhooks_docstring_example_runs(
    example: Example, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # the inbox example's database goes there
    namespace: dict[str, Any] = {"__name__": "__main__"}
    asyncio.run(run_example(example, f"<docstring of {example.where}>", namespace))


@pytest.mark.parametrize(
    "decoder", ["default", pytest.param("msgspec", marks=pytest.mark.requires_extra("fast"))]
)
def test_times_without_an_offset_are_utc_in_a_delivery(decoder: str, monkeypatch) -> None:
    import kit_async._json

    if decoder == "default":
        monkeypatch.setattr(kit_async._json, "_loads", kit_async._json._json_loads)
    subscriber = {"id": 1, "email_address": "a@example.com", "created_at": "2026-07-29T14:32:10"}
    event = {**event_of("subscriber.created", {"subscriber": subscriber}), "created": "2026-07-29"}

    (decoded,) = parse_delivery(delivery_of(event)).events

    assert decoded.created == datetime(2026, 7, 29, tzinfo=UTC)
    assert decoded.data.subscriber is not None
    assert decoded.data.subscriber.created_at == datetime(2026, 7, 29, 14, 32, 10, tzinfo=UTC)
    assert decoded.created.tzinfo is UTC


# -- the names of 0.1 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Subscriber", WebhookSubscriber),
        ("Tag", WebhookTag),
        ("Form", WebhookForm),
        ("EmailSequence", WebhookEmailSequence),
        ("CustomField", WebhookCustomField),
    ],
)
def test_the_old_payload_class_names_still_work_with_a_deprecation_warning(
    old: str, new: type
) -> None:
    with pytest.warns(DeprecationWarning, match="is deprecated") as caught:
        found = getattr(kit_async.webhooks, old)

    assert found is new
    assert str(caught[0].message) == (
        f"kit_async.webhooks.{old} is deprecated and will be removed in the next "
        f"release; use kit_async.webhooks.{new.__name__} (the same class)"
    )
    assert caught[0].filename == __file__


def test_an_old_name_imported_with_from_warns_too() -> None:
    with pytest.warns(DeprecationWarning, match="use kit_async.webhooks.WebhookTag"):
        from kit_async.webhooks import Tag

    assert Tag is WebhookTag


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Tags'"):
        _ = kit_async.webhooks.Tags


def test_the_payload_classes_are_not_the_clients_models() -> None:
    assert kit_async.webhooks.__all__.count("WebhookSubscriber") == 1
    assert not {"Subscriber", "Tag", "Form", "EmailSequence", "CustomField"} & set(
        kit_async.webhooks.__all__
    )
