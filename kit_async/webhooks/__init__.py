"""Receiving Kit's webhook-endpoint deliveries: verify the signature, then decode.

Kit POSTs each delivery to your endpoint as JSON,
`{"delivery_id": ..., "events": [...]}`, with 1 to 100 events of one type,
and signs it in the `X-Kit-Signature` header,
`t=<unix seconds>,v1=<hex>[,v1=<hex>]`: each `v1` is the hex
HMAC-SHA256 of `"<t>.<raw body>"` keyed with one of the endpoint's signing
secrets (two of them while a secret is being rotated).

[`WebhookVerifier`][kit_async.webhooks.WebhookVerifier] checks that header
over the raw bytes of the body, in constant time and before any JSON is read,
then decodes the body into a [`Delivery`][kit_async.webhooks.Delivery] of
typed events. Everything it raises derives from
[`WebhookError`][kit_async.webhooks.WebhookError], itself a
[`KitError`][kit_async.errors.KitError]. The "Receiving webhooks" guide has
recipes for aiohttp and FastAPI.

```python
from kit_async.testing import make_delivery, make_event, sign_delivery
from kit_async.webhooks import WebhookVerifier

# What Kit would send: a body and its signature header.
body = make_delivery([make_event("subscriber.created")])
headers = {"X-Kit-Signature": sign_delivery(body, "whsec_...")}

verifier = WebhookVerifier("whsec_...")
delivery = verifier.verify(body, headers)
assert delivery.events[0].data.subscriber is not None
```
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from .._converter import _SchemaError, _structure_item, loads
from .._core.validation import is_number
from ..errors import KitError
from ..models._frozen import FrozenDict, freeze_mapping, freeze_mapping_or_none

__all__ = [
    "DEFAULT_TOLERANCE",
    "SIGNATURE_HEADER",
    "Delivery",
    "EventData",
    "MalformedSignatureError",
    "MissingSignatureError",
    "SignatureMismatchError",
    "TimestampOutOfToleranceError",
    "WebhookCustomField",
    "WebhookEmailSequence",
    "WebhookError",
    "WebhookEvent",
    "WebhookForm",
    "WebhookPayloadError",
    "WebhookSubscriber",
    "WebhookTag",
    "WebhookVerificationError",
    "WebhookVerifier",
    "parse_delivery",
    "verify_delivery",
]

DEFAULT_TOLERANCE = 300.0
"""How far (seconds) a signature's timestamp may be from now: Kit recommends 5 minutes."""

SIGNATURE_HEADER = "X-Kit-Signature"
"""The header that carries a delivery's signature (matched case-insensitively)."""

_TIMESTAMP = re.compile(r"[0-9]{1,15}", re.ASCII)
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


# -- errors -------------------------------------------------------------------------------


class WebhookError(KitError):
    """Root of the errors raised while receiving a webhook delivery.

    Catch it to refuse any delivery that cannot be used, whatever the reason.
    """


class WebhookVerificationError(WebhookError):
    """The delivery's signature did not verify: nothing in it may be trusted.

    Answer with a 4xx status and do not act on the body. The subclasses say
    why; no message contains a secret or the signature that was expected.
    """


class MissingSignatureError(WebhookVerificationError):
    """The request has no `X-Kit-Signature` header.

    Not a delivery from a Kit webhook endpoint (legacy `/v4/webhooks`
    deliveries are not signed), or a proxy dropped the header.
    """


class MalformedSignatureError(WebhookVerificationError):
    """`X-Kit-Signature` is not `t=<unix seconds>,v1=<hex>[,v1=<hex>]`.

    Raised for a header with no `t`, a `t` that is not a whole number of
    seconds, no `v1` entry, a `v1` that is not 64 hex digits, or an item that
    is not `key=value`. Entries of other schemes (a future `v2`) are ignored.
    """


