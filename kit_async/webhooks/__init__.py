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
typed events. [`Inbox`][kit_async.webhooks.Inbox] keeps verified events in
a database and hands each to your handler at least once. Everything it raises derives from
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

import warnings
from typing import Any

from ._errors import (
    MalformedSignatureError,
    MissingSignatureError,
    SignatureMismatchError,
    TimestampOutOfToleranceError,
    WebhookError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from ._inbox import (
    DEFAULT_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_BODY_SIZE,
    Inbox,
    InboxEvent,
    Received,
    exponential_backoff,
)
from ._inbox_store import InboxError
from ._parse import parse_delivery
from ._payloads import (
    Delivery,
    EventData,
    WebhookCustomField,
    WebhookEmailSequence,
    WebhookEvent,
    WebhookForm,
    WebhookSubscriber,
    WebhookTag,
)
from ._verify import DEFAULT_TOLERANCE, SIGNATURE_HEADER, WebhookVerifier, verify_delivery

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_TOLERANCE",
    "SIGNATURE_HEADER",
    "Delivery",
    "EventData",
    "Inbox",
    "InboxError",
    "InboxEvent",
    "MalformedSignatureError",
    "MissingSignatureError",
    "Received",
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
    "exponential_backoff",
    "parse_delivery",
    "verify_delivery",
]


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
