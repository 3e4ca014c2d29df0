"""What write calls return besides the record: created or found, done or queued."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import attrs

from ._frozen import freeze_tuple

T = TypeVar("T")

__all__ = ["BulkAccepted", "BulkResult", "Upserted"]


@attrs.frozen
class Upserted(Generic[T]):
    """The record a create-or-find call returns, and whether Kit made it now.

    Kit answers such calls (create a subscriber by email, create a tag or a
    custom field that may exist, tag a subscriber, add one to a form or a
    sequence) with `201` when it created the record or the link, and `200`
    when it already existed (a subscriber's first name is updated then).
    Repeating the call is harmless, which is why kit-async retries it.

    ```python
    result = await kit.tags.create("VIP")
    print(result.item.id, "new" if result.created else "already there")
    ```

    Attributes:
        item: The record, as Kit returned it.
        status: Kit's status: `201` created, `200` existed, `202` created
            with its custom fields still being written (more than 10 sent).
    """

    item: T
    status: int

    @property
    def created(self) -> bool:
        """True when Kit created the record (`201` or `202`), False when it existed."""
        return self.status != 200

    @property
    def pending(self) -> bool:
        """True when Kit is still writing part of it in the background (`202`)."""
        return self.status == 202


@attrs.frozen
class BulkResult(Generic[T]):
    """A bulk call Kit processed at once (up to 100 items): what worked, what failed.

    Attributes:
        items: The records Kit created or found, in its order.
        failures: One entry per item Kit refused, as Kit sends it (its
            `errors` and the item it refers to).
    """

    items: tuple[T, ...]
    failures: tuple[Mapping[str, Any], ...] = attrs.field(default=(), converter=freeze_tuple)


@attrs.frozen
class BulkAccepted:
    """A bulk call Kit queued (more than 100 items, `202 Accepted`).

    Nothing is known yet: Kit processes the items in the background and
    POSTs the results to the `callback_url` you gave, if any.

    Attributes:
        callback_url: Where Kit will send the results (`None`: nowhere).
    """

    callback_url: str | None = None