class TimestampOutOfToleranceError(WebhookVerificationError):
    """The signature's timestamp is further from now than the tolerance allows.

    An old timestamp is what a replayed delivery looks like; Kit signs every
    retry afresh, so a genuine delivery is never old. A timestamp in the
    future, or every delivery refused, points at this machine's clock.

    Attributes:
        timestamp: The header's `t` (Unix seconds).
        age: Seconds from `timestamp` to now; negative when it is in the future.
        tolerance: The verifier's tolerance, in seconds.
    """

    def __init__(self, message: str, *, timestamp: int, age: float, tolerance: float) -> None:
        super().__init__(message)
        self.timestamp = timestamp
        self.age = age
        self.tolerance = tolerance


class SignatureMismatchError(WebhookVerificationError):
    """No `v1` signature of the header matches the body with any secret held.

    The body was changed after it was signed (verify the raw bytes you
    received, never JSON you re-serialized), or the secret is not this
    endpoint's (after a rotation, hold both secrets until
    `previous_secret_expires_at`).

    Attributes:
        signatures: How many `v1` entries the header had.
        secrets: How many secrets were tried.
    """

    def __init__(self, message: str, *, signatures: int, secrets: int) -> None:
        super().__init__(message)
        self.signatures = signatures
        self.secrets = secrets


class WebhookPayloadError(WebhookError):
    """A delivery that is not Kit's documented shape, or not JSON at all.

    Raised by [`parse_delivery`][kit_async.webhooks.parse_delivery] and so by
    `verify()` after the signature verified: the delivery is genuine, but
    this version of kit-async cannot read it. Answering with a non-2xx
    status leaves it unacknowledged, so Kit retries it (and its delivery
    history shows the failure); keep the raw body if you want to look at it.

    Attributes:
        field: Dotted path of the offending field in the body
            (`events[0].data.subscriber.id`), or `None` when the body was
            not a JSON object at all.
    """

    def __init__(self, message: str, *, field: str | None) -> None:
        where = f" at {field!r}" if field else ""
        super().__init__(f"invalid webhook delivery{where}: {message}")
        self.field = field


# -- the models ---------------------------------------------------------------------------
# Kit's webhook docs list the resource fields loosely, so only `id` (and a
# subscriber's `email_address`) is required: a delivery must not be refused
# because Kit left out a field kit-async does not need. Everything is also
# kept, as sent, in `EventData.raw`.


@attrs.frozen
class WebhookSubscriber:
    """The subscriber of a `subscriber.*` event, shaped like Kit's v4 subscriber.

    Attributes:
        id: The subscriber's id.
        email_address: The subscriber's email address.
        first_name: `None` when the subscriber has none.
        state: `active`, `cancelled`, `bounced`, `complained` or `inactive`;
            after `subscriber.unsubscribed` (and the other state events) it is
            the new state.
        created_at: When the subscriber was added.
        fields: Custom-field values by key, as Kit sends them.
    """

    id: int
    email_address: str
    first_name: str | None = None
    state: str | None = None
    created_at: datetime | None = None
    fields: Mapping[str, Any] = attrs.field(factory=FrozenDict, converter=freeze_mapping)


@attrs.frozen
class WebhookTag:
    """The tag of a `tag.*` event, or of `subscriber.tag_added`/`tag_removed`."""

    id: int
    name: str | None = None
    created_at: datetime | None = None


@attrs.frozen
class WebhookForm:
    """The form (or landing page) of `subscriber.subscribed_to_form`.

    Attributes:
        id: The form's id.
        name: The form's name.
        created_at: When the form was created.
        type: `embed` for a form, `hosted` for a landing page.
        format: The form's format (`inline`, `modal`, ...), `None` for a landing page.
        embed_js: The script that embeds the form.
        embed_url: The form's public URL.
        archived: Whether the form is archived.
        uid: The form's public identifier.
    """

    id: int
    name: str | None = None
    created_at: datetime | None = None
    type: str | None = None
    format: str | None = None
    embed_js: str | None = None
    embed_url: str | None = None
    archived: bool | None = None
    uid: str | None = None


