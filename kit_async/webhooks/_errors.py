"""The errors raised while receiving a webhook delivery, rooted at `WebhookError`."""

from __future__ import annotations

from ..errors import KitError

__all__ = [
    "MalformedSignatureError",
    "MissingSignatureError",
    "SignatureMismatchError",
    "TimestampOutOfToleranceError",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookVerificationError",
]


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
    this version of kit-async cannot read it. Answer with a 5xx status: Kit
    retries it on its schedule (for about 41 hours) and its delivery history
    shows the failure, whereas a 4xx fails the delivery at once, without a
    retry. Keep the raw body if you want to look at it.

    Attributes:
        field: Dotted path of the offending field in the body
            (`events[0].data.subscriber.id`), or `None` when the body was
            not a JSON object at all.
    """

    def __init__(self, message: str, *, field: str | None) -> None:
        where = f" at {field!r}" if field else ""
        super().__init__(f"invalid webhook delivery{where}: {message}")
        self.field = field
