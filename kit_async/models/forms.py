"""Forms and landing pages."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Form"]


@attrs.frozen
class Form:
    """A form or a landing page (`GET /v4/forms`).

    Attributes:
        id: The form's id.
        name: Its name.
        created_at: When it was created.
        type: `embed` for a form, `hosted` for a landing page.
        archived: Whether it is archived.
        uid: Its public identifier (in `embed_url`).
        embed_js: The script that embeds it in a page.
        embed_url: Its public URL.
        format: `inline`, `modal`, `slide in` or `sticky bar` for a form;
            `None` for a landing page.
        subscriber_count: Its subscribers (only with `include_subscriber_count`).
    """

    id: int
    name: str
    created_at: datetime
    type: str
    archived: bool
    uid: str
    embed_js: str
    embed_url: str
    format: str | None = None
    subscriber_count: int | None = None