@attrs.frozen
class WebhookEmailSequence:
    """Kit's `sequence` (a drip campaign): of a `sequence.*` event or `subscriber.*_sequence*`.

    Named so that it does not shadow `collections.abc.Sequence` in your code;
    it is the `sequence` of [`EventData`][kit_async.webhooks.EventData].

    Attributes:
        id: The sequence's id.
        name: The sequence's name.
        hold: Whether subscribers stay active after its last email.
        repeat: Whether a re-added subscriber starts it again.
        created_at: When the sequence was created.
    """

    id: int
    name: str | None = None
    hold: bool | None = None
    repeat: bool | None = None
    created_at: datetime | None = None


@attrs.frozen
class WebhookCustomField:
    """The custom field of a `custom_field.*` event or `subscriber.custom_field_value_updated`.

    Attributes:
        id: The custom field's id.
        name: Its internal name (`ck_field_1_company`).
        key: The key of its values in `WebhookSubscriber.fields` (`company`);
            renaming the field changes it.
        label: Its label, as shown in Kit.
    """

    id: int
    name: str | None = None
    key: str | None = None
    label: str | None = None


@attrs.frozen
class EventData:
    """An event's `data`: the resources it is about, keyed as Kit keys them.

    A resource the event does not carry is `None`. `broadcast` and `post` are
    kept as the plain dicts Kit sends. Resources this version does not know
    (Kit adds event types over time) are only in `raw`.

    Attributes:
        subscriber: On `subscriber.*` events.
        tag: On `tag.*`, `subscriber.tag_added` and `subscriber.tag_removed`.
        form: On `subscriber.subscribed_to_form`.
        sequence: On `sequence.*`, `subscriber.added_to_sequence` and
            `subscriber.sequence_completed`.
        custom_field: On `custom_field.*` and
            `subscriber.custom_field_value_updated`.
        broadcast: On `broadcast.*`, as a dict.
        post: On `post.*`, as a dict.
        raw: The whole `data` object exactly as Kit sent it (empty when the
            `EventData` was built by hand).
    """

    subscriber: WebhookSubscriber | None = None
    tag: WebhookTag | None = None
    form: WebhookForm | None = None
    sequence: WebhookEmailSequence | None = None
    custom_field: WebhookCustomField | None = None
    broadcast: Mapping[str, Any] | None = attrs.field(
        default=None, converter=freeze_mapping_or_none
    )
    post: Mapping[str, Any] | None = attrs.field(default=None, converter=freeze_mapping_or_none)
    raw: Mapping[str, Any] = attrs.field(factory=FrozenDict, converter=freeze_mapping, repr=False)


@attrs.frozen
class WebhookEvent:
    """One event of a delivery.

    Attributes:
        id: The event's id. A delivery is retried whole, so the same event
            can arrive more than once: de-duplicate on this.
        type: The event type (`subscriber.tag_added`); types this version
            does not know are kept as they are.
        created: When the event happened (UTC).
        data: The resources the event is about.
    """

    id: str
    type: str
    created: datetime
    data: EventData


@attrs.frozen
class Delivery:
    """One POST from a Kit webhook endpoint.

    Attributes:
        delivery_id: Identifies the POST (also sent as `X-Kit-Delivery`); a
            retry of a failed delivery reuses it. Kit's delivery history is
            looked up by it.
        events: The delivery's events, all of one type (1 to 100 of them).
    """

    delivery_id: int
    events: tuple[WebhookEvent, ...]


@attrs.frozen
class _RawEvent:
    id: str
    type: str
    created: datetime
    data: Mapping[str, Any]


@attrs.frozen
class _Envelope:
    delivery_id: int
    events: tuple[_RawEvent, ...]


# -- decoding -----------------------------------------------------------------------------


