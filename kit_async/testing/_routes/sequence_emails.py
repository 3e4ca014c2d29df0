"""A sequence's emails: list (by position), create, get, update (partial), delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from ..._kit import DELAY_UNITS
from .. import _paging
from .._account import FakeAccount
from .._records import SequenceEmailRecord, SequenceRecord
from .._wire import NotFound, Refused, json_response, no_content
from ._input import boolean, choice, flag, get_or_404, includes, integer, json_body, path_id, text
from ._route import Route
from .sequences import weekdays

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_STATS = (
    "recipients",
    "opens",
    "open_rate",
    "clicks",
    "click_rate",
    "unsubscribes",
    "unsubscribe_rate",
    "bounces",
    "bounce_rate",
    "complaints",
    "complaint_rate",
)


def emails_of(account: FakeAccount, sequence: SequenceRecord) -> list[SequenceEmailRecord]:
    """A sequence's emails by position."""
    found = [e for e in account.sequence_emails.values() if e.sequence_id == sequence.id]
    return sorted(found, key=lambda email: email.position)


def render(
    account: FakeAccount,
    sequence: SequenceRecord,
    email: SequenceEmailRecord,
    *,
    content: bool = True,
    stats: bool = False,
) -> dict[str, Any]:
    """An email as Kit shows it: day-based ones list their days, hour-based ones `null`."""
    if email.delay_unit == "hours":
        days = None
    else:
        days = list(email.send_days if email.send_days is not None else sequence.send_days)
    shown: dict[str, Any] = {
        "id": email.id,
        "sequence_id": email.sequence_id,
        "subject": email.subject,
        "preview_text": email.preview_text,
        "email_address": sequence.email_address or account.info["primary_email_address"],
        "email_template_id": email.email_template_id,
        "published": email.published,
        "position": email.position,
        "delay_value": email.delay_value,
        "delay_unit": email.delay_unit,
        "send_days": days,
    }
    if content:
        shown["content"] = email.content
    if stats:
        shown["stats"] = dict.fromkeys(_STATS, 0)
    return shown


def _apply(email: SequenceEmailRecord, body: Mapping[str, Any]) -> None:
    """Set what `body` gives (a partial update), with Kit's checks."""
    if "subject" in body:
        subject = text(body, "subject", required="subject can't be blank", strip=False)
        assert subject is not None
        email.subject = subject
    if "delay_value" in body:
        value = integer(body, "delay_value", required="delay_value can't be blank", minimum=0)
        assert value is not None
        email.delay_value = value
    if "delay_unit" in body:
        unit = choice(body.get("delay_unit"), "delay_unit", DELAY_UNITS)
        if unit is None:
            raise Refused("delay_unit must be one of: days, hours")
        email.delay_unit = unit
    for name in ("preview_text", "content"):
        if name in body:
            setattr(email, name, text(body, name, strip=False))
    if "email_template_id" in body:
        email.email_template_id = integer(body, "email_template_id")
    published = boolean(body, "published")
    if published is not None:
        email.published = published
    if "send_days" in body:
        given = body["send_days"]
        email.send_days = None if given is None else weekdays(given)
    if email.delay_unit == "hours" and email.send_days is not None:
        raise Refused("send_days can only be set on emails whose delay_unit is days")


def _place(
    account: FakeAccount, sequence: SequenceRecord, email: SequenceEmailRecord, position: Any
) -> None:
    """Put `email` at `position` (the end by default), the others shifted to make room.

    Refuses (changing nothing) a second email that would be sent immediately.
    """
    others = [e for e in emails_of(account, sequence) if e.id != email.id]
    if position is None:
        index = len(others)
    elif isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise Refused("position must be an integer greater than or equal to 0")
    else:
        index = min(position, len(others))
    ordered = [*others[:index], email, *others[index:]]
    immediate = [e for e in ordered[1:] if e.delay_unit == "days" and e.delay_value == 0]
    if immediate:
        raise Refused(
            "Only the first email of a sequence can be sent immediately "
            "(delay_value 0 with delay_unit days)"
        )
    for number, placed in enumerate(ordered):
        placed.position = number


