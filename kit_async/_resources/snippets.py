"""Snippets: `kit.snippets`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from .._converter import Envelope
from .._core.declarations import Endpoint, ListEndpoint, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import (
    MAX_PER_PAGE,
    check_bool,
    check_choice,
    check_fields,
    check_id,
    check_text,
)
from .._kit import SNIPPET_CREATE_FIELDS, SNIPPET_TYPES, SNIPPET_UPDATE_FIELDS, SnippetType
from ..models.snippets import Snippet

__all__ = ["SNIPPET_TYPES", "NewSnippetFields", "SnippetFields", "Snippets"]

LIST = ListEndpoint("/v4/snippets", Snippet, Envelope(at=("snippets",)))
# Each POST creates another snippet (with its own key): not safe to repeat.
CREATE = Endpoint("POST", "/v4/snippets", Snippet, Envelope(at=("snippet",)))
GET = Endpoint("GET", "/v4/snippets/{id}", Snippet, Envelope(at=("snippet",)))
UPDATE = Endpoint("PUT", "/v4/snippets/{id}", Snippet, Envelope(at=("snippet",)))


class NewSnippetFields(TypedDict, total=False):
    """Kit's body fields of `POST /v4/snippets`: the keywords of `kit.snippets.create()`."""

    name: str
    snippet_type: SnippetType
    content: str
    document_attributes: Mapping[str, str]


class SnippetFields(TypedDict, total=False):
    """Kit's body fields of `PUT /v4/snippets/{id}`: the keywords of `kit.snippets.update()`."""

    name: str
    snippet_type: SnippetType
    archived: bool
    content: str
    document_attributes: Mapping[str, str]


def _document(value: object) -> dict[str, str]:
    """`{"value_html": "<p>...</p>"}`, a block snippet's body."""
    if not isinstance(value, Mapping):
        msg = (
            "document_attributes must be a dict like {'value_html': '<p>...</p>'}, "
            f"got {type(value).__name__}"
        )
        raise TypeError(msg)
    extra = sorted(str(key) for key in value if key != "value_html")
    if extra:
        msg = f"document_attributes takes only value_html, got {', '.join(extra)}"
        raise TypeError(msg)
    return {"value_html": check_text("document_attributes['value_html']", value.get("value_html"))}


def _shape(fields: Mapping[str, Any], snippet_type: str | None) -> None:
    """Refuse a body that is neither Kit's inline shape nor its block shape."""
    if "content" in fields and "document_attributes" in fields:
        msg = (
            "pass content= (an inline snippet) or document_attributes= (a block snippet), not both"
        )
        raise TypeError(msg)
    if snippet_type == "block" and "content" in fields:
        msg = "a block snippet takes document_attributes={'value_html': ...}, not content="
        raise TypeError(msg)
    if snippet_type == "inline" and "document_attributes" in fields:
        msg = "an inline snippet takes content=, not document_attributes="
        raise TypeError(msg)