def parse_delivery(body: bytes | str) -> Delivery:
    """Decode a delivery's body, **without verifying it**.

    For a body whose signature was already checked (with
    [`WebhookVerifier.verify_signature`][kit_async.webhooks.WebhookVerifier.verify_signature],
    say, before it was queued). Decoding uses kit-async's converter: types are checked strictly, and
    fields it does not know are ignored.

    Args:
        body: The body, as bytes or text.

    Returns:
        The delivery.

    Raises:
        WebhookPayloadError: The body is not JSON, or not Kit's shape; the
            error's `field` names the offending field.

    Example:
        ```python
        from kit_async.webhooks import parse_delivery

        delivery = parse_delivery(
            b'{"delivery_id": 123456, "events": [{"id": "9c2e1f3a", "type": "tag.created",'
            b' "created": "2026-07-29T14:32:10Z", "data": {"tag": {"id": 5, "name": "VIP"}}}]}'
        )
        assert delivery.events[0].data.tag is not None
        assert delivery.events[0].data.tag.name == "VIP"
        ```
    """
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    elif not isinstance(body, bytes | str):
        msg = f"body must be bytes or str, not {type(body).__name__}"
        raise TypeError(msg)
    try:
        document = loads(body)
    except ValueError as exc:  # orjson's and json's decode errors are ValueErrors
        raise WebhookPayloadError(f"the body is not JSON ({exc})", field=None) from None
    if not isinstance(document, dict):
        kind = "array" if isinstance(document, list) else type(document).__name__
        raise WebhookPayloadError(f"expected a JSON object, got {kind}", field=None)
    try:
        _check_events_shape(document)
        envelope = _structure_item(document, _Envelope, {}, "")
        events = tuple(_decode_event(raw, index) for index, raw in enumerate(envelope.events))
    except _SchemaError as exc:
        raise WebhookPayloadError(str(exc), field=(exc.field or "").lstrip(".") or None) from None
    return Delivery(delivery_id=envelope.delivery_id, events=events)


def _check_events_shape(document: dict[str, Any]) -> None:
    # The converter would iterate a dict or a string as if it were the list.
    events = document.get("events")
    if events is None:
        return  # the converter reports the missing field
    if not isinstance(events, list):
        raise _SchemaError(f"expected array, got {type(events).__name__}", "events")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise _SchemaError(f"expected object, got {type(event).__name__}", f"events[{index}]")


_RESOURCES = tuple(field.name for field in attrs.fields(EventData) if field.name != "raw")


def _decode_event(raw: _RawEvent, index: int) -> WebhookEvent:
    where = f"events[{index}].data"
    for name in _RESOURCES:
        # cattrs would explain a list in place of a model with an IndexError.
        value = raw.data.get(name)
        if value is not None and not isinstance(value, dict):
            kind = "list" if isinstance(value, list) else type(value).__name__
            raise _SchemaError(f"expected object, got {kind}", f"{where}.{name}")
    data = _structure_item(raw.data, EventData, {"raw": raw.data}, where)
    return WebhookEvent(id=raw.id, type=raw.type, created=raw.created, data=data)


# -- verifying ----------------------------------------------------------------------------


def _secret_keys(secrets: str | Sequence[str]) -> tuple[bytes, ...]:
    """The secrets as HMAC keys (UTF-8), checked; shared with `kit_async.testing`."""
    if isinstance(secrets, str):
        items: Iterable[object] = (secrets,)
    elif isinstance(secrets, bytes | bytearray | memoryview) or not isinstance(secrets, Iterable):
        msg = f"secrets must be a str or a sequence of str, not {type(secrets).__name__}"
        raise TypeError(msg)
    else:
        items = secrets
    keys: list[bytes] = []
    for number, secret in enumerate(items, 1):
        if not isinstance(secret, str):
            msg = f"webhook secret {number} is a {type(secret).__name__}, not a str"
            raise TypeError(msg)
        if not secret.strip():
            msg = f"webhook secret {number} is empty"
            raise ValueError(msg)
        if secret != secret.strip():
            # A newline from a file or an environment variable: the HMAC
            # would never match, and the mismatch would be hard to see.
            msg = f"webhook secret {number} has leading or trailing whitespace"
            raise ValueError(msg)
        key = secret.encode()
        if key not in keys:
            keys.append(key)
    if not keys:
        msg = "no webhook secret given: pass the endpoint's signing secret (whsec_...)"
        raise ValueError(msg)
    return tuple(keys)


