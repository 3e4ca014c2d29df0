"""`kit.posts`: what each method sends and how it reads Kit's answers.

A scripted loopback server answers with the bodies of Kit's description and
records what arrived.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from scripted import Scripted

from kit_async import KitClient, NotFoundError, Post, ResponseValidationError

DRAFT = {
    "id": 5,
    "publication_id": 20,
    "created_at": "2026-09-29T09:51:41Z",
    "title": "Draft Post",
    "slug": None,
    "description": None,
    "meta_description": None,
    "status": "draft",
    "published_at": None,
    "sent_at": None,
    "thumbnail_alt": None,
    "thumbnail_url": None,
    "is_paid": False,
    "product_id": 1,
    "public_url": None,
}
PUBLISHED = {
    "id": 4,
    "publication_id": 19,
    "created_at": "2026-09-29T09:51:41Z",
    "title": "Email and Web Post",
    "slug": "email-and-web-post",
    "description": None,
    "meta_description": None,
    "status": "published",
    "published_at": "2026-09-27T09:51:41Z",
    "sent_at": "2026-09-29T09:51:41Z",
    "thumbnail_alt": None,
    "thumbnail_url": None,
    "is_paid": False,
    "product_id": 1,
    "public_url": "https://asdf.kit.com/posts/email-and-web-post",
}
PAGE_END = {
    "has_previous_page": False,
    "has_next_page": False,
    "start_cursor": "WzVd",
    "end_cursor": "WzNd",
    "per_page": 500,
}


def client(server: Scripted) -> KitClient:
    return KitClient("kit_posts_key", base_url=server.url, rate_limit=None)


def sent(server: Scripted, index: int = 0) -> tuple[str, str, list[tuple[str, str]], bytes]:
    method, path, query, body, _ = server.received[index]
    return method, path, parse_qsl(query), body


async def test_list_reads_drafts_and_published_posts(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response({"posts": [DRAFT, PUBLISHED], "pagination": PAGE_END})
    )
    async with client(scripted) as kit:
        posts = [post async for post in kit.posts.list()]

    assert posts[0] == Post(
        id=5,
        publication_id=20,
        created_at=datetime(2026, 9, 29, 9, 51, 41, tzinfo=UTC),
        title="Draft Post",
        status="draft",
        is_paid=False,
        product_id=1,
    )
    assert (posts[1].slug, posts[1].sent_at, posts[1].public_url, posts[1].content) == (
        "email-and-web-post",
        datetime(2026, 9, 29, 9, 51, 41, tzinfo=UTC),
        "https://asdf.kit.com/posts/email-and-web-post",
        None,
    )
    assert sent(scripted) == ("GET", "/v4/posts", [("per_page", "1000")], b"")


async def test_list_asks_for_content_and_the_total_only_when_told(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response(
            {"posts": [{**PUBLISHED, "content": "<p>Hi</p>"}], "pagination": PAGE_END}
        )
    )
    async with client(scripted) as kit:
        (post,) = [
            p
            async for p in kit.posts.list(
                include_content=True, include_total_count=True, per_page=5
            )
        ]
    assert post.content == "<p>Hi</p>"
    assert dict(sent(scripted)[2]) == {
        "include_content": "true",
        "include_total_count": "true",
        "per_page": "5",
    }


async def test_get_reads_one_post_with_its_content(scripted: Scripted) -> None:
    post = {
        **PUBLISHED,
        "id": 6,
        "content": '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.0 Transitional//EN">\n',
        "product_id": None,
    }
    scripted.answers.append(web.json_response({"post": post}))
    async with client(scripted) as kit:
        found = await kit.posts.get(6)
    assert (found.id, found.product_id) == (6, None)
    assert found.content is not None
    assert found.content.startswith("<!DOCTYPE")
    assert sent(scripted)[:2] == ("GET", "/v4/posts/6")


async def test_an_unknown_post_is_a_not_found_error_naming_it(scripted: Scripted) -> None:
    scripted.answers.append(web.json_response({"errors": ["Not Found"]}, status=404))
    async with client(scripted) as kit:
        with pytest.raises(NotFoundError) as info:
            await kit.posts.get(404)
    assert info.value.resource_id == 404


async def test_a_post_without_is_paid_is_a_schema_error_naming_it(scripted: Scripted) -> None:
    broken = {key: value for key, value in PUBLISHED.items() if key != "is_paid"}
    scripted.answers.append(web.json_response({"posts": [broken], "pagination": PAGE_END}))
    async with client(scripted) as kit:
        with pytest.raises(ResponseValidationError) as info:
            await kit.posts.list()
    assert info.value.field == "posts[0].is_paid"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda kit: kit.posts.list(include_content="yes"), TypeError, "include_content must be"),
        (lambda kit: kit.posts.list(per_page=1001), ValueError, "per_page must be between"),
    ],
)
async def test_bad_arguments_are_refused_before_sending(
    scripted: Scripted, call: Any, error: type[Exception], message: str
) -> None:
    async with client(scripted) as kit:
        with pytest.raises(error, match=message):
            call(kit)
        with pytest.raises(TypeError, match="id must be an int"):
            await kit.posts.get("6")  # type: ignore[arg-type]
    assert scripted.received == []