def _body(fields: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "name":
            body[name] = check_text("name", value)
        elif name == "snippet_type":
            body[name] = check_choice("snippet_type", check_text(name, value), SNIPPET_TYPES)
        elif name == "archived":
            body[name] = check_bool("archived", value)
        elif name == "content":
            body[name] = check_text("content", value)
        else:
            body[name] = _document(value)
    return body


class Snippets(Resource):
    """Kit's snippets: reusable email content, referenced as `{{ snippet.<key> }}`.

    An `inline` snippet holds Liquid-enabled text (`content`); a `block`
    snippet holds rich-text HTML (`document_attributes.value_html`). Emails
    resolve the reference when they are sent, so changing a snippet changes
    every email that uses it from its next send. Kit has no delete:
    `update(id, archived=True)` archives one.
    """

    def list(
        self,
        *,
        snippet_type: SnippetType | None = None,
        archived: bool = False,
        include_content: bool = False,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Snippet]:
        """Every snippet of the account, with the `key` emails use (`GET /v4/snippets`).

        Args:
            snippet_type: Only `inline` or only `block` snippets.
            archived: List only the archived snippets instead of the others.
            include_content: Fill `content` and `document` (left out by
                default to keep the pages fast).
            per_page: Snippets per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        Raises:
            ValueError: `snippet_type` is not `inline` or `block` (before sending).

        ```python
        async for snippet in kit.snippets.list(snippet_type="inline"):
            print(snippet.key, snippet.name)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={
                "snippet_type": check_choice("snippet_type", snippet_type, SNIPPET_TYPES),
                "archived": check_bool("archived", archived) or None,
                "include_content": check_bool("include_content", include_content) or None,
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get(self, id: int) -> Snippet:
        """One snippet, always with its `content` and `document` (`GET /v4/snippets/{id}`).

        Raises:
            NotFoundError: no snippet has that id.

        ```python
        snippet = await kit.snippets.create(
            name="Sign-off", snippet_type="inline", content="See you, {{ subscriber.first_name }}"
        )
        print((await kit.snippets.get(snippet.id)).content)
        ```
        """
        return await GET.call(self._transport, {"id": check_id("id", id)})

    async def create(self, **fields: Unpack[NewSnippetFields]) -> Snippet:
        """Create a snippet (`POST /v4/snippets`); its `key` is derived from the name.

        Keyword arguments are Kit's body fields, in one of Kit's two shapes:

        - inline: `name`, `snippet_type="inline"` and `content`
          (Liquid-enabled text, e.g. `"Hello {{ subscriber.first_name }}"`);
        - block: `name`, `snippet_type="block"` and
          `document_attributes={"value_html": "<p>...</p>"}`.

        The shape is checked before sending. Not retried once it may have
        reached Kit: each call creates another snippet.

        Raises:
            TypeError: an unknown or missing field, or the fields of the
                other shape (before sending).
            ValueError: `snippet_type` is not `inline` or `block`.
            UnprocessableEntityError: Kit refused it (a blank name, a snippet
                that references itself).

        ```python
        snippet = await kit.snippets.create(
            name="Cat Fact of the Day",
            snippet_type="inline",
            content="Did you know, {{ subscriber.first_name }}? Cats can rotate their ears.",
        )
        print(snippet.key)  # use it in emails as {{ snippet.<key> }}
        ```
        """
        check_fields("kit.snippets.create()", fields, SNIPPET_CREATE_FIELDS)
        for required in ("name", "snippet_type"):
            if required not in fields:
                msg = f"kit.snippets.create() needs {required}="
                raise TypeError(msg)
        body = _body(fields)
        _shape(fields, body["snippet_type"])
        if body["snippet_type"] == "inline" and "content" not in body:
            msg = "kit.snippets.create() needs content= for an inline snippet"
            raise TypeError(msg)
        if body["snippet_type"] == "block" and "document_attributes" not in body:
            msg = "kit.snippets.create() needs document_attributes={'value_html': ...} for a block snippet"
            raise TypeError(msg)
        return await CREATE.call(self._transport, json=body)

    async def update(self, id: int, **fields: Unpack[SnippetFields]) -> Snippet:
        """Rename a snippet, replace its body, or archive or restore it (`PUT /v4/snippets/{id}`).

        Only the fields given are sent. The body must fit the snippet's
        type: `content` for an inline snippet, `document_attributes=
        {"value_html": ...}` for a block snippet. `snippet_type` cannot
        change: Kit answers 422 ("snippet_type cannot be changed") to
        another type, or to the other type's fields. `archived=True`
        archives the snippet, `False` restores it. The change reaches every
        email that uses the snippet from its next send.

        Raises:
            TypeError: no field, an unknown field, or `content` with
                `document_attributes` (before sending).
            NotFoundError: no snippet has that id.
            UnprocessableEntityError: Kit refused it (another type, a
                circular reference).

        ```python
        snippet = await kit.snippets.create(name="Old name", snippet_type="inline", content="Hi")
        renamed = await kit.snippets.update(snippet.id, name="Dog Fact of the Day")
        await kit.snippets.update(snippet.id, archived=True)
        print(renamed.name)
        ```
        """
        snippet_id = check_id("id", id)
        check_fields("kit.snippets.update()", fields, SNIPPET_UPDATE_FIELDS)
        if not fields:
            msg = "kit.snippets.update() needs at least one field to change"
            raise TypeError(msg)
        body = _body(fields)
        _shape(fields, body.get("snippet_type"))
        return await UPDATE.call(self._transport, {"id": snippet_id}, json=body)
