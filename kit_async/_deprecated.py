"""What `KitClient` keeps for one release under its old names (CHANGELOG, "Deprecated").

Each still works and warns `DeprecationWarning` naming what replaces it; type
checkers and IDEs flag them too (PEP 702). Kept apart so that the client's
module holds what the client is, and the next release deletes one file.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal, TypeVar

from ._core.validation import MAX_PER_PAGE
from ._resources.broadcast_clicks import BroadcastIds, ClickStream
from ._resources.webhooks import LegacyWebhooks
from .models import BroadcastClick

__all__ = ["DeprecatedNames", "deprecated"]

T = TypeVar("T")

if TYPE_CHECKING:
    # PEP 702: type checkers and IDEs flag (strike through) the deprecated
    # names. At run time each warns by itself, so typing_extensions is not needed.
    from typing_extensions import deprecated
else:

    def deprecated(_message: str) -> Callable[[T], T]:
        return lambda function: function


class DeprecatedNames:
    """`KitClient`'s deprecated members (its base class; nothing else uses it)."""

    legacy_webhooks: LegacyWebhooks
    iter_clicks_for_broadcasts: Callable[..., ClickStream]

    @property
    @deprecated("use kit.legacy_webhooks (the same object)")
    def webhooks(self) -> LegacyWebhooks:
        """Deprecated: the old name of `legacy_webhooks` (the same object).

        It read as if it had to do with `kit_async.webhooks` (receiving
        deliveries) or `kit.webhook_endpoints`; it is Kit's legacy
        `/v4/webhooks` only. Removed in the next release.
        """
        warnings.warn(
            "kit.webhooks is deprecated and will be removed in the next release; "
            "use kit.legacy_webhooks (the same object: Kit's legacy /v4/webhooks)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.legacy_webhooks

    @deprecated("collect the clicks of kit.iter_clicks_for_broadcasts() instead")
    async def gather_broadcast_clicks(
        self,
        broadcast_ids: BroadcastIds | None = None,
        *,
        concurrency: int = 8,
        per_page: int = MAX_PER_PAGE,
        on_missing: Literal["skip", "raise"] = "skip",
        after: Mapping[int, str] | None = None,
        buffer: int | None = None,
    ) -> dict[int, list[BroadcastClick]]:
        """Deprecated: collect `iter_clicks_for_broadcasts` into a dict instead.

        Every click of many broadcasts, in memory: `{broadcast_id: [clicks]}`,
        skipped (404) broadcasts absent. It was a second entry point for what
        `iter_clicks_for_broadcasts` does; removed in the next release.
        Equivalent code:

        ```python
        async with kit_async.KitClient() as kit:
            clicks: dict[int, list[kit_async.models.BroadcastClick]] = {}
            async with kit.iter_clicks_for_broadcasts([1, 2, 3]) as stream:
                async for click in stream:
                    clicks.setdefault(click.broadcast_id, []).append(click)
        ```

        (A broadcast without clicks is then absent rather than an empty list.)
        """
        warnings.warn(
            "kit.gather_broadcast_clicks() is deprecated and will be removed in the "
            "next release; iterate kit.iter_clicks_for_broadcasts(ids) and collect "
            "the clicks by click.broadcast_id",
            DeprecationWarning,
            stacklevel=2,
        )
        found: dict[int, list[BroadcastClick]] = {}
        async with self.iter_clicks_for_broadcasts(
            broadcast_ids,
            concurrency=concurrency,
            per_page=per_page,
            on_missing=on_missing,
            after=after,
            buffer=buffer,
        ) as stream:
            async for broadcast_id, page in stream.pages():
                found.setdefault(broadcast_id, []).extend(page.items)
        done = set(stream.completed)
        return {i: found.get(i, []) for i in dict.fromkeys(stream.taken) if i in done}
