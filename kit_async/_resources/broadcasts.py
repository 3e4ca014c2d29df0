"""Broadcasts: `kit.broadcasts`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypedDict, Unpack

from .._converter import Envelope
from .._core.declarations import Endpoint, ListEndpoint, NoContent, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import (
    MAX_PER_PAGE,
    When,
    check_bool,
    check_choice,
    check_fields,
    check_id,
    check_text,
    check_when,
)
from .._kit import BROADCAST_FILTER_GROUPS, BROADCAST_STATUSES, BroadcastStatus
from ..models import Broadcast, BroadcastClick, BroadcastStats, BroadcastStatsItem

__all__ = ["BROADCAST_STATUSES", "BroadcastFields", "Broadcasts"]


_IN_BROADCAST = {"broadcast_id": ("broadcast", "id")}

CLICKS = ListEndpoint(
    "/v4/broadcasts/{broadcast_id}/clicks",
    BroadcastClick,
    Envelope(at=("broadcast", "clicks"), context=_IN_BROADCAST),
)
LIST = ListEndpoint("/v4/broadcasts", Broadcast, Envelope(at=("broadcasts",)))
GET = Endpoint("GET", "/v4/broadcasts/{id}", Broadcast, Envelope(at=("broadcast",)))
STATS = Endpoint(
    "GET",
    "/v4/broadcasts/{broadcast_id}/stats",
    BroadcastStats,
    Envelope(at=("broadcast", "stats"), context=_IN_BROADCAST),
)
# Each POST creates another broadcast: a blind retry would send a second one.
CREATE = Endpoint("POST", "/v4/broadcasts", Broadcast, Envelope(at=("broadcast",)))
UPDATE = Endpoint("PUT", "/v4/broadcasts/{id}", Broadcast, Envelope(at=("broadcast",)))
DELETE = NoContent("DELETE", "/v4/broadcasts/{id}")
LIST_STATS = ListEndpoint("/v4/broadcasts/stats", BroadcastStatsItem, Envelope(at=("broadcasts",)))


class BroadcastFields(TypedDict, total=False):
    """Kit's body fields of `POST /v4/broadcasts` and `PUT /v4/broadcasts/{id}`.

    The keywords of `kit.broadcasts.create()` and `update()`. `None` is sent
    as JSON `null` (for `send_at`: no send time, a draft).
    """

    subject: str | None
    content: str | None
    description: str | None
    preview_text: str | None
    public: bool | None
    published_at: When | None
    send_at: When | None
    email_template_id: int | None
    email_address: str | None
    thumbnail_alt: str | None
    thumbnail_url: str | None
    subscriber_filter: Iterable[Mapping[str, Any]] | None


def _text(name: str, value: object) -> str | None:
    return None if value is None else check_text(name, value, allow_empty=True)


def _flag(name: str, value: object) -> bool | None:
    return None if value is None else check_bool(name, value)


def _template(name: str, value: object) -> int | None:
    return None if value is None else check_id(name, value)


def _conditions(where: str, conditions: object) -> list[dict[str, Any]]:
    if isinstance(conditions, str | bytes | Mapping) or not isinstance(conditions, Iterable):
        msg = f"{where} must be a list of conditions, got {type(conditions).__name__}"
        raise TypeError(msg)
    checked = []
    for index, condition in enumerate(conditions):
        if not isinstance(condition, Mapping):
            msg = f"{where}[{index}] must be a dict like {{'type': 'tag', 'ids': [1]}}"
            raise TypeError(msg)
        check_text(f"{where}[{index}]['type']", condition.get("type"))
        checked.append(dict(condition))
    return checked


def _subscriber_filter(name: str, value: object) -> list[dict[str, Any]] | None:
    """Kit's filter groups, of one group type only (Kit answers 422 to a mix)."""
    if value is None:
        return None
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        msg = (
            f"{name} must be a list of filter groups, e.g. "
            f"[{{'all': [{{'type': 'tag', 'ids': [1]}}]}}], got {type(value).__name__}"
        )
        raise TypeError(msg)
    groups: list[dict[str, Any]] = []
    used: list[str] = []
    for index, group in enumerate(value):
        if not isinstance(group, Mapping):
            msg = f"{name}[{index}] must be a dict with one of all, any or none"
            raise TypeError(msg)
        checked: dict[str, Any] = {}
        for kind, conditions in group.items():
            if kind not in BROADCAST_FILTER_GROUPS:
                msg = f"{name}[{index}] has {kind!r}; Kit's filter groups are all, any and none"
                raise ValueError(msg)
            if conditions is None:
                checked[kind] = None
                continue
            checked[kind] = _conditions(f"{name}[{index}][{kind!r}]", conditions)
            if kind not in used:
                used.append(kind)
        groups.append(checked)
    if len(used) > 1:
        msg = (
            f"{name} uses {' and '.join(used)}; Kit supports one filter group type "
            "per broadcast (all, any or none)"
        )
        raise ValueError(msg)
    return groups


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "subject": _text,
    "content": _text,
    "description": _text,
    "preview_text": _text,
    "public": _flag,
    "published_at": check_when,
    "send_at": check_when,
    "email_template_id": _template,
    "email_address": _text,
    "thumbnail_alt": _text,
    "thumbnail_url": _text,
    "subscriber_filter": _subscriber_filter,
}


