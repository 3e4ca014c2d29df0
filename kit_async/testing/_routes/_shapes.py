"""Records rendered as Kit's JSON, for the shapes several resources share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .._account import FakeAccount
from .._records import SubscriberRecord, TagRecord

__all__ = ["iso", "referrer_utm", "subscriber", "tag"]

_UTM = ("source", "medium", "campaign", "term", "content")


def iso(moment: datetime | None) -> str | None:
    """Kit's timestamp text, `2023-02-17T11:43:55Z`."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def subscriber(
    account: FakeAccount, record: SubscriberRecord, *, slim: bool = False
) -> dict[str, Any]:
    """A subscriber as Kit lists it (`slim` leaves out `fields`)."""
    shown: dict[str, Any] = {
        "id": record.id,
        "first_name": record.first_name,
        "email_address": record.email_address,
        "state": record.state,
        "created_at": iso(record.created_at),
    }
    if not slim:
        shown["fields"] = account.fields_of(record)
    return shown


def tag(record: TagRecord) -> dict[str, Any]:
    """A tag as Kit lists it."""
    return {"id": record.id, "name": record.name, "created_at": iso(record.created_at)}


def referrer_utm(referrer: str | None) -> dict[str, str | None]:
    """The `utm_*` parameters of a referrer URL, as Kit's `referrer_utm_parameters`."""
    query = parse_qs(urlsplit(referrer).query) if referrer else {}
    return {name: query.get(f"utm_{name}", [None])[0] for name in _UTM}
