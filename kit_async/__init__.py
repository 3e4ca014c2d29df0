"""kit-async: an asyncio client for Kit's v4 email-marketing API.

```python
import kit_async

async with kit_async.KitClient(api_key="kit_...") as kit:
    async for click in kit.iter_broadcast_clicks(147):
        print(click.url, click.unique_clicks)
```
"""

# The names of __all__ are defined by the star imports below (checked by
# tests/unit/test_public_api.py), so ruff cannot see them:
# ruff: noqa: F405

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# The errors are imported now: errors.py needs nothing but the standard library.
from .errors import *  # noqa: F403 - every name of errors.__all__, listed in __all__ below

if TYPE_CHECKING:
    # What the lazy names below are, for type checkers and IDEs: each module's
    # own __all__ says what it exports; __all__ below picks the public ones.
    from . import models as models
    from . import resources as resources
    from ._accounts import *  # noqa: F403
    from ._client import *  # noqa: F403
    from ._core.auth import *  # noqa: F403
    from ._core.fanout import *  # noqa: F403
    from ._core.hooks import *  # noqa: F403
    from ._core.pagination import *  # noqa: F403
    from ._core.ratelimit import *  # noqa: F403
    from ._core.retry import *  # noqa: F403
    from ._jsonable import *  # noqa: F403
    from ._raw import *  # noqa: F403
    from ._resources.broadcast_clicks import *  # noqa: F403
    from .models import *  # noqa: F403

# The one list of the public names; `tests/unit/test_public_api.py` checks it
# against the modules that define them.
__all__ = [  # noqa: RUF022 - grouped by the module each name lives in
    "__version__",
    # The client and its engine.
    "DEFAULT_BASE_URL",
    "AsyncPaginator",
    "BroadcastPage",
    "ClickStream",
    "FanOutStream",
    "KeyedPage",
    "KitAccounts",
    "KitClient",
    "RateLimit",
    "RawResponse",
    "RetryPolicy",
    "TokenSet",
    "to_jsonable",
    # Observability: the hooks and their events.
    "Hooks",
    "RateLimitWaitEvent",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    # The errors (kit_async.errors).
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AccountDisconnectedError",
    "AuthenticationError",
    "AuthorizationDeniedError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "InternalServerError",
    "KitError",
    "NotFoundError",
    "OAuthError",
    "OAuthRequiredError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitStorageError",
    "RedirectError",
    "ResponseValidationError",
    "TokenSaveError",
    "TokenStoreError",
    "UnprocessableEntityError",
    # The models (kit_async.models, their home; the same classes).
    "Account",
    "AccountPlan",
    "AccountTimezone",
    "AccountUser",
    "Broadcast",
    "BroadcastClick",
    "BroadcastStats",
    "BroadcastStatsFigures",
    "BroadcastStatsItem",
    "BulkAccepted",
    "BulkResult",
    "CreatorProfile",
    "CustomField",
    "CustomFieldValue",
    "EmailSequence",
    "EmailStats",
    "EmailTemplate",
    "FilteredSubscriber",
    "Form",
    "GrowthStats",
    "LegacyWebhook",
    "LegacyWebhookEvent",
    "Page",
    "Pagination",
    "PinnedLocation",
    "Post",
    "Purchase",
    "PurchaseProduct",
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
    "Upserted",
    "WebhookDeliveryRecord",
    "WebhookEndpoint",
]

# The names of __all__ not imported above are imported on first use
# (PEP 562), so that `import kit_async` (and the `kit-async` command starting
# up) loads neither aiohttp nor attrs before they are needed. Each is found in
# the one of these modules whose __all__ lists it: the modules of the star
# imports above (tests/unit/test_public_api.py checks that they agree).
_HOMES = (
    ".models",
    "._accounts",
    "._client",
    "._jsonable",
    "._raw",
    "._core.auth",
    "._core.fanout",
    "._core.hooks",
    "._core.pagination",
    "._core.ratelimit",
    "._core.retry",
    "._resources.broadcast_clicks",
)
_SUBMODULES = frozenset({"models", "resources"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in __all__:
        for home in _HOMES:
            module = importlib.import_module(home, __name__)
            if name in module.__all__:
                value = getattr(module, name)
                globals()[name] = value  # later look-ups skip this function
                return value
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