def _body(call: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body: the fields given, checked, `None` kept as `null`."""
    check_fields(call, fields, _CHECKS)
    return {name: _CHECKS[name](name, value) for name, value in fields.items()}


class Broadcasts(Resource):
    """Kit's broadcasts (email campaigns), their link clicks and their stats."""

    def clicks(
        self,
        broadcast_id: int,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
    ) -> AsyncPaginator[BroadcastClick]:
        """Link clicks of one sent broadcast, across every page.

        Args:
            broadcast_id: The broadcast's id (a positive int).
            per_page: Clicks per request, 1 to 1000.
            after: Resume after this cursor (a `Page.cursor` or `end_cursor`).
            before: Walk backwards from this cursor instead.

        Raises `NotFoundError` for an unknown id and for a draft or scheduled
        broadcast (it was never sent, so it has no clicks).

        ```python
        async for click in kit.broadcasts.clicks(147):
            print(click.url, click.unique_clicks)
        ```
        """
        return CLICKS.paginate(
            self._transport,
            path_params={"broadcast_id": check_id("broadcast_id", broadcast_id)},
            per_page=per_page,
            after=after,
            before=before,
        )

    def list(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
        status: BroadcastStatus | None = None,
        sent_after: When | None = None,
        sent_before: When | None = None,
        slim: bool = False,
    ) -> AsyncPaginator[Broadcast]:
        """Every broadcast of the account, newest first (`GET /v4/broadcasts`).

        Drafts, scheduled and sent broadcasts alike, unless `status` says
        which. Clicks and stats are not part of the list: see `clicks()`,
        `stats()` and `list_stats()`.

        Args:
            per_page: Broadcasts per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (sent with
                the first request only, since it costs Kit an extra query).
            status: Only broadcasts in this state: `draft`, `scheduled`,
                `sending`, `completed` or `aborted` (on accounts that support
                the filter).
            sent_after: Only broadcasts sent after this (an aware datetime, a
                date, or ISO 8601 text).
            sent_before: Only broadcasts sent before this.
            slim: Leave out `content`, `public_url`, `email_address`,
                `email_template` and `subscriber_filter` (smaller pages).

        Raises:
            ValueError: a date bound that is not ISO 8601, or a time without
                a time zone (before sending).
            ValueError: `status` is not one of Kit's (before sending).

        ```python
        async for broadcast in kit.broadcasts.list(status="completed", slim=True):
            print(broadcast.id, broadcast.subject)
        ```
        """
        if status is not None and not isinstance(status, str):
            msg = f"status must be a str, got {type(status).__name__}"
            raise TypeError(msg)
        return LIST.paginate(
            self._transport,
            params={
                "include_total_count": include_total_count or None,
                "status": check_choice("status", status, BROADCAST_STATUSES),
                "sent_after": check_when("sent_after", sent_after),
                "sent_before": check_when("sent_before", sent_before),
                "slim": check_bool("slim", slim) or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get(self, broadcast_id: int) -> Broadcast:
        """One broadcast by id. Raises `NotFoundError` for an unknown id."""
        return await GET.call(self._transport, {"id": check_id("broadcast_id", broadcast_id)})

    async def stats(self, broadcast_id: int) -> BroadcastStats:
        """Delivery statistics of one broadcast."""
        return await STATS.call(
            self._transport, {"broadcast_id": check_id("broadcast_id", broadcast_id)}
        )

    async def create(self, **fields: Unpack[BroadcastFields]) -> Broadcast:
        """Draft or schedule a broadcast to all or a subset of subscribers (`POST /v4/broadcasts`).

        Kit's rules: `send_at=None` (or no `send_at`) saves a draft; a
        `send_at` schedules it, and a scheduled broadcast needs at least a
        subject and content; `public=True` also publishes it to the web (the
        newsletter feed of the Creator Profile and landing pages). Kit uses
        the account's sending address and default template unless told
        otherwise, and sends to every subscriber unless `subscriber_filter`
        targets segments or tags.

        Not retried once it may have reached Kit: each call creates another
        broadcast, so a blind retry could send a second one. After a
        connection error or a timeout, look for the broadcast before calling
        again.

        Keyword arguments are Kit's body fields, sent as given (`None` as
        JSON `null`; `published_at` and `send_at` as an aware datetime, a
        date or ISO 8601 text, sent in UTC, and refused without a time zone):

        - `subject`, `content` (the HTML), `description` (internal),
          `preview_text`: text.
        - `public`: True to publish to the web.
        - `published_at`: the publication time to display.
        - `send_at`: when to send; `None` for a draft.
        - `email_template_id`: the template (`kit.email_templates.list()`);
          Kit refuses "Starting point" templates.
        - `email_address`: the sending address.
        - `thumbnail_alt`, `thumbnail_url`: the web post's thumbnail.
        - `subscriber_filter`: Kit's filter groups, e.g.
          `[{"all": [{"type": "segment", "ids": [16]}]}]`: one group type
          only (`all`, `any` or `none`), each condition a `segment` or
          `tag` with its ids.

        Raises:
            ValueError: a `published_at` or `send_at` that is not ISO 8601,
                or without a time zone (before sending).
            TypeError: an unknown field, or a value of the wrong type (before
                sending).
            ValueError: a `subscriber_filter` mixing group types (before
                sending).
            UnprocessableEntityError: Kit refused a field (e.g. an unknown
                email template).
            PermissionDeniedError: the account may not create broadcasts.

        ```python
        draft = await kit.broadcasts.create(
            subject="Hello!",
            content="<p>Let me introduce myself</p>",
            description="Intro email",
            public=False,
            send_at=None,
        )
        print(draft.id, draft.send_at)
        ```
        """
        return await CREATE.call(self._transport, json=_body("kit.broadcasts.create()", fields))

    async def update(self, id: int, **fields: Unpack[BroadcastFields]) -> Broadcast:
        """Change a draft or scheduled broadcast (`PUT /v4/broadcasts/{id}`).

        Takes the same fields as `create()`; only the fields given are sent
        and changed (`None` is sent as `null`: `send_at=None` unschedules it).
        Kit's description marks all twelve fields required on this PUT, but
        Kit changes only those sent (Kit's own PHP SDK sends only the
        non-empty ones). A broadcast that started sending can no longer
        change.

        Raises:
            ValueError: a `published_at` or `send_at` that is not ISO 8601,
                or without a time zone (before sending).
            TypeError: no field, an unknown field, or a value of the wrong
                type (before sending).
            NotFoundError: no broadcast has that id.
            UnprocessableEntityError: Kit refused a field, or the broadcast
                has started sending.
            PermissionDeniedError: the account may not change broadcasts.

        ```python
        draft = await kit.broadcasts.create(subject="Draft", content="<p>Hi</p>")
        changed = await kit.broadcasts.update(draft.id, subject="Hello again")
        print(changed.subject)
        ```
        """
        broadcast_id = check_id("id", id)
        if not fields:
            msg = "kit.broadcasts.update() needs at least one field to change"
            raise TypeError(msg)
        return await UPDATE.call(
            self._transport,
            {"id": broadcast_id},
            json=_body("kit.broadcasts.update()", fields),
        )

    async def delete(self, id: int) -> None:
        """Delete a draft or scheduled broadcast (`DELETE /v4/broadcasts/{id}`, `204`).

        Raises:
            NotFoundError: no broadcast has that id.
            UnprocessableEntityError: the broadcast is sending or was sent
                (Kit: "Broadcast is already sending.").
            PermissionDeniedError: the account may not delete broadcasts.

        ```python
        draft = await kit.broadcasts.create(subject="Never mind")
        await kit.broadcasts.delete(draft.id)
        ```
        """
        await DELETE.call(self._transport, {"id": check_id("id", id)})

    def list_stats(
        self,
        *,
        status: BroadcastStatus | None = None,
        sent_after: When | None = None,
        sent_before: When | None = None,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[BroadcastStatsItem]:
        """The stats of every broadcast, with subject and send time (`GET /v4/broadcasts/stats`).

        One call instead of one `stats()` per broadcast. Kit serves it to
        Pro plans and to apps it has authorised; other accounts get `403`.
        Kit keeps stats for 5 years: from 2026-10-15 older broadcasts are
        left out.

        Args:
            status: Only broadcasts in this state: `draft`, `scheduled`,
                `sending`, `completed` or `aborted`.
            sent_after: Only broadcasts sent after this (an aware datetime, a
                date, or ISO 8601 text).
            sent_before: Only broadcasts sent before this.
            per_page: Broadcasts per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        Raises:
            ValueError: a date bound that is not ISO 8601, or a time without
                a time zone (before sending).
            PermissionDeniedError: the account's plan does not include it
                (when the first page is fetched).
            ValueError: `status` is not one of Kit's (before sending).

        ```python
        async for item in kit.broadcasts.list_stats(status="completed"):
            print(item.id, item.subject, item.stats.open_rate)
        ```
        """
        return LIST_STATS.paginate(
            self._transport,
            params={
                "status": check_choice("status", status, BROADCAST_STATUSES),
                "sent_after": check_when("sent_after", sent_after),
                "sent_before": check_when("sent_before", sent_before),
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )
