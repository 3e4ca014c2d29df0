"""kit-async: an asyncio client for Kit's v4 email-marketing API.

```python
import kit_async

async with kit_async.KitClient(api_key="kit_...") as kit:
    async for click in kit.iter_broadcast_clicks(147):
        print(click.url, click.unique_clicks)
```
"""

from ._auth import TokenSet
from ._client import DEFAULT_BASE_URL, KitClient
from ._fanout import BroadcastPage, ClickStream
from ._models import Broadcast, BroadcastClick, BroadcastStats, EmailTemplate, Page, Pagination
from ._pagination import AsyncPaginator
from ._ratelimit import RateLimit
from ._transport import RetryPolicy
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    InternalServerError,
    KitError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RateLimitStorageError,
    RedirectError,
    ResponseValidationError,
    UnprocessableEntityError,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "Broadcast",
    "BroadcastClick",
    "BroadcastPage",
    "BroadcastStats",
    "ClickStream",
    "ClientClosedError",
    "EmailTemplate",
    "InternalServerError",
    "KitClient",
    "KitError",
    "NotFoundError",
    "Page",
    "Pagination",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RateLimitStorageError",
    "RedirectError",
    "ResponseValidationError",
    "RetryPolicy",
    "TokenSet",
    "UnprocessableEntityError",
    "__version__",
]
