"""Verifying a delivery's `X-Kit-Signature`: secrets, tolerance, the header, the HMAC."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence

from .._core.validation import is_number
from ._errors import (
    MalformedSignatureError,
    MissingSignatureError,
    SignatureMismatchError,
    TimestampOutOfToleranceError,
)
from ._parse import parse_delivery
from ._payloads import Delivery

__all__ = ["DEFAULT_TOLERANCE", "SIGNATURE_HEADER", "WebhookVerifier", "verify_delivery"]

DEFAULT_TOLERANCE = 300.0
"""How far (seconds) a signature's timestamp may be from now: Kit recommends 5 minutes."""

SIGNATURE_HEADER = "X-Kit-Signature"
"""The header that carries a delivery's signature (matched case-insensitively)."""

_TIMESTAMP = re.compile(r"[0-9]{1,15}", re.ASCII)
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


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
