"""Every argument check, in one module: what is refused before a request is sent.

Resource methods check their ids, texts, dates, choices, batches and body
fields here; the paginator its cursors and page size; the client its
credentials, origins, timeout and retry count. Each check raises `TypeError`
for a value of the wrong type and `ValueError` for a wrong value, naming the
argument (never echoing a credential).
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import AsyncIterable, Callable, Collection, Hashable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeGuard, TypeVar
from urllib.parse import urlsplit

from .values import METHODS

__all__ = [
    "MAX_PER_PAGE",
    "Day",
    "When",
    "check_base_url",
    "check_batch",
    "check_bool",
    "check_choice",
    "check_credential",
    "check_cursor",
    "check_expiry",
    "check_fields",
    "check_id",
    "check_keys",
    "check_method",
    "check_origin",
    "check_path",
    "check_per_page",
    "check_resume_cursors",
    "check_text",
    "check_timeout",
    "check_token_url",
    "check_url",
    "check_when",
    "has_control_or_space",
    "is_int",
    "is_loopback",
    "is_number",
    "one_subscriber",
]

K = TypeVar("K", bound=Hashable)


def is_int(value: object) -> TypeGuard[int]:
    """Whether `value` is an int and not a bool (`True` is an `int` to Python, not to Kit)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> TypeGuard[int | float]:
    """Whether `value` is an int or a float, and not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


#: Kit's largest page. Fewer, larger pages spend less of the rate limit.
MAX_PER_PAGE = 1000


def check_cursor(name: str, value: object) -> None:
    """`None`, or a non-empty cursor string (`after=`, `before=`) from a previous page."""
    if value is None:
        return
    if not isinstance(value, str):
        msg = f"{name} must be a cursor string from a previous page, got {type(value).__name__}"
        raise TypeError(msg)
    if not value:
        msg = f"{name} must not be empty"
        raise ValueError(msg)


def check_per_page(per_page: object) -> None:
    """An int from 1 to `MAX_PER_PAGE`."""
    if not is_int(per_page):
        msg = f"per_page must be an int, got {type(per_page).__name__} {per_page!r}"
        raise TypeError(msg)
    if not 1 <= per_page <= MAX_PER_PAGE:
        msg = f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}"
        raise ValueError(msg)


def check_id(name: str, value: object) -> int:
    """Refuse anything but a positive int: an id before it reaches a URL path, or a count."""
    if not is_int(value):
        msg = f"{name} must be an int, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if value < 1:
        msg = f"{name} must be a positive int, got {value}"
        raise ValueError(msg)
    return value


def check_text(name: str, value: object, *, allow_empty: bool = False) -> str:
    """Refuse anything but a string (non-blank unless `allow_empty`)."""
    if not isinstance(value, str):
        msg = f"{name} must be a str, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if not allow_empty and not value.strip():
        msg = f"{name} must not be empty"
        raise ValueError(msg)
    return value


def check_url(name: str, value: object) -> str:
    """Refuse anything but an absolute `http://` or `https://` URL (a webhook's target)."""
    url = check_text(name, value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"{name} must be an absolute http:// or https:// URL, got {url!r}"
        raise ValueError(msg)
    return url


def check_choice(name: str, value: object, choices: Iterable[str]) -> str | None:
    """`None`, or one of Kit's documented values for a filter."""
    if value is None:
        return None
    allowed = tuple(choices)
    if value not in allowed:
        msg = f"{name} must be one of {', '.join(allowed)}, got {value!r}"
        raise ValueError(msg)
    return str(value)


#: A date or time Kit filters or schedules by: a `date`, an aware `datetime`,
#: or ISO 8601 text of either (see `check_when`).
When = datetime | date | str
#: A whole day (growth stats, subscriber stats, filter conditions): a `date`
#: or ISO 8601 date text.
Day = date | str


def _utc(moment: datetime, name: str, value: object) -> str:
    """An aware datetime in UTC, as Kit's own examples write it (`...T11:43:55Z`)."""
    if moment.utcoffset() is None:
        # Kit's description does not say which zone it reads a time without
        # one in (UTC, or the account's?): the caller knows, so they say.
        msg = (
            f"{name} has no time zone ({value!r}): pass an aware datetime "
            f"(e.g. with tzinfo=UTC), text with an offset or Z, or a date"
        )
        raise ValueError(msg)
    return moment.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


def check_when(name: str, value: object, *, day: bool = False) -> str | None:
    """A date or time for Kit, checked and normalized before any request.

    Every date and time a resource method sends goes through here: the list
    filters (`created_after`, `sent_before`, ...), the whole-day bounds
    (`starting`, `email_sent_after`, a filter condition's `after`) and the
    body fields (`send_at`, `transaction_time`). Kit's description gives the
    filters as `yyyy-mm-dd` with examples such as `2023-01-17T11:43:55Z`, so:

    - `None` is `None` (not sent);
    - a `date`, or date text (`date.fromisoformat`), is sent as `YYYY-MM-DD`;
    - an aware `datetime`, or date-time text with an offset or `Z`
      (`datetime.fromisoformat`), is sent in UTC as `YYYY-MM-DDTHH:MM:SSZ`
      (fractions of a second kept);
    - with `day=True` (Kit counts whole days), only a date or date text.

    Raises:
        TypeError: not a `date`, `datetime` or `str`; or a `datetime` where
            Kit takes a whole day.
        ValueError: text that is not an ISO 8601 date or date-time (such as
            `"yesterday"`), a date-time without a time zone, or a date-time
            text where Kit takes a whole day.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if day:
            msg = (
                f"{name} must be a date (Kit counts whole days), got the datetime "
                f"{value.isoformat()}: pass {name}=value.date()"
            )
            raise TypeError(msg)
        return _utc(value, name, value)
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        wanted = "a date or ISO 8601 date text" if day else "a datetime, a date or ISO 8601 text"
        msg = f"{name} must be {wanted}, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or day:
        wanted = (
            "an ISO 8601 date such as 2026-01-31 (Kit counts whole days)"
            if day
            else "ISO 8601 text such as 2026-01-31 or 2026-01-31T09:30:00Z"
        )
        msg = f"{name} must be {wanted}, got {value!r}"
        raise ValueError(msg)
    return _utc(moment, name, value)


def check_bool(name: str, value: object) -> bool:
    """Refuse anything but `True` or `False` (not `1`, not `"false"`)."""
    if not isinstance(value, bool):
        msg = f"{name} must be True or False, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    return value


def one_subscriber(subscriber_id: object, email_address: object) -> tuple[int | None, str | None]:
    """Exactly one of `subscriber_id=` or `email_address=`, checked."""
    if (subscriber_id is None) == (email_address is None):
        msg = "pass exactly one of subscriber_id= or email_address="
        raise TypeError(msg)
    if subscriber_id is not None:
        return check_id("subscriber_id", subscriber_id), None
    return None, check_text("email_address", email_address)


def check_fields(
    call: str,
    fields: Mapping[str, Any],
    known: Iterable[str],
    *,
    required: Iterable[str] = (),
) -> dict[str, Any]:
    """Kit's body fields passed as keywords (`**fields`), as the JSON body to send.

    A name Kit does not document is refused, so that a typo cannot vanish
    silently; a `required` field must be given, and not as `None`. Other
    `None` values are sent as JSON `null`, which Kit's updates read as "clear"
    or "reset" (`send_days=None`, `email_template_id=None`).
    """
    names = tuple(known)
    for name in fields:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            msg = (
                f"{call} got an unknown field {name!r}{hint}; Kit's fields are: {', '.join(names)}"
            )
            raise TypeError(msg)
    missing = [name for name in required if fields.get(name) is None]
    if missing:
        msg = f"{call} needs {', '.join(missing)} (Kit requires {'them' if len(missing) > 1 else 'it'})"
        raise TypeError(msg)
    return dict(fields)


def check_batch(name: str, items: object, *, limit: int | None = None) -> list[Any]:
    """A non-empty list of items for a bulk call (Kit answers 422 to an empty one)."""
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        msg = f"{name} must be a list, got {type(items).__name__}"
        raise TypeError(msg)
    batch = list(items)
    if not batch:
        msg = f"{name} must not be empty (Kit refuses an empty batch)"
        raise ValueError(msg)
    if limit is not None and len(batch) > limit:
        msg = f"{name} has {len(batch)} items; Kit takes at most {limit:,} in one call"
        raise ValueError(msg)
    return batch


def is_loopback(host: str) -> bool:
    """Whether `host` is `localhost` or a loopback address (plain http is allowed there)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback  # yarl keeps IPv6's brackets
    except ValueError:
        return False


def has_control_or_space(text: str) -> bool:
    """Whether `text` holds whitespace or an unprintable character (a CRLF `.env` file)."""
    return any(char.isspace() or not char.isprintable() for char in text)


def check_origin(name: str, url: str) -> tuple[str, str]:
    """Validate a Kit origin (`base_url`, `token_url`); return it stripped and its path."""
    if not isinstance(url, str):
        msg = f"{name} must be a str, got {type(url).__name__}"
        raise TypeError(msg)
    url = url.strip()
    if has_control_or_space(url):
        # Typically a CRLF `.env` file: the `\r` would end up in the request line.
        msg = f"{name} must not contain spaces or control characters, got {url!r}"
        raise ValueError(msg)
    parts = urlsplit(url)
    if parts.username or parts.password or "@" in parts.netloc:
        msg = f"{name} must not carry a user name or password"
        raise ValueError(msg)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        msg = f"{name} must be an absolute https:// URL, got {url!r}"
        raise ValueError(msg)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or parts.netloc.endswith(":"):
        msg = f"{name} has an invalid port (expected 1 to 65535), got {url!r}"
        raise ValueError(msg)
    if parts.query or parts.fragment:
        msg = f"{name} must not have a query or fragment, got {url!r}"
        raise ValueError(msg)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        msg = (
            f"{name} must use https:// (plain http is allowed for loopback hosts "
            f"only, for testing), got {url!r}"
        )
        raise ValueError(msg)
    return url, parts.path


def check_base_url(base_url: str, name: str = "base_url") -> str:
    """The origin requests go to: `https://api.kit.com`, without `/v4`.

    Kit's docs print the base URL as `https://api.kit.com/v4`; that exact
    trailing `/v4` is accepted and dropped (every path already starts with
    it). Any other path is refused: it would silently turn every request
    into a 404.
    """
    url, path = check_origin(name, base_url)
    stripped = path.rstrip("/")
    if stripped not in ("", "/v4"):
        msg = (
            f"base_url must be an origin such as https://api.kit.com (optionally "
            f"ending in /v4), without any other path; got {url!r}"
        )
        raise ValueError(msg)
    return url.rstrip("/").removesuffix("/v4")


def check_token_url(token_url: str) -> str:
    """Validate `token_url`: the refresh token and client secret are sent there."""
    # The refresh token (and client secret) go there: same rules as base_url.
    return check_origin("token_url", token_url)[0]


def check_credential(name: str, value: object) -> str:
    """A credential stripped of surrounding whitespace; never echoed in a message."""
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        msg = f"{name} must be a non-empty string"
        raise ValueError(msg)
    if has_control_or_space(value):
        msg = f"{name} contains spaces or control characters (its value is not shown)"
        raise ValueError(msg)
    return value


def check_expiry(expires_at: object) -> float | None:
    """`token_expires_at` as Unix seconds (a datetime must say its time zone)."""
    if expires_at is None:
        return None
    if isinstance(expires_at, datetime):
        if expires_at.tzinfo is None:
            msg = "token_expires_at must be an aware datetime (with a time zone) or Unix seconds"
            raise ValueError(msg)
        return expires_at.timestamp()
    if not is_number(expires_at):
        msg = (
            f"token_expires_at must be Unix seconds or a datetime, got {type(expires_at).__name__}"
        )
        raise TypeError(msg)
    return float(expires_at)


def check_timeout(timeout: object) -> float:
    """A finite number of seconds > 0, as a float."""
    if not is_number(timeout) or not 0 < timeout < float("inf"):
        msg = f"timeout must be a finite number of seconds > 0, got {timeout!r}"
        raise ValueError(msg)
    return float(timeout)


def check_method(method: object) -> str:
    """An HTTP method Kit uses (`kit.request`), upper case."""
    if not isinstance(method, str) or method.upper() not in METHODS:
        msg = f"method must be one of {', '.join(sorted(METHODS))}, got {method!r}"
        raise ValueError(msg)
    return method.upper()


def check_path(path: object) -> str:
    """Kit's path for `kit.request`: `/v4/...`, with no query, fragment or space."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        msg = f"path must be Kit's path starting with '/', such as '/v4/account', got {path!r}"
        raise ValueError(msg)
    if "?" in path or "#" in path or has_control_or_space(path):
        msg = f"path must have no query, fragment, spaces or control characters (use params=), got {path!r}"
        raise ValueError(msg)
    return path


def check_resume_cursors(
    after: object, check_key: Callable[[str, object], K], key_name: str
) -> dict[K, str]:
    """A fan-out's resume cursors (`after=`): checked keys to non-empty cursor strings."""
    if after is None:
        return {}
    if not isinstance(after, Mapping):
        msg = f"after must be a mapping of {key_name} to cursor, got {type(after).__name__}"
        raise TypeError(msg)
    cursors: dict[K, str] = {}
    for value, cursor in after.items():
        key = check_key(f"{key_name} in after", value)
        name = f"after[{key!r}]"
        if cursor is None:  # check_cursor lets None through: "no cursor" is fine there
            msg = f"{name} must be a cursor string from a previous page, got NoneType"
            raise TypeError(msg)
        check_cursor(name, cursor)
        cursors[key] = cursor
    return cursors


def check_keys(keys: object, check_key: Callable[[str, object], object], key_name: str) -> None:
    """A fan-out's keys: an iterable or async iterable, not a string.

    Keys already in memory are checked now, before any request; a range is
    read lazily (it may be huge), like anything else, key by key.
    """
    if isinstance(keys, str | bytes):
        msg = "keys must be an iterable of keys, not a string"
        raise TypeError(msg)
    if not isinstance(keys, Iterable | AsyncIterable):
        msg = f"keys must be an iterable or async iterable of keys, got {type(keys).__name__}"
        raise TypeError(msg)
    if isinstance(keys, Collection) and not isinstance(keys, range):
        for value in keys:
            check_key(key_name, value)
