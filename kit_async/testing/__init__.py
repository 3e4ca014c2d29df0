"""Test helpers for code that uses kit-async.

`FakeKit` is a real aiohttp server on loopback that behaves like Kit's v4
API (cursors, 404 for drafts, 401, the rate-limit window, OAuth refresh),
and can inject faults. Point a `KitClient` at `server.url`:

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
from ._fakekit import FakeKit
from ._faults import FAULT_KINDS, Fault, FaultKind
from ._webhooks import deliver_webhook, make_delivery, make_event, sign_delivery

__all__ = [
    "FAULT_KINDS",
    "FakeKit",
    "Fault",
    "FaultKind",
    "RecordedRequest",
    "deliver_webhook",
    "make_delivery",
    "make_event",
    "sign_delivery",
]