def _check_tolerance(tolerance: float) -> float:
    if not is_number(tolerance):
        msg = f"tolerance must be a number of seconds, not {type(tolerance).__name__}"
        raise TypeError(msg)
    if math.isnan(tolerance) or tolerance < 0:
        msg = f"tolerance must be 0 or more seconds, got {tolerance!r}"
        raise ValueError(msg)
    return float(tolerance)


def _check_body(body: object) -> None:
    if isinstance(body, str):
        msg = (
            "body must be the raw bytes of the request (`await request.read()`), not text:"
            " decoding changes the bytes that were signed"
        )
        raise TypeError(msg)
    if not isinstance(body, bytes | bytearray | memoryview):
        msg = f"body must be bytes, not {type(body).__name__}"
        raise TypeError(msg)


def _header_value(headers: Mapping[str, str] | str | None) -> str:
    if headers is None:
        raise MissingSignatureError(f"the request has no {SIGNATURE_HEADER} header")
    if isinstance(headers, str):
        value = headers
    elif isinstance(headers, Mapping):
        wanted = SIGNATURE_HEADER.lower()
        values = [
            value
            for name, value in headers.items()
            if isinstance(name, str) and name.lower() == wanted
        ]
        if not values:
            raise MissingSignatureError(f"the request has no {SIGNATURE_HEADER} header")
        if len(values) > 1:
            raise MalformedSignatureError(
                f"the request has {len(values)} {SIGNATURE_HEADER} headers; Kit sends one"
            )
        value = values[0]
        if not isinstance(value, str):
            msg = f"header values must be str, not {type(value).__name__}"
            raise TypeError(msg)
    else:
        msg = (
            f"headers must be the request's headers (a mapping) or the {SIGNATURE_HEADER}"
            f" value (a str), not {type(headers).__name__}"
        )
        raise TypeError(msg)
    if not value.strip():
        raise MalformedSignatureError(f"the {SIGNATURE_HEADER} header is empty")
    return value


def _parse_header(value: str) -> tuple[str, list[str]]:
    """`(t as sent, [v1 signatures in lower case])`, or MalformedSignatureError."""
    expected = "expected t=<unix seconds>,v1=<hex>[,v1=<hex>]"
    timestamp: str | None = None
    signatures: list[str] = []
    for number, item in enumerate(value.split(","), 1):
        key, equals, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not equals or not key:
            raise MalformedSignatureError(
                f"{SIGNATURE_HEADER} item {number} is not key=value ({expected})"
            )
        if key == "t":
            if timestamp is not None:
                raise MalformedSignatureError(f"{SIGNATURE_HEADER} has more than one t")
            if not _TIMESTAMP.fullmatch(text):
                raise MalformedSignatureError(
                    f"{SIGNATURE_HEADER}'s t is not a whole number of seconds ({expected})"
                )
            timestamp = text
        elif key == "v1":
            if not _HEX_SHA256.fullmatch(text):
                raise MalformedSignatureError(
                    f"{SIGNATURE_HEADER}'s v1 entry (item {number}) is not 64 hex digits"
                )
            signatures.append(text.lower())
        # Any other key (a future `v2`, say) is ignored: Kit may add schemes.
    if timestamp is None:
        raise MalformedSignatureError(f"{SIGNATURE_HEADER} has no t timestamp ({expected})")
    if not signatures:
        raise MalformedSignatureError(f"{SIGNATURE_HEADER} has no v1 signature ({expected})")
    return timestamp, signatures


