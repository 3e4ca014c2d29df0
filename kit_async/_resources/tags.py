"""Tags: `kit.tags`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._converter import Envelope
from .._core.declarations import Bulk, Endpoint, ListEndpoint, NoContent, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import (
    MAX_PER_PAGE,
    When,
    check_batch,
    check_choice,
    check_id,
    check_text,
    check_when,
    one_subscriber,
)
from .._core.values import compact
from .._kit import SUBSCRIBER_STATUSES, SubscriberStatus
from ..models._write import BulkAccepted, BulkResult, Upserted
from ..models.subscribers import Subscriber
from ..models.tags import Tag

__all__ = ["SUBSCRIBER_STATUSES", "Tags"]


LIST = ListEndpoint("/v4/tags", Tag, Envelope(at=("tags",)))
# Creating a tag that exists returns it (200): safe to repeat.
CREATE = Endpoint("POST", "/v4/tags", Tag, Envelope(at=("tag",)), retry_safe=True)
UPDATE = Endpoint("PUT", "/v4/tags/{id}", Tag, Envelope(at=("tag",)))
SUBSCRIBERS = ListEndpoint(
    "/v4/tags/{tag_id}/subscribers", Subscriber, Envelope(at=("subscribers",))
)
# Tagging again answers 200 instead of 201: safe to repeat.
TAG_BY_EMAIL = Endpoint(
    "POST",
    "/v4/tags/{tag_id}/subscribers",
    Subscriber,
    Envelope(at=("subscriber",)),
    retry_safe=True,
)
TAG_BY_ID = Endpoint(
    "POST",
    "/v4/tags/{tag_id}/subscribers/{id}",
    Subscriber,
    Envelope(at=("subscriber",)),
    retry_safe=True,
)
UNTAG_BY_EMAIL = NoContent("DELETE", "/v4/tags/{tag_id}/subscribers")
UNTAG_BY_ID = NoContent("DELETE", "/v4/tags/{tag_id}/subscribers/{id}")
# Bulk tag creation returns the tags that exist: safe to repeat; so are
# taggings and deletes, which end in the same state however often sent.
BULK_CREATE = Bulk("POST", "/v4/bulk/tags", Tag, "tags", retry_safe=True)
BULK_DELETE = Bulk("DELETE", "/v4/bulk/tags", Tag, None)
BULK_TAG = Bulk("POST", "/v4/bulk/tags/subscribers", Subscriber, "subscribers", retry_safe=True)
BULK_UNTAG = Bulk("DELETE", "/v4/bulk/tags/subscribers", Subscriber, None)


def _tagging(item: object, index: int) -> dict[str, int]:
    if not isinstance(item, Mapping):
        msg = f"taggings[{index}] must be a dict with tag_id and subscriber_id, got {item!r}"
        raise TypeError(msg)
    return {
        "tag_id": check_id(f"taggings[{index}]['tag_id']", item.get("tag_id")),
        "subscriber_id": check_id(f"taggings[{index}]['subscriber_id']", item.get("subscriber_id")),
    }


def _callback(callback_url: object) -> str | None:
    return None if callback_url is None else check_text("callback_url", callback_url)


class Tags(Resource):
    """Kit's tags, and which subscribers have them."""

    def list(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
        include_subscriber_count: bool = False,
    ) -> AsyncPaginator[Tag]:
        """Every tag of the account (`GET /v4/tags`).

        Args:
            per_page: Tags per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (first
                request only: it is slow for Kit).
            include_subscriber_count: Fill each tag's `subscriber_count`.

        ```python
        async for tag in kit.tags.list():
            print(tag.id, tag.name)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={
                "include_total_count": include_total_count or None,
                "include": "subscriber_count" if include_subscriber_count else None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def create(self, name: str) -> Upserted[Tag]:
        """Create a tag, or find the one with that name (`POST /v4/tags`).

        Tag names are unique and matched case-insensitively: Kit answers an
        existing name with that tag and `200` (`result.created` is False), a
        new one with `201`. Safe to retry.

        Raises:
            UnprocessableEntityError: the name is invalid (blank, too long).

        ```python
        result = await kit.tags.create("Attended webinar")
        print(result.item.id, result.created)
        ```
        """
        return await CREATE.upsert(self._transport, json={"name": check_text("name", name)})

    async def update(self, id: int, name: str) -> Tag:
        """Rename a tag (`PUT /v4/tags/{id}`).

        Raises:
            NotFoundError: no tag has that id.
            UnprocessableEntityError: the name is blank, or another tag has it.
        """
        return await UPDATE.call(
            self._transport, {"id": check_id("id", id)}, json={"name": check_text("name", name)}
        )

    def subscribers(
        self,
        tag_id: int,
        *,
        status: SubscriberStatus | None = None,
        created_after: When | None = None,
        created_before: When | None = None,
        tagged_after: When | None = None,
        tagged_before: When | None = None,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Subscriber]:
        """The subscribers who have a tag, with when they got it (`tagged_at`).

        `GET /v4/tags/{tag_id}/subscribers`. Kit lists active subscribers
        unless `status` says otherwise (`"all"` for every state).

        Args:
            tag_id: The tag.
            status: `active` (Kit's default), `inactive`, `bounced`,
                `complained`, `cancelled` or `all`.
            created_after: Only subscribers created after this (an aware datetime,
                a date, or ISO 8601 text); likewise the other bounds.
            created_before: Only subscribers created before this.
            tagged_after: Only subscribers tagged after this.
            tagged_before: Only subscribers tagged before this.
            per_page: Subscribers per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        Raises:
            ValueError: a date bound that is not ISO 8601, or a time without
                a time zone (before sending).
            NotFoundError: no tag has that id (when the first page is fetched).

        ```python
        async for subscriber in kit.tags.subscribers(1):
            print(subscriber.email_address, subscriber.tagged_at)
        ```
        """
        return SUBSCRIBERS.paginate(
            self._transport,
            path_params={"tag_id": check_id("tag_id", tag_id)},
            params={
                "status": check_choice("status", status, SUBSCRIBER_STATUSES),
                "created_after": check_when("created_after", created_after),
                "created_before": check_when("created_before", created_before),
                "tagged_after": check_when("tagged_after", tagged_after),
                "tagged_before": check_when("tagged_before", tagged_before),
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def tag_subscriber(
        self,
        tag_id: int,
        *,
        subscriber_id: int | None = None,
        email_address: str | None = None,
    ) -> Upserted[Subscriber]:
        """Tag an existing subscriber, by id or by email address.

        `POST /v4/tags/{tag_id}/subscribers/{id}` or, by email,
        `POST /v4/tags/{tag_id}/subscribers`. The subscriber must exist
        (create one with `kit.subscribers.create()`). Tagging again answers
        `200` (`result.created` is False) instead of `201`: safe to retry.

        Raises:
            NotFoundError: no such tag or subscriber.
            UnprocessableEntityError: Kit refused the email address.

        ```python
        result = await kit.tags.tag_subscriber(1, email_address="alice@example.com")
        print(result.item.tagged_at, result.created)
        ```
        """
        tag = check_id("tag_id", tag_id)
        by_id, email = one_subscriber(subscriber_id, email_address)
        if by_id is not None:
            return await TAG_BY_ID.upsert(self._transport, {"tag_id": tag, "id": by_id}, json={})
        return await TAG_BY_EMAIL.upsert(
            self._transport, {"tag_id": tag}, json={"email_address": email}
        )

    async def untag_subscriber(
        self,
        tag_id: int,
        *,
        subscriber_id: int | None = None,
        email_address: str | None = None,
    ) -> None:
        """Remove a tag from a subscriber, by id or by email address (`204`).

        By id: `DELETE /v4/tags/{tag_id}/subscribers/{id}`. By email: Kit's
        description says `DELETE /v4/tags/{tag_id}/subscribers` identifies the
        subscriber by an `email_address` query parameter (it declares no
        body), so that is what is sent.

        Raises:
            NotFoundError: no such tag or subscriber.
        """
        tag = check_id("tag_id", tag_id)
        by_id, email = one_subscriber(subscriber_id, email_address)
        if by_id is not None:
            await UNTAG_BY_ID.call(self._transport, {"tag_id": tag, "id": by_id})
        else:
            await UNTAG_BY_EMAIL.call(
                self._transport, {"tag_id": tag}, params={"email_address": email}
            )

    async def bulk_create(
        self, names: Iterable[str], *, callback_url: str | None = None
    ) -> BulkResult[Tag] | BulkAccepted:
        """Create many tags at once (`POST /v4/bulk/tags`; OAuth apps only).

        Existing names return the existing tags, so it is safe to repeat.
        Up to 100 names are processed at once (`BulkResult`, with Kit's
        `failures`); more are queued (`BulkAccepted`), with the results
        posted to `callback_url`.

        Raises:
            OAuthRequiredError: the client has an API key (before sending).
            ValueError: `names` is empty.
        """
        batch = check_batch("names", names)
        tags = [{"name": check_text(f"names[{i}]", name)} for i, name in enumerate(batch)]
        return await BULK_CREATE.call(
            self._transport, compact({"tags": tags, "callback_url": _callback(callback_url)})
        )

    async def bulk_delete(
        self, tag_ids: Iterable[int], *, callback_url: str | None = None
    ) -> BulkResult[Tag] | BulkAccepted:
        """Delete many tags (`DELETE /v4/bulk/tags`; OAuth apps only).

        Only the account's own tags are deleted; `failures` lists the ids Kit
        did not find (`items` is empty: Kit returns only the failures).
        More than 100 ids are queued (`BulkAccepted`).
        """
        batch = check_batch("tag_ids", tag_ids)
        tags = [{"id": check_id(f"tag_ids[{i}]", tag_id)} for i, tag_id in enumerate(batch)]
        return await BULK_DELETE.call(
            self._transport, compact({"tags": tags, "callback_url": _callback(callback_url)})
        )

    async def bulk_tag_subscribers(
        self, taggings: Iterable[Mapping[str, Any]], *, callback_url: str | None = None
    ) -> BulkResult[Subscriber] | BulkAccepted:
        """Tag many existing subscribers (`POST /v4/bulk/tags/subscribers`; OAuth apps only).

        Each tagging is a dict with Kit's names, `{"tag_id": 1,
        "subscriber_id": 2}`. Up to 100 are processed at once (the tagged
        subscribers, and `failures` for unknown tags or subscribers); more
        are queued (`BulkAccepted`).
        """
        batch = [_tagging(item, i) for i, item in enumerate(check_batch("taggings", taggings))]
        return await BULK_TAG.call(
            self._transport, compact({"taggings": batch, "callback_url": _callback(callback_url)})
        )

    async def bulk_untag_subscribers(
        self, taggings: Iterable[Mapping[str, Any]], *, callback_url: str | None = None
    ) -> BulkResult[Subscriber] | BulkAccepted:
        """Remove many taggings (`DELETE /v4/bulk/tags/subscribers`; OAuth apps only).

        Kit's 2026 description no longer declares this DELETE's body, but
        its 422 still speaks of `taggings` and Kit reads them there: the
        taggings are sent as a JSON body, `{"taggings": [...]}`.
        """
        batch = [_tagging(item, i) for i, item in enumerate(check_batch("taggings", taggings))]
        return await BULK_UNTAG.call(
            self._transport, compact({"taggings": batch, "callback_url": _callback(callback_url)})
        )