def _sequence(kit: FakeKit, request: web.Request) -> SequenceRecord:
    return get_or_404(kit.account.sequences, path_id(request, "sequence_id"))


def _email(kit: FakeKit, request: web.Request, sequence: SequenceRecord) -> SequenceEmailRecord:
    email = kit.account.sequence_emails.get(path_id(request))
    if email is None or email.sequence_id != sequence.id:
        raise NotFound
    return email


def _with_stats(request: web.Request) -> bool:
    return "stats" in includes(request.query, ("stats",))


async def list_emails(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/sequences/{sequence_id}/emails`: by position; `include_content`, stats."""
    sequence = _sequence(kit, request)
    content, stats = flag(request.query, "include_content"), _with_stats(request)
    page = _paging.page_of(request.query, emails_of(kit.account, sequence))
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [render(kit.account, sequence, email, content=content, stats=stats) for email in shown]
    return json_response({"emails": items, "pagination": pagination})


async def create_email(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/sequences/{sequence_id}/emails`: a draft, at the end unless `position` says."""
    account = kit.account
    sequence = _sequence(kit, request)
    body = await json_body(request)
    missing = [
        message
        for name, message in (
            ("subject", "subject can't be blank"),
            ("delay_value", "delay_value can't be blank"),
            ("delay_unit", "delay_unit must be one of: days, hours"),
        )
        if body.get(name) is None
    ]
    if missing:
        raise Refused(*missing)
    email = SequenceEmailRecord(
        id=0, sequence_id=sequence.id, subject="", delay_value=0, delay_unit="days", position=0
    )
    _apply(email, body)
    _place(account, sequence, email, body.get("position"))
    email.id = account.next_id("sequence_emails")
    account.sequence_emails[email.id] = email
    return json_response({"email": render(account, sequence, email)}, 201)


async def get_email(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/sequences/{sequence_id}/emails/{id}`: always with its content."""
    sequence = _sequence(kit, request)
    email = _email(kit, request, sequence)
    shown = render(kit.account, sequence, email, stats=_with_stats(request))
    return json_response({"email": shown})


async def update_email(kit: FakeKit, request: web.Request) -> web.Response:
    """`PUT /v4/sequences/{sequence_id}/emails/{id}`: only the fields sent change."""
    account = kit.account
    sequence = _sequence(kit, request)
    email = _email(kit, request, sequence)
    body = await json_body(request)
    edited = attrs.evolve(email)  # a refused update changes nothing
    _apply(edited, body)
    position = body.get("position")
    account.sequence_emails[email.id] = edited
    try:
        _place(account, sequence, edited, email.position if position is None else position)
    except Refused:
        account.sequence_emails[email.id] = email
        raise
    return json_response({"email": render(account, sequence, edited)})


async def delete_email(kit: FakeKit, request: web.Request) -> web.Response:
    """`DELETE /v4/sequences/{sequence_id}/emails/{id}` (204); the others close ranks."""
    account = kit.account
    sequence = _sequence(kit, request)
    email = _email(kit, request, sequence)
    del account.sequence_emails[email.id]
    for number, other in enumerate(emails_of(account, sequence)):
        other.position = number
    return no_content()


ROUTES = (
    Route("GET", "/v4/sequences/{sequence_id}/emails", list_emails),
    Route("POST", "/v4/sequences/{sequence_id}/emails", create_email),
    Route("GET", "/v4/sequences/{sequence_id}/emails/{id}", get_email),
    Route("PUT", "/v4/sequences/{sequence_id}/emails/{id}", update_email),
    Route("DELETE", "/v4/sequences/{sequence_id}/emails/{id}", delete_email),
)
