"""Posts (read-only): the list (content on request) and one post (always with content)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import _paging
from .._account import FakeAccount
from .._records import PostRecord
from .._wire import json_response
from ._input import flag, get_or_404, path_id
from ._route import Route
from ._shapes import iso

if TYPE_CHECKING:
    from .._fakekit import FakeKit


def render(account: FakeAccount, post: PostRecord, *, content: bool) -> dict[str, Any]:
    """A post as Kit shows it (`content` only when asked for)."""
    published = post.status == "published" and post.slug
    shown: dict[str, Any] = {
        "id": post.id,
        "publication_id": post.publication_id,
        "created_at": iso(post.created_at),
        "title": post.title,
        "slug": post.slug,
        "description": post.description,
        "meta_description": post.meta_description,
        "status": post.status,
        "published_at": iso(post.published_at),
        "sent_at": iso(post.sent_at),
        "thumbnail_alt": post.thumbnail_alt,
        "thumbnail_url": post.thumbnail_url,
        "is_paid": post.is_paid,
        "product_id": account.post_product_id,
        "public_url": f"https://fakekit.example.com/posts/{post.slug}" if published else None,
    }
    if content:
        shown["content"] = post.content
    return shown


async def list_posts(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/posts`: newest first; `include_content=true` adds each post's HTML."""
    content = flag(request.query, "include_content")
    account = kit.account
    posts = [account.posts[i] for i in sorted(account.posts, reverse=True)]
    page = _paging.page_of(request.query, posts)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [render(account, post, content=content) for post in shown]
    return json_response({"posts": items, "pagination": pagination})


async def get_post(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/posts/{id}`: with its content."""
    post = get_or_404(kit.account.posts, path_id(request))
    return json_response({"post": render(kit.account, post, content=True)})


ROUTES = (
    Route("GET", "/v4/posts", list_posts),
    Route("GET", "/v4/posts/{id}", get_post),
)
