"""Sequences: list, create, get, update (partial), delete; their subscribers."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from ..._kit import SUBSCRIBER_SOURCE_TYPES, WEEKDAYS
from .. import _paging
from .._account import FakeAccount
from .._records import SequenceRecord, SubscriberRecord
from .._wire import NotFound, Refused, json_response, no_content
from ._input import boolean, get_or_404, includes, integer, json_body, path_id, text
from ._members import members
from ._route import Route
from ._shapes import iso, subscriber
from .subscribers import check_email

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_STATS = (
    "recipients",
    "opens",
    "open_rate",
    "clicks",
    "click_rate",
    "unsubscribers",
    "email_unsubscribes",
    "email_unsubscribe_rate",
    "bounces",
    "bounce_rate",
    "complaints",
    "complaint_rate",
)


def render(
    account: FakeAccount, sequence: SequenceRecord, *, stats: bool = False
) -> dict[str, Any]:
    """A sequence as Kit shows it (`stats`: with Kit's nullable stats, null for no data)."""
    shown: dict[str, Any] = {
        "id": sequence.id,
        "name": sequence.name,
        "hold": sequence.hold,
        "repeat": sequence.repeat,
        "created_at": iso(sequence.created_at),
        "updated_at": iso(sequence.updated_at),
        "email_address": sequence.email_address,
        "email_template_id": sequence.email_template_id,
        "send_days": list(sequence.send_days),
        "send_hour": sequence.send_hour,
        "time_zone": sequence.time_zone,
        "active": sequence.active,
        "exclude_subscriber_sources": sequence.exclude_subscriber_sources,
        "email_count": sum(
            1 for email in account.sequence_emails.values() if email.sequence_id == sequence.id
        ),
        "subscriber_count": len(account.sequence_subscriptions.get(sequence.id, {})),
    }
    if stats:
        shown["stats"] = dict.fromkeys(_STATS)
    return shown


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def weekdays(value: Any, name: str = "send_days") -> list[str]:
    """A non-empty list of weekday names, in week order."""
    if not isinstance(value, list) or not value or not set(value) <= set(WEEKDAYS):
        raise Refused(f"{name} must be a list of weekdays ({', '.join(WEEKDAYS)})")
    return [day for day in WEEKDAYS if day in value]


def _sources(value: Any) -> list[dict[str, Any]]:
    message = "exclude_subscriber_sources must be a list of {type, ids}, type one of: " + ", ".join(
        SUBSCRIBER_SOURCE_TYPES
    )
    if not isinstance(value, list):
        raise Refused(message)
    sources = []
    for source in value:
        if (
            not isinstance(source, dict)
            or source.get("type") not in SUBSCRIBER_SOURCE_TYPES
            or not isinstance(source.get("ids"), list)
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in source["ids"])
        ):
            raise Refused(message)
        sources.append({"type": source["type"], "ids": list(source["ids"])})
    return sorted(sources, key=lambda source: source["type"])


def _apply(sequence: SequenceRecord, body: Mapping[str, Any]) -> None:
    """Set what `body` gives (a partial update), with Kit's checks."""
    if "name" in body:
        name = text(body, "name", required="name can't be blank")
        assert name is not None
        sequence.name = name
    if body.get("send_hour") is not None:
        hour = body["send_hour"]
        if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
            raise Refused("send_hour must be an integer between 0 and 23")
        sequence.send_hour = hour
    if body.get("send_days") is not None:
        sequence.send_days = weekdays(body["send_days"])
    if body.get("time_zone") is not None:
        zone = body["time_zone"]
        zones = _time_zones()
        if not isinstance(zone, str) or (zones and zone not in zones):
            raise Refused("time_zone must be an IANA time zone name, such as America/New_York")
        sequence.time_zone = zone
    if "email_address" in body:
        given = body["email_address"]
        sequence.email_address = None if given is None else check_email(given)
    if "email_template_id" in body:
        sequence.email_template_id = integer(body, "email_template_id")
    for flag in ("active", "repeat", "hold"):
        value = boolean(body, flag)
        if value is not None:
            setattr(sequence, flag, value)
    if body.get("exclude_subscriber_sources") is not None:
        sequence.exclude_subscriber_sources = _sources(body["exclude_subscriber_sources"])


def _with_stats(request: web.Request) -> bool:
    return "stats" in includes(request.query, ("stats",))