class WebhookVerifier:
    """Verifies the signature of Kit's webhook deliveries, then decodes them.

    Create one when your app starts, from the endpoint's signing secret (Kit
    shows it once, when the endpoint is created or its secret rotated). Each
    secret is used as given, the whole string `whsec_...` encoded as UTF-8,
    as the HMAC-SHA256 key.

    Args:
        secrets: The signing secret, or several: while a rotation's overlap
            lasts (until the endpoint's `previous_secret_expires_at`), pass
            the new and the previous one. A delivery verifies when any of
            its `v1` signatures matches any of them.
        tolerance: How many seconds the signature's timestamp may be from
            now, either way (default 300, Kit's recommendation). Older
            deliveries are refused as replays.

    Raises:
        ValueError: No secret, an empty one, one with surrounding whitespace,
            or a negative tolerance.
        TypeError: A secret that is not a str.

    Secrets never appear in the verifier's `repr`, nor in any error message.

    Example:
        ```python
        from kit_async.testing import make_delivery, make_event, sign_delivery
        from kit_async.webhooks import SignatureMismatchError, WebhookVerifier

        verifier = WebhookVerifier(["whsec_new", "whsec_previous"])  # during a rotation
        body = make_delivery([make_event("subscriber.tag_added")])
        header = sign_delivery(body, ["whsec_new", "whsec_previous"])  # as Kit signs it then

        delivery = verifier.verify(body, {"X-Kit-Signature": header})
        print(delivery.events[0].type)  # subscriber.tag_added

        try:
            verifier.verify(body + b" ", {"X-Kit-Signature": header})
        except SignatureMismatchError as exc:
            print(exc)  # no v1 signature ... matches the body ...
        ```
    """

    __slots__ = ("_keys", "_tolerance")

    def __init__(
        self, secrets: str | Sequence[str], *, tolerance: float = DEFAULT_TOLERANCE
    ) -> None:
        self._keys = _secret_keys(secrets)
        self._tolerance = _check_tolerance(tolerance)

    @property
    def tolerance(self) -> float:
        """How many seconds a signature's timestamp may be from now."""
        return self._tolerance

    def __repr__(self) -> str:
        count = len(self._keys)
        secrets = f"<{count} secret{'' if count == 1 else 's'}>"
        return f"WebhookVerifier({secrets}, tolerance={self._tolerance!r})"

    def verify_signature(
        self,
        body: bytes | bytearray | memoryview,
        headers: Mapping[str, str] | str | None,
        *,
        now: float | None = None,
    ) -> None:
        """Check a delivery's signature, and nothing else.

        The checks, in order: the header is there, it parses, its timestamp
        is within the tolerance, and one of its `v1` signatures is the
        HMAC-SHA256 of `"<t>.<body>"` under one of the secrets, compared
        with `hmac.compare_digest`. The body is not parsed.

        Args:
            body: The raw bytes of the request body, exactly as received.
            headers: The request's headers (any mapping; the name is matched
                case-insensitively), or the `X-Kit-Signature` value itself
                (`None` when absent).
            now: The current Unix time; defaults to `time.time()`.

        Raises:
            MissingSignatureError: No `X-Kit-Signature` header.
            MalformedSignatureError: The header does not parse.
            TimestampOutOfToleranceError: The timestamp is too old, or in the future.
            SignatureMismatchError: No signature matches the body under any secret.
            TypeError: `body` is text, not bytes.
        """
        _check_body(body)
        timestamp, signatures = _parse_header(_header_value(headers))
        age = (time.time() if now is None else now) - int(timestamp)
        if not abs(age) <= self._tolerance:
            when = f"{age:.0f} s old" if age > 0 else f"{-age:.0f} s in the future"
            raise TimestampOutOfToleranceError(
                f"{SIGNATURE_HEADER}'s timestamp is {when}, beyond the {self._tolerance:g} s"
                " tolerance (a replayed delivery, or this machine's clock is off)",
                timestamp=int(timestamp),
                age=age,
                tolerance=self._tolerance,
            )
        signed = timestamp.encode("ascii") + b"."
        matched = False
        for key in self._keys:
            mac = hmac.new(key, signed, hashlib.sha256)
            mac.update(body)
            expected = mac.hexdigest()
            for signature in signatures:
                # Every pair is compared, in constant time: how long this takes
                # says nothing about how close a forged signature came.
                matched |= hmac.compare_digest(expected, signature)
        if not matched:
            count = len(self._keys)
            raise SignatureMismatchError(
                f"no v1 signature of {SIGNATURE_HEADER} matches the body with the"
                f" {count} secret{'' if count == 1 else 's'} held: the body was changed"
                " after signing (verify the raw bytes received), or the secret is not"
                " this endpoint's",
                signatures=len(signatures),
                secrets=count,
            )

    def verify(
        self,
        body: bytes | bytearray | memoryview,
        headers: Mapping[str, str] | str | None,
        *,
        now: float | None = None,
    ) -> Delivery:
        """Check a delivery's signature, then decode it.

        The signature is checked first, over the raw bytes: the body is parsed
        only once it is known to come from Kit.

        Args:
            body: The raw bytes of the request body, exactly as received
                (`await request.read()` in aiohttp, `await request.body()` in
                Starlette and FastAPI).
            headers: The request's headers (any mapping; the name is matched
                case-insensitively), or the `X-Kit-Signature` value itself.
            now: The current Unix time; defaults to `time.time()`.

        Returns:
            The decoded delivery.

        Raises:
            WebhookVerificationError: The signature did not verify (see
                [`verify_signature`][kit_async.webhooks.WebhookVerifier.verify_signature]
                for the subclasses).
            WebhookPayloadError: The signature verified, but the body is not
                JSON or not Kit's shape.
        """
        self.verify_signature(body, headers, now=now)
        return parse_delivery(bytes(body))


