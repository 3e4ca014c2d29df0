"""Snippets: list, create, get, update (no delete: `archived` archives and restores)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from ..._kit import SNIPPET_TYPES
from .. import _paging
from .._account import FakeAccount
from .._records import SnippetRecord, snippet_key
from .._wire import Refused, json_response
from ._input import boolean, choice, flag, get_or_404, json_body, path_id, text
from ._route import Route
from ._shapes import iso

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_CHANGED = "snippet_type cannot be changed"
_BLANK = {
    "inline": "content can't be blank",
    "block": "document_attributes.value_html can't be blank",
}
_REFERENCE = re.compile(r"\{\{\s*snippet\.([\w-]+)\s*\}\}")


def render(snippet: SnippetRecord, *, content: bool = True) -> dict[str, Any]:
    """A snippet as Kit shows it (`content`: with its `content` and `document`)."""
    shown: dict[str, Any] = {
        "id": snippet.id,
        "name": snippet.name,
        "snippet_type": snippet.snippet_type,
        "archived": snippet.archived,
        "key": snippet.key,
        "created_at": iso(snippet.created_at),
        "updated_at": iso(snippet.updated_at),
    }
    if content:
        shown["content"] = snippet.content
        shown["document"] = {
            "id": snippet.document_id,
            "value": None,
            "value_html": snippet.value_html,
            "value_plain": None,
            "version": snippet.version,
        }
    return shown


def _body_of(snippet: SnippetRecord) -> str:
    return (snippet.content if snippet.snippet_type == "inline" else snippet.value_html) or ""


def _check_references(account: FakeAccount, snippet: SnippetRecord) -> None:
    """Refuse a snippet that reaches itself through `{{ snippet.key }}`, directly or not."""
    by_key = {other.key: other for other in account.snippets.values() if other.id != snippet.id}
    by_key[snippet.key] = snippet
    seen: set[str] = set()
    waiting = list(_REFERENCE.findall(_body_of(snippet)))
    while waiting:
        key = waiting.pop()
        if key == snippet.key:
            raise Refused("A snippet cannot reference itself, directly or through other snippets")
        if key in seen or key not in by_key:
            continue
        seen.add(key)
        waiting.extend(_REFERENCE.findall(_body_of(by_key[key])))


def _value_html(body: Mapping[str, Any]) -> str | None:
    attributes = body.get("document_attributes")
    if attributes is None:
        return None
    if not isinstance(attributes, dict):
        raise Refused("document_attributes must be an object with value_html")
    return text(attributes, "value_html", strip=False)


def _unique_key(account: FakeAccount, name: str) -> str:
    base = snippet_key(name)
    taken = {snippet.key for snippet in account.snippets.values()}
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    return key


async def list_snippets(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/snippets`: unarchived ones unless `archived=true`; `snippet_type` filter."""
    query = request.query
    archived = flag(query, "archived")
    kind = choice(query.get("snippet_type"), "snippet_type", SNIPPET_TYPES)
    content = flag(query, "include_content")
    account = kit.account
    snippets = [
        account.snippets[i]
        for i in sorted(account.snippets, reverse=True)
        if account.snippets[i].archived == archived
        and kind in {None, account.snippets[i].snippet_type}
    ]
    page = _paging.page_of(query, snippets)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [render(snippet, content=content) for snippet in shown]
    return json_response({"snippets": items, "pagination": pagination})


async def create_snippet(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/snippets`: inline (`content`) or block (`document_attributes.value_html`)."""
    body = await json_body(request)
    account = kit.account
    name = text(body, "name", required="name can't be blank")
    kind = choice(body.get("snippet_type"), "snippet_type", SNIPPET_TYPES)
    if name is None or kind is None:
        raise Refused("snippet_type must be one of: inline, block")
    content, value_html = text(body, "content", strip=False), _value_html(body)
    if (kind == "inline" and value_html is not None) or (kind == "block" and content is not None):
        raise Refused(
            f"A {kind} snippet takes {'content' if kind == 'inline' else 'document_attributes'}"
        )
    if not (content if kind == "inline" else value_html):
        raise Refused(_BLANK[kind])
    now = account.clock()
    snippet = SnippetRecord(
        id=account.next_id("snippets"),
        name=name,
        snippet_type=kind,
        key=_unique_key(account, name),
        created_at=now,
        updated_at=now,
        archived=bool(boolean(body, "archived")),
        content=content,
        value_html=value_html,
        document_id=account.next_id("documents"),
    )
    _check_references(account, snippet)
    account.snippets[snippet.id] = snippet
    return json_response({"snippet": render(snippet)}, 201)


async def get_snippet(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/snippets/{id}`: always with `content` and `document`."""
    return json_response({"snippet": render(get_or_404(kit.account.snippets, path_id(request)))})


async def update_snippet(kit: FakeKit, request: web.Request) -> web.Response:
    """`PUT /v4/snippets/{id}`: rename, new body, archive or restore; the type never changes."""
    account = kit.account
    snippet = get_or_404(account.snippets, path_id(request))
    body = await json_body(request)
    kind = body.get("snippet_type", snippet.snippet_type)
    wrong_shape = "document_attributes" if snippet.snippet_type == "inline" else "content"
    if kind != snippet.snippet_type or wrong_shape in body:
        raise Refused(_CHANGED)
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = text(body, "name", required="name can't be blank")
    archived = boolean(body, "archived")
    if archived is not None:
        changes["archived"] = archived
    if "content" in body:
        changes["content"] = text(body, "content", strip=False)
    if "document_attributes" in body:
        changes["value_html"] = _value_html(body)
    edited = attrs.evolve(snippet, **changes)
    if "content" in changes or "value_html" in changes:
        if not _body_of(edited):
            raise Refused(_BLANK[snippet.snippet_type])
        edited.version += 1
    _check_references(account, edited)
    edited.updated_at = account.clock()
    account.snippets[snippet.id] = edited
    return json_response({"snippet": render(edited)})


ROUTES = (
    Route("GET", "/v4/snippets", list_snippets),
    Route("POST", "/v4/snippets", create_snippet),
    Route("GET", "/v4/snippets/{id}", get_snippet),
    Route("PUT", "/v4/snippets/{id}", update_snippet),
)
