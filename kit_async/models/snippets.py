"""Snippets: reusable pieces of email content, referenced as `{{ snippet.<key> }}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._frozen import freeze

__all__ = ["Snippet", "SnippetDocument"]


@attrs.frozen
class SnippetDocument:
    """A snippet's rich-text document (Kit's `document` object).

    Attributes:
        id: The document's id.
        version: Its version.
        value_html: Its HTML (a block snippet's body).
        value_plain: Its plain text.
        value: Kit's raw `value`, as sent.
    """

    id: int
    version: int
    value_html: str | None = None
    value_plain: str | None = None
    value: Any = attrs.field(default=None, converter=freeze)


@attrs.frozen
class Snippet:
    """A snippet (`GET /v4/snippets`, `GET /v4/snippets/{id}`, and the writes).

    Attributes:
        id: The snippet's id.
        name: Its name.
        snippet_type: `inline` (Liquid-enabled text in `content`) or `block`
            (rich-text HTML in `document.value_html`); fixed at creation.
        archived: Whether it is archived.
        key: What emails reference it by, `{{ snippet.<key> }}` (derived
            from the name at creation).
        created_at: When it was created.
        updated_at: When it last changed.
        content: An inline snippet's text. `list()` sends it (and
            `document`) only with `include_content=True`.
        document: Its rich-text document.
    """

    id: int
    name: str
    snippet_type: str
    archived: bool
    key: str
    created_at: datetime
    updated_at: datetime
    content: str | None = None
    document: SnippetDocument | None = None
