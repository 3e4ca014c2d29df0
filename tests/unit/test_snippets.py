"""`kit.snippets`: what each method sends and how it reads Kit's answers.

A scripted loopback server answers with the bodies of Kit's description and
records what arrived. The inline and block shapes are checked before sending.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from scripted import Scripted

from kit_async import (
    InternalServerError,
    KitClient,
    NotFoundError,
    Snippet,
    SnippetDocument,
    UnprocessableEntityError,
)

CAT_FACT = {
    "id": 31,
    "name": "Cat Fact of the Day",
    "snippet_type": "inline",
    "archived": False,
    "key": "cat-fact-of-the-day",
    "created_at": "2026-07-28T03:02:06Z",
    "updated_at": "2026-07-28T03:02:06Z",
    "content": "Did you know, {{ subscriber.first_name }}? Cats can rotate their ears 180 degrees.",
    "document": {"id": 318, "value": None, "value_html": None, "value_plain": None, "version": 1},
}
BLOCK = {
    **CAT_FACT,
    "id": 32,
    "name": "Footer",
    "snippet_type": "block",
    "key": "footer",
    "content": "",
    "document": {
        "id": 319,
        "value": None,
        "value_html": "<p>Thanks for reading</p>",
        "value_plain": None,
        "version": 2,
    },
}
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzVd",
    "end_cursor": "WzVd",
    "per_page": 500,
}


def client(server: Scripted) -> KitClient:
    return KitClient("kit_snippets_key", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], Any]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), json.loads(body) if body else None


async def test_list_sends_the_filters_and_reads_snippets_without_content(
    scripted: Scripted,
) -> None:
    lean = {k: v for k, v in CAT_FACT.items() if k not in {"content", "document"}}
    scripted.answers.append(web.json_response({"snippets": [lean], "pagination": PAGE_END}))
    async with client(scripted) as kit:
        (snippet,) = [
            s async for s in kit.snippets.list(snippet_type="inline", archived=True, per_page=10)
        ]

    assert snippet == Snippet(
        id=31,
        name="Cat Fact of the Day",
        snippet_type="inline",
        archived=False,
        key="cat-fact-of-the-day",
        created_at=datetime(2026, 7, 28, 3, 2, 6, tzinfo=UTC),
        updated_at=datetime(2026, 7, 28, 3, 2, 6, tzinfo=UTC),
    )
    method, path, query, _ = sent(scripted)
    assert (method, path) == ("GET", "/v4/snippets")
    assert dict(query) == {"snippet_type": "inline", "archived": "true", "per_page": "10"}


async def test_list_with_content_reads_the_document(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"snippets": [BLOCK], "pagination": PAGE_END}))
    async with client(scripted) as kit:
        (snippet,) = [s async for s in kit.snippets.list(include_content=True)]
    assert snippet.document == SnippetDocument(319, 2, value_html="<p>Thanks for reading</p>")
    assert dict(sent(scripted)[2]) == {"include_content": "true", "per_page": "1000"}


@pytest.mark.parametrize(
    ("filters", "error", "message"),
    [
        ({"snippet_type": "text"}, ValueError, "snippet_type must be one of inline, block"),
        ({"archived": "false"}, TypeError, "archived must be True or False"),
    ],
)
async def test_bad_list_filters_are_refused_before_sending(
    scripted: Scripted, filters: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            kit.snippets.list(**filters)
    assert scripted.received == []


async def test_get_reads_one_snippet(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"snippet": CAT_FACT}))
    async with client(scripted) as kit:
        snippet = await kit.snippets.get(31)
    assert (snippet.key, snippet.document) == (
        "cat-fact-of-the-day",
        SnippetDocument(318, 1),
    )
    assert sent(scripted) == ("GET", "/v4/snippets/31", [], None)


async def test_an_unknown_snippet_is_a_not_found_error(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.snippets.get(999)
    assert info.value.resource_id == 999


async def test_create_sends_an_inline_snippet(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"snippet": CAT_FACT}, status=201))
    content = "Did you know, {{ subscriber.first_name }}? Cats can rotate their ears 180 degrees."
    async with client(scripted) as kit:
        snippet = await kit.snippets.create(
            name="Cat Fact of the Day", snippet_type="inline", content=content
        )
    assert snippet.key == "cat-fact-of-the-day"
    assert sent(scripted) == (
        "POST",
        "/v4/snippets",
        [],
        {"name": "Cat Fact of the Day", "snippet_type": "inline", "content": content},
    )


async def test_create_sends_a_block_snippet(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"snippet": BLOCK}, status=201))
    async with client(scripted) as kit:
        await kit.snippets.create(
            name="Footer",
            snippet_type="block",
            document_attributes={"value_html": "<p>Thanks for reading</p>"},
        )
    assert sent(scripted)[3] == {
        "name": "Footer",
        "snippet_type": "block",
        "document_attributes": {"value_html": "<p>Thanks for reading</p>"},
    }


async def test_create_is_not_retried_once_it_may_have_reached_kit(scripted: Scripted) -> None:
    scripted.answers += [web.Response(status=500), web.json_response({"snippet": CAT_FACT})]
    async with client(scripted) as kit:
        with pytest.raises(InternalServerError):
            await kit.snippets.create(name="A", snippet_type="inline", content="a")
    assert len(scripted.received) == 1


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"snippet_type": "inline", "content": "a"}, TypeError, r"needs name="),
        ({"name": "A", "content": "a"}, TypeError, r"needs snippet_type="),
        ({"name": "A", "snippet_type": "inline"}, TypeError, "needs content= for an inline"),
        (
            {"name": "A", "snippet_type": "block"},
            TypeError,
            r"needs document_attributes=\{'value_html': ...\} for a block",
        ),
        (
            {"name": "A", "snippet_type": "inline", "document_attributes": {"value_html": "x"}},
            TypeError,
            "an inline snippet takes content=, not document_attributes=",
        ),
        (
            {"name": "A", "snippet_type": "block", "content": "x"},
            TypeError,
            "a block snippet takes document_attributes=",
        ),
        (
            {"name": "A", "snippet_type": "block", "document_attributes": "<p>x</p>"},
            TypeError,
            "document_attributes must be a dict like",
        ),
        (
            {"name": "A", "snippet_type": "block", "document_attributes": {"html": "x"}},
            TypeError,
            "document_attributes takes only value_html, got html",
        ),
        ({"name": "A", "snippet_type": "text", "content": "a"}, ValueError, "one of inline, block"),
        ({"name": " ", "snippet_type": "inline", "content": "a"}, ValueError, "name must not be"),
        (
            {"name": "A", "snippet_type": "inline", "content": "a", "archived": True},
            TypeError,
            r"kit.snippets.create\(\) got an unknown field 'archived'",
        ),
    ],
)
async def test_bad_snippets_are_refused_before_sending(
    scripted: Scripted, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.snippets.create(**fields)
    assert scripted.received == []


async def test_update_sends_only_the_fields_given(scripted: Scripted) -> None:
    scripted.answers += [
        web.json_response({"snippet": {**CAT_FACT, "name": "Dog Fact of the Day"}}),
        web.json_response({"snippet": {**CAT_FACT, "archived": True}}),
        web.json_response({"snippet": BLOCK}),
    ]
    async with client(scripted) as kit:
        renamed = await kit.snippets.update(31, name="Dog Fact of the Day")
        archived = await kit.snippets.update(31, archived=True)
        await kit.snippets.update(
            32, snippet_type="block", document_attributes={"value_html": "<p>Bye</p>"}
        )

    assert (renamed.name, archived.archived) == ("Dog Fact of the Day", True)
    assert sent(scripted, 0) == ("PUT", "/v4/snippets/31", [], {"name": "Dog Fact of the Day"})
    assert sent(scripted, 1)[3] == {"archived": True}
    assert sent(scripted, 2)[3] == {
        "snippet_type": "block",
        "document_attributes": {"value_html": "<p>Bye</p>"},
    }


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({}, TypeError, "needs at least one field to change"),
        (
            {"content": "a", "document_attributes": {"value_html": "b"}},
            TypeError,
            "pass content= .* or document_attributes= .*, not both",
        ),
        ({"snippet_type": "block", "content": "a"}, TypeError, "a block snippet takes"),
        ({"archived": 1}, TypeError, "archived must be True or False"),
        ({"key": "new-key"}, TypeError, r"kit.snippets.update\(\) got an unknown field 'key'"),
    ],
)
async def test_bad_updates_are_refused_before_sending(
    scripted: Scripted, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            await kit.snippets.update(31, **fields)
    assert scripted.received == []


async def test_changing_the_type_is_kits_422(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"errors": ["snippet_type cannot be changed"]}, status=422)
    )
    async with client(scripted) as kit:
        with pytest.raises(UnprocessableEntityError) as info:
            await kit.snippets.update(31, snippet_type="block")
    assert info.value.errors == ("snippet_type cannot be changed",)