def verify_delivery(
    body: bytes | bytearray | memoryview,
    headers: Mapping[str, str] | str | None,
    *,
    secrets: str | Sequence[str],
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Delivery:
    """Verify and decode one delivery: `WebhookVerifier(secrets, tolerance=...).verify(...)`.

    A shortcut for scripts and one-off handlers; an app that receives many
    deliveries keeps one [`WebhookVerifier`][kit_async.webhooks.WebhookVerifier].

    Args:
        body: The raw bytes of the request body, exactly as received.
        headers: The request's headers, or the `X-Kit-Signature` value itself.
        secrets: The endpoint's signing secret, or the new and the previous
            one during a rotation.
        tolerance: How many seconds the signature's timestamp may be from now.
        now: The current Unix time; defaults to `time.time()`.

    Returns:
        The decoded delivery.

    Raises:
        WebhookVerificationError: The signature did not verify.
        WebhookPayloadError: The signature verified, but the body is not
            JSON or not Kit's shape.

    Example:
        ```python
        from kit_async.testing import make_delivery, make_event, sign_delivery
        from kit_async.webhooks import verify_delivery

        body = make_delivery([make_event("tag.created", tag={"name": "VIP"})])
        headers = {"x-kit-signature": sign_delivery(body, "whsec_...")}
        delivery = verify_delivery(body, headers, secrets="whsec_...")
        assert delivery.events[0].data.tag is not None
        assert delivery.events[0].data.tag.name == "VIP"
        ```
    """
    return WebhookVerifier(secrets, tolerance=tolerance).verify(body, headers, now=now)


#: The names of the payload classes in 0.1, when they were the same as the
#: client's models (`kit_async.Subscriber` is another class): old name -> new.
_RENAMED = {
    "CustomField": "WebhookCustomField",
    "EmailSequence": "WebhookEmailSequence",
    "Form": "WebhookForm",
    "Subscriber": "WebhookSubscriber",
    "Tag": "WebhookTag",
}


def __getattr__(name: str) -> Any:
    # The old names still work for one release, with a DeprecationWarning.
    try:
        new_name = _RENAMED[name]
    except KeyError:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg) from None
    warnings.warn(
        f"kit_async.webhooks.{name} is deprecated and will be removed in the next "
        f"release; use kit_async.webhooks.{new_name} (the same class)",
        DeprecationWarning,
        stacklevel=2,
    )
    return globals()[new_name]
