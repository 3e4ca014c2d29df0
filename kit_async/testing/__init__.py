"""Test helpers for code that uses kit-async.

`FakeKit` is a real aiohttp server on loopback that serves every operation
of Kit's v4 API from an in-memory account (`server.account`, seeded with
`server.add_subscriber()`, `server.add_tag()`, ...) the way Kit documents
them: cursors, upserts, 204s, 404 and 422 with Kit's messages, OAuth-only
endpoints, bulk requests, webhook endpoints and their signed deliveries
(`server.emit()`), the rate-limit window, OAuth refresh. It can inject
faults on any route. Point a `KitClient` at `server.url`:

```python
from kit_async.testing import FakeKit

async with FakeKit(broadcasts=3, clicks=1500) as server:
    async with kit_async.KitClient(server.api_key, base_url=server.url) as kit:
        ...
```

Combine with `stamina.set_testing(True, attempts=3, cap=True)` so that the
client's retries happen without waiting (`stamina.set_testing(True)` alone
allows a single attempt: no retries at all).

For a webhook receiver, `make_event`, `make_delivery` and `sign_delivery`
build and sign deliveries like Kit's, and `deliver_webhook` POSTs one to your
app with Kit's headers (see the guide's "Testing your receiver").
"""

from ._app import RecordedRequest
from ._clock import FakeClock
from ._deliveries import BulkCallback, DeliveryAttempt, WebhookDelivery
from ._fakekit import FakeKit
from ._faults import FAULT_KINDS, Fault, FaultKind
from ._webhooks import deliver_webhook, make_delivery, make_event, sign_delivery

__all__ = [
    "FAULT_KINDS",
    "BulkCallback",
    "DeliveryAttempt",
    "FakeClock",
    "FakeKit",
    "Fault",
    "FaultKind",
    "RecordedRequest",
    "WebhookDelivery",
    "deliver_webhook",
    "make_delivery",
    "make_event",
    "sign_delivery",
]
