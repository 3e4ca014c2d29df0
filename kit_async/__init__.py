"""kit-async: an asyncio client for Kit's v4 email-marketing API.

```python
import kit_async

async with kit_async.KitClient(api_key="kit_...") as kit:
    async for click in kit.iter_broadcast_clicks(147):
        print(click.url, click.unique_clicks)
```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# The errors are imported now: errors.py needs nothing but the standard library.
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    InternalServerError,
    KitError,
    NotFoundError,
    OAuthRequiredError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RateLimitStorageError,
    RedirectError,
    ResponseValidationError,
    TokenSaveError,
    UnprocessableEntityError,
)

if TYPE_CHECKING:
    from ._client import DEFAULT_BASE_URL, KitClient
    from ._converter import to_jsonable
    from ._core.auth import TokenSet
    from ._core.fanout import FanOutStream, KeyedPage
    from ._core.pagination import AsyncPaginator
    from ._core.ratelimit import RateLimit
    from ._core.retry import RetryPolicy
    from ._models import (
        Account,
        AccountPlan,
        AccountTimezone,
        AccountUser,
        Broadcast,
        BroadcastClick,
        BroadcastStats,
        BroadcastStatsFigures,
        BroadcastStatsItem,
        BulkAccepted,
        BulkResult,
        CreatorProfile,
        CustomField,
        CustomFieldValue,
        EmailSequence,
        EmailStats,
        EmailTemplate,
        FilteredSubscriber,
        Form,
        GrowthStats,
        LegacyWebhook,
        LegacyWebhookEvent,
        Page,
        Pagination,
        PinnedLocation,
        Post,
        Purchase,
        PurchaseProduct,
        Segment,
        SendingAddress,
        SequenceEmail,
        SequenceEmailStats,
        SequenceStats,
        Snippet,
        SnippetDocument,
        Subscriber,
        SubscriberSource,
        SubscriberStats,
        Tag,
        Upserted,
        WebhookEndpoint,
    )
    from ._resources.broadcast_clicks import BroadcastPage, ClickStream

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "AccountPlan",
    "AccountTimezone",
    "AccountUser",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "Broadcast",
    "BroadcastClick",
    "BroadcastPage",
    "BroadcastStats",
    "BroadcastStatsFigures",
    "BroadcastStatsItem",
    "BulkAccepted",
    "BulkResult",
    "ClickStream",
    "ClientClosedError",
    "ConflictError",
    "CreatorProfile",
    "CustomField",
    "CustomFieldValue",
    "EmailSequence",
    "EmailStats",
    "EmailTemplate",
    "FanOutStream",
    "FilteredSubscriber",
    "Form",
    "GrowthStats",
    "InternalServerError",
    "KeyedPage",
    "KitClient",
    "KitError",
    "LegacyWebhook",
    "LegacyWebhookEvent",
    "NotFoundError",
    "OAuthRequiredError",
    "Page",
    "Pagination",
    "PaginationError",
    "PermissionDeniedError",
    "PinnedLocation",
    "Post",
    "Purchase",
    "PurchaseProduct",
    "RateLimit",
    "RateLimitError",
    "RateLimitStorageError",
    "RedirectError",
    "ResponseValidationError",
    "RetryPolicy",
    "Segment",
    "SendingAddress",
    "SequenceEmail",
    "SequenceEmailStats",
    "SequenceStats",
    "Snippet",
    "SnippetDocument",
    "Subscriber",
    "SubscriberSource",
    "SubscriberStats",
    "Tag",
    "TokenSaveError",
    "TokenSet",
    "UnprocessableEntityError",
    "Upserted",
    "WebhookEndpoint",
    "__version__",
    "to_jsonable",
]

# The other public names are imported on first use (PEP 562), so that
# `import kit_async` (and the `kit-async` command starting up) does not load
# aiohttp before it is needed. The imports above, for type checkers, list the same.
_MODULE_OF: dict[str, str] = {
    "TokenSet": "._core.auth",
    "DEFAULT_BASE_URL": "._client",
    "KitClient": "._client",
    "to_jsonable": "._converter",
    "BroadcastPage": "._resources.broadcast_clicks",
    "ClickStream": "._resources.broadcast_clicks",
    "FanOutStream": "._core.fanout",
    "KeyedPage": "._core.fanout",
    "Broadcast": "._models",
    "BroadcastClick": "._models",
    "BroadcastStats": "._models",
    "EmailTemplate": "._models",
    "Page": "._models",
    "Pagination": "._models",
    "BulkAccepted": "._models",
    "BulkResult": "._models",
    "Subscriber": "._models",
    "SubscriberStats": "._models",
    "FilteredSubscriber": "._models",
    "PinnedLocation": "._models",
    "CustomField": "._models",
    "CustomFieldValue": "._models",
    "Tag": "._models",
    "Form": "._models",
    "EmailSequence": "._models",
    "SequenceEmail": "._models",
    "SequenceEmailStats": "._models",
    "SequenceStats": "._models",
    "SubscriberSource": "._models",
    "Upserted": "._models",
    "Account": "._models",
    "AccountPlan": "._models",
    "AccountTimezone": "._models",
    "AccountUser": "._models",
    "BroadcastStatsFigures": "._models",
    "BroadcastStatsItem": "._models",
    "CreatorProfile": "._models",
    "EmailStats": "._models",
    "GrowthStats": "._models",
    "Post": "._models",
    "Purchase": "._models",
    "PurchaseProduct": "._models",
    "Segment": "._models",
    "SendingAddress": "._models",
    "Snippet": "._models",
    "SnippetDocument": "._models",
    "WebhookEndpoint": "._models",
    "LegacyWebhook": "._models",
    "LegacyWebhookEvent": "._models",
    "AsyncPaginator": "._core.pagination",
    "RateLimit": "._core.ratelimit",
    "RetryPolicy": "._core.retry",
}


def __getattr__(name: str) -> Any:
    try:
        module_name = _MODULE_OF[name]
    except KeyError:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg) from None
    module = importlib.import_module(module_name, __name__)
    value = getattr(module, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
