"""The account: who it is, its colors, its creator profile, email and growth stats."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from aiohttp import web

from .._account import FakeAccount
from .._wire import NotFound, Refused, json_response
from ._input import json_body
from ._route import Route
from ._shapes import iso

if TYPE_CHECKING:
    from .._fakekit import FakeKit

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


async def get_account(kit: FakeKit, _request: web.Request) -> web.Response:
    """`GET /v4/account`: the account and the user who authorised the credential."""
    account = kit.account
    info = {**account.info, "created_at": iso(account.info["created_at"])}
    return json_response({"user": dict(account.user), "account": info})


async def get_colors(kit: FakeKit, _request: web.Request) -> web.Response:
    """`GET /v4/account/colors`."""
    return json_response({"colors": list(kit.account.colors)})


async def update_colors(kit: FakeKit, request: web.Request) -> web.Response:
    """`PUT /v4/account/colors`: hex color codes only (422 naming each bad one)."""
    colors = (await json_body(request)).get("colors")
    if not isinstance(colors, list) or not all(isinstance(c, str) for c in colors):
        raise Refused("colors must be a list of hex color codes")
    bad = [color for color in colors if not _HEX.fullmatch(color)]
    if bad:
        raise Refused(*(f"Colors {color} is not a valid hex color code." for color in bad))
    kit.account.colors = list(colors)
    return json_response({"colors": list(colors)})


async def get_creator_profile(kit: FakeKit, _request: web.Request) -> web.Response:
    """`GET /v4/account/creator_profile` (404 when the account has none)."""
    if kit.account.creator_profile is None:
        raise NotFound
    return json_response({"profile": dict(kit.account.creator_profile)})


async def get_email_stats(kit: FakeKit, _request: web.Request) -> web.Response:
    """`GET /v4/account/email_stats`: the subscribers' stats added up (the last 90 days)."""
    account = kit.account
    totals = dict.fromkeys(("sent", "opened", "clicked", "bounced"), 0)
    for subscriber in account.subscribers.values():
        for name in totals:
            totals[name] += int(subscriber.stats.get(name) or 0)
    unsubscribed = sum(1 for s in account.subscribers.values() if s.state == "cancelled")
    sent = totals["sent"]
    now = account.clock()
    return json_response(
        {
            "stats": {
                "sent": sent,
                "clicked": totals["clicked"],
                "opened": totals["opened"],
                "email_stats_mode": "last_90",
                "open_tracking_enabled": True,
                "click_tracking_enabled": True,
                "starting": iso(now - timedelta(days=90)),
                "ending": iso(now),
                "open_rate": round(totals["opened"] / sent, 4) if sent else 0.0,
                "click_rate": round(totals["clicked"] / sent, 4) if sent else 0.0,
                "unsubscribe_rate": round(unsubscribed / sent, 4) if sent else 0.0,
                "bounce_rate": round(totals["bounced"] / sent, 4) if sent else 0.0,
            }
        }
    )


def _zone(account: FakeAccount) -> timezone:
    sign, hours, minutes = re.fullmatch(
        r"([+-])(\d\d):(\d\d)", account.info["timezone"]["utc_offset"]
    ).groups()  # type: ignore[union-attr]
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if sign == "-" else offset)


def _day(value: str | None, default: date, label: str) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refused(f"{label} date is incorrectly formatted. Use YYYY-MM-DD.") from None


async def get_growth_stats(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/account/growth_stats`: in the account's time zone; the last 90 days by default."""
    account = kit.account
    zone = _zone(account)
    today = account.clock().astimezone(zone).date()
    problems: list[str] = []
    try:
        starting = _day(request.query.get("starting"), today - timedelta(days=90), "Starting")
    except Refused as refusal:
        problems.extend(refusal.messages)
    try:
        ending = _day(request.query.get("ending"), today, "Ending")
    except Refused as refusal:
        problems.extend(refusal.messages)
    if problems:
        raise Refused(*problems)
    if starting > ending:
        raise Refused("Starting date must be before the ending date.")
    start = datetime.combine(starting, time(0, 0, 0), zone)
    end = datetime.combine(ending, time(23, 59, 59), zone)
    subscribers = account.subscribers.values()
    new = sum(1 for s in subscribers if start <= s.created_at <= end)
    cancelled = sum(1 for s in subscribers if s.canceled_at and start <= s.canceled_at <= end)
    present = sum(
        1
        for s in subscribers
        if s.created_at <= end and (s.canceled_at is None or s.canceled_at > end)
    )
    return json_response(
        {
            "stats": {
                "cancellations": cancelled,
                "net_new_subscribers": new - cancelled,
                "new_subscribers": new,
                "subscribers": present,
                "starting": start.isoformat(),
                "ending": end.isoformat(),
            }
        }
    )


ROUTES = (
    Route("GET", "/v4/account", get_account),
    Route("GET", "/v4/account/colors", get_colors),
    Route("PUT", "/v4/account/colors", update_colors),
    Route("GET", "/v4/account/creator_profile", get_creator_profile),
    Route("GET", "/v4/account/email_stats", get_email_stats),
    Route("GET", "/v4/account/growth_stats", get_growth_stats),
)