async def list_sequences(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/sequences`: newest first; `include=stats`."""
    stats = _with_stats(request)
    account = kit.account
    sequences = [account.sequences[i] for i in sorted(account.sequences, reverse=True)]
    page = _paging.page_of(request.query, sequences)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [render(account, sequence, stats=stats) for sequence in shown]
    return json_response({"sequences": items, "pagination": pagination})


async def create_sequence(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/sequences`: only `name` is required (201)."""
    body = await json_body(request)
    account = kit.account
    now = account.clock()
    draft = SequenceRecord(
        id=0,
        name="",
        created_at=now,
        updated_at=now,
        time_zone=account.info["timezone"]["name"],
    )
    if "name" not in body:
        raise Refused("name can't be blank")
    _apply(draft, body)
    fields = attrs.asdict(draft, recurse=False)
    del fields["id"], fields["name"]
    sequence = account.add_sequence(draft.name, **fields)
    return json_response({"sequence": render(account, sequence)}, 201)


async def get_sequence(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/sequences/{id}`; `include=stats`."""
    sequence = get_or_404(kit.account.sequences, path_id(request))
    return json_response({"sequence": render(kit.account, sequence, stats=_with_stats(request))})


async def update_sequence(kit: FakeKit, request: web.Request) -> web.Response:
    """`PUT /v4/sequences/{id}`: only the fields sent change."""
    account = kit.account
    sequence = get_or_404(account.sequences, path_id(request))
    body = await json_body(request)
    edited = attrs.evolve(sequence)  # a refused update changes nothing
    _apply(edited, body)
    edited.updated_at = account.clock()
    account.sequences[sequence.id] = edited
    return json_response({"sequence": render(account, edited)})


async def delete_sequence(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/sequences/{id}`: gone, with its emails and subscriptions (204)."""
    account = kit.account
    sequence = get_or_404(account.sequences, path_id(request))
    del account.sequences[sequence.id]
    account.sequence_subscriptions.pop(sequence.id, None)
    for email_id in [i for i, e in account.sequence_emails.items() if e.sequence_id == sequence.id]:
        del account.sequence_emails[email_id]
    return no_content()


async def subscribers_of_sequence(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/sequences/{sequence_id}/subscribers`: with `added_at`."""
    sequence = get_or_404(kit.account.sequences, path_id(request, "sequence_id"))
    return members(
        kit,
        request,
        kit.account.sequence_subscriptions.get(sequence.id, {}),
        moment_of=lambda at: at,
        bound="added",
        shown=lambda at: {"added_at": iso(at)},
    )


def _add(kit: FakeKit, sequence: SequenceRecord, who: SubscriberRecord) -> web.Response:
    if not sequence.active:
        raise Refused("Sequence is inactive")
    account = kit.account
    added = account.sequence_subscriptions.setdefault(sequence.id, {})
    status = 200 if who.id in added else 201
    at: datetime = added.setdefault(who.id, account.clock())
    return json_response({"subscriber": {**subscriber(account, who), "added_at": iso(at)}}, status)


async def add_by_email(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/sequences/{sequence_id}/subscribers`: an existing subscriber, by address."""
    sequence = get_or_404(kit.account.sequences, path_id(request, "sequence_id"))
    email = text(
        await json_body(request),
        "email_address",
        required="Either subscriber id or email address is required to add subscriber to sequence",
    )
    assert email is not None
    who = kit.account.subscriber_by_email(email)
    if who is None:
        raise NotFound
    return _add(kit, sequence, who)


async def add_by_id(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/sequences/{sequence_id}/subscribers/{id}`: an existing subscriber."""
    sequence = get_or_404(kit.account.sequences, path_id(request, "sequence_id"))
    who = get_or_404(kit.account.subscribers, path_id(request))
    return _add(kit, sequence, who)


ROUTES = (
    Route("GET", "/v4/sequences", list_sequences),
    Route("POST", "/v4/sequences", create_sequence),
    Route("GET", "/v4/sequences/{id}", get_sequence),
    Route("PUT", "/v4/sequences/{id}", update_sequence),
    Route("DELETE", "/v4/sequences/{id}", delete_sequence),
    Route("GET", "/v4/sequences/{sequence_id}/subscribers", subscribers_of_sequence),
    Route("POST", "/v4/sequences/{sequence_id}/subscribers", add_by_email),
    Route("POST", "/v4/sequences/{sequence_id}/subscribers/{id}", add_by_id),
)
