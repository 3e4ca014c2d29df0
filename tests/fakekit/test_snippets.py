"""FakeKit's snippets over plain HTTP: inline and block, keys, archiving, the fixed type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
INLINE = {"name": "Cat Fact of the Day", "snippet_type": "inline", "content": "Cats purr."}
BLOCK = {
    "name": "Footer",
    "snippet_type": "block",
    "document_attributes": {"value_html": "<p>Bye</p>"},
}


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=lambda: NOW) as fake:
        yield fake


@pytest.fixture
async def http(server: FakeKit) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"X-Kit-Api-Key": server.api_key}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kw) as response:
        body = await response.read()
        return response.status, (await response.json() if body else None)


async def test_an_inline_snippet_gets_a_key_from_its_name(http) -> None:
    status, body = await call(http, "POST", "/v4/snippets", json=INLINE)

    assert status == 201
    assert body["snippet"] == {
        "id": 1,
        "name": "Cat Fact of the Day",
        "snippet_type": "inline",
        "archived": False,
        "key": "cat-fact-of-the-day",
        "created_at": "2026-11-20T12:00:00Z",
        "updated_at": "2026-11-20T12:00:00Z",
        "content": "Cats purr.",
        "document": {"id": 1, "value": None, "value_html": None, "value_plain": None, "version": 1},
    }


async def test_a_block_snippet_keeps_its_html_and_keys_stay_unique(http) -> None:
    _, first = await call(http, "POST", "/v4/snippets", json=BLOCK)
    _, second = await call(http, "POST", "/v4/snippets", json=BLOCK)

    assert first["snippet"]["document"]["value_html"] == "<p>Bye</p>"
    assert first["snippet"]["content"] is None
    assert (first["snippet"]["key"], second["snippet"]["key"]) == ("footer", "footer-2")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**INLINE, "name": ""}, "name can't be blank"),
        ({**INLINE, "snippet_type": "banner"}, "snippet_type must be one of: inline, block"),
        ({**INLINE, "content": ""}, "content can't be blank"),
        ({**BLOCK, "document_attributes": {}}, "document_attributes.value_html can't be blank"),
        ({**INLINE, "document_attributes": {"value_html": "x"}}, "A inline snippet takes content"),
        (
            {**BLOCK, "document_attributes": "x"},
            "document_attributes must be an object with value_html",
        ),
        (
            {**INLINE, "content": "{{ snippet.cat-fact-of-the-day }}"},
            "A snippet cannot reference itself",
        ),
    ],
)
async def test_create_refuses_bad_snippets(
    server: FakeKit, http, body: dict[str, Any], message: str
) -> None:
    status, answer = await call(http, "POST", "/v4/snippets", json=body)

    assert status == 422
    assert answer["errors"][0].startswith(message)
    assert not server.account.snippets


async def test_a_reference_loop_through_another_snippet_is_refused(http) -> None:
    await call(
        http, "POST", "/v4/snippets", json={**INLINE, "name": "A", "content": "{{ snippet.b }}"}
    )
    _, b = await call(
        http, "POST", "/v4/snippets", json={**INLINE, "name": "B", "content": "plain"}
    )
    path = f"/v4/snippets/{b['snippet']['id']}"

    status, answer = await call(http, "PUT", path, json={"content": "then {{snippet.a}}"})

    assert status == 422
    assert "cannot reference itself" in answer["errors"][0]
    assert (await call(http, "GET", path))[1]["snippet"]["content"] == "plain"


async def test_update_renames_rewrites_and_archives(server: FakeKit, http) -> None:
    _, made = await call(http, "POST", "/v4/snippets", json=INLINE)
    path = f"/v4/snippets/{made['snippet']['id']}"
    server.account.clock = lambda: datetime(2026, 12, 1, tzinfo=UTC)

    status, body = await call(http, "PUT", path, json={"name": "Dog Fact", "content": "Dogs wag."})
    _, archived = await call(http, "PUT", path, json={"archived": True})

    assert status == 200
    snippet = body["snippet"]
    assert (snippet["name"], snippet["key"], snippet["content"]) == (
        "Dog Fact",
        "cat-fact-of-the-day",
        "Dogs wag.",
    )
    assert snippet["document"]["version"] == 2
    assert snippet["updated_at"] == "2026-12-01T00:00:00Z"
    assert archived["snippet"]["archived"] is True


@pytest.mark.parametrize(
    "change",
    [
        {"snippet_type": "block"},
        {"document_attributes": {"value_html": "<p>x</p>"}},
    ],
)
async def test_the_type_never_changes(http, change: dict[str, Any]) -> None:
    _, made = await call(http, "POST", "/v4/snippets", json=INLINE)

    assert await call(http, "PUT", f"/v4/snippets/{made['snippet']['id']}", json=change) == (
        422,
        {"errors": ["snippet_type cannot be changed"]},
    )


async def test_a_block_snippet_takes_new_html_not_content(http) -> None:
    _, made = await call(http, "POST", "/v4/snippets", json=BLOCK)
    path = f"/v4/snippets/{made['snippet']['id']}"

    status, body = await call(
        http, "PUT", path, json={"document_attributes": {"value_html": "<b>x</b>"}}
    )

    assert status == 200
    assert body["snippet"]["document"]["value_html"] == "<b>x</b>"
    assert (await call(http, "PUT", path, json={"content": "x"}))[0] == 422
    assert await call(http, "PUT", path, json={"document_attributes": {"value_html": ""}}) == (
        422,
        {"errors": ["document_attributes.value_html can't be blank"]},
    )


async def test_the_list_hides_archived_and_content_unless_asked(server: FakeKit, http) -> None:
    await call(http, "POST", "/v4/snippets", json=INLINE)
    await call(http, "POST", "/v4/snippets", json=BLOCK)
    await call(http, "POST", "/v4/snippets", json={**INLINE, "name": "Old", "archived": True})

    _, default = await call(http, "GET", "/v4/snippets")
    _, archived = await call(http, "GET", "/v4/snippets", params={"archived": "true"})
    _, blocks = await call(
        http, "GET", "/v4/snippets", params={"snippet_type": "block", "include_content": "true"}
    )

    assert [s["name"] for s in default["snippets"]] == ["Footer", "Cat Fact of the Day"]
    assert "content" not in default["snippets"][0]
    assert [s["name"] for s in archived["snippets"]] == ["Old"]
    assert blocks["snippets"][0]["document"]["value_html"] == "<p>Bye</p>"
    assert (await call(http, "GET", "/v4/snippets", params={"snippet_type": "x"}))[0] == 422
    assert (await call(http, "GET", "/v4/snippets", params={"archived": "maybe"}))[0] == 422


async def test_get_always_has_the_content_and_unknown_ids_are_404(http) -> None:
    _, made = await call(http, "POST", "/v4/snippets", json=INLINE)

    _, got = await call(http, "GET", f"/v4/snippets/{made['snippet']['id']}")

    assert got == made
    assert (await call(http, "GET", "/v4/snippets/9"))[0] == 404
    assert (await call(http, "PUT", "/v4/snippets/9", json={}))[0] == 404
