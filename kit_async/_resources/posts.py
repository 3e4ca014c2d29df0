"""Posts: `kit.posts`."""

from __future__ import annotations

from .._converter import Envelope
from .._core.declarations import Endpoint, ListEndpoint, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import MAX_PER_PAGE, check_bool, check_id
from ..models.posts import Post

__all__ = ["Posts"]

LIST = ListEndpoint("/v4/posts", Post, Envelope(at=("posts",)))
GET = Endpoint("GET", "/v4/posts/{id}", Post, Envelope(at=("post",)))


class Posts(Resource):
    """Kit's posts: content published to the creator's Kit site and/or sent by email."""

    def list(
        self,
        *,
        include_content: bool = False,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Post]:
        """Every post of the account, with its status, slug, public URL and times (`GET /v4/posts`).

        A post that was also sent as a broadcast shares its `publication_id`
        with that broadcast.

        Args:
            include_content: Fill each post's `content` (its HTML). Kit warns
                that this makes pages much larger and slower: for one post's
                body prefer `get()`.
            per_page: Posts per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (first
                request only: it is slow for Kit).

        ```python
        async for post in kit.posts.list():
            print(post.id, post.status, post.public_url)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={
                "include_content": check_bool("include_content", include_content) or None,
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get(self, id: int) -> Post:
        """One post, always with its `content` HTML (`GET /v4/posts/{id}`).

        Raises:
            NotFoundError: no post has that id.

        ```python
        async for post in kit.posts.list(per_page=1):
            full = await kit.posts.get(post.id)
            print(full.title, len(full.content or ""))
        ```
        """
        return await GET.call(self._transport, {"id": check_id("id", id)})
