"""`FakeKit`: a real aiohttp server that behaves like Kit's v4 API.

It serves broadcasts, their clicks and stats from generated, deterministic
data, paginates with opaque base64 cursors, checks credentials, enforces
Kit's rolling rate-limit window when asked, refreshes OAuth tokens, and can
be told to misbehave (`Fault`) so that clients can be tested against the
failures they will meet in production.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import json
import secrets
import time
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Literal, Self, get_args

import attrs
from aiohttp import web

__all__ = ["FAULT_KINDS", "FakeKit", "Fault", "FaultKind", "RecordedRequest"]

FaultKind = Literal[
    "500",
    "502",
    "503",
    "504",  # a bare 5xx status
    "429",  # Kit's plain-text "Retry later", no Retry-After
    "html",  # a proxy's HTML error page with status 502
    "reset",  # the connection is cut in the middle of the body
    "slow",  # the answer comes after `delay` seconds
    "truncated",  # status 200 with half a JSON body
    "repeat_cursor",  # has_next_page true with the cursor just sent
    "missing_cursor",  # has_next_page true and end_cursor null
]
"""The name of a misbehaviour, for `FakeKit.inject` (a typo fails type checking)."""

FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))
"""The misbehaviours a `Fault` can inject (see `FakeKit.inject`)."""

_STATUSES = ("completed", "completed", "completed", "aborted")
_MAX_PER_PAGE = 1000
# Cursors start with bytes whose base64 is "++//", so every cursor carries
# '+', '/' and usually '=': a client that does not encode them is caught.
_CURSOR_SALT = b"\xfb\xef\xff"

_json_dumps: Callable[[Any], bytes]
try:
    import orjson

    _json_dumps = orjson.dumps
except ImportError:  # orjson is optional

    def _json_dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()


@attrs.define
class Fault:
    """A scripted misbehaviour, consumed by the requests it matches.

    Attributes:
        kind: One of `FAULT_KINDS`.
        times: How many matching requests get it (then it is spent).
        path: Only requests whose path contains this string (default: any).
        after: Only requests sent with this `after` cursor; `""` means the
            first page (no cursor); `None` means any page.
        delay: Seconds to wait for the `"slow"` kind.
    """

    kind: FaultKind
    times: int = 1
    path: str | None = None
    after: str | None = None
    delay: float = 5.0

    def __attrs_post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            msg = f"unknown fault kind {self.kind!r}; choose from {sorted(FAULT_KINDS)}"
            raise ValueError(msg)

    def matches(self, request: web.Request) -> bool:
        """Whether this fault applies to `request` (and is not spent yet)."""
        if self.times < 1:
            return False
        if self.path is not None and self.path not in request.path:
            return False
        return self.after is None or request.query.get("after", "") == self.after


@attrs.frozen
class RecordedRequest:
    """A request `FakeKit` received, for tests to inspect."""

    method: str
    path: str
    query: Mapping[str, str]
    at: float  # time.monotonic() on arrival
    status: int


class FakeKit:
    """A fake Kit v4 API on loopback, for tests and demos.

    ```python
    from kit_async.testing import FakeKit

    async with FakeKit(broadcasts=5, clicks=2500) as server:
        async with kit_async.KitClient(server.api_key, base_url=server.url) as kit:
            clicks = [c async for c in kit.iter_broadcast_clicks(1)]
    ```

    Args:
        broadcasts: How many broadcasts the account has (ids 1..N, newest
            last). The last `drafts` of them are a draft and a scheduled
            broadcast, which answer 404 on clicks, like Kit.
        clicks: Clicks per sent broadcast, or a mapping id -> count.
        drafts: How many of the broadcasts are unsent (draft/scheduled).
        api_key: The API key it accepts (a random one by default).
        access_token: An OAuth access token it accepts, if any.
        refresh_token: The refresh token that goes with `access_token`.
        client_id: The OAuth client id the token endpoint accepts.
        token_ttl: Seconds an issued access token stays valid (`None`: forever).
        rate_limit: `(requests, period)`: enforce Kit's rolling window per
            credential, answering 429 `Retry later` beyond it.
        latency: Seconds to wait before answering each request.
        status_filter: Whether `GET /v4/broadcasts` accepts `status=` (newer
            Kit accounts do); an unknown value gets 422 either way.
        host: The loopback address to listen on.
        port: The port to listen on (0: a free port, read it back from `port`).
    """

    def __init__(
        self,
        *,
        broadcasts: int = 10,
        clicks: int | Mapping[int, int] = 1200,
        drafts: int = 2,
        api_key: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        client_id: str = "fake-client-id",
        token_ttl: float | None = None,
        rate_limit: tuple[int, float] | None = None,
        latency: float = 0.0,
        status_filter: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.broadcast_count = broadcasts
        self._click_counts = clicks
        self.drafts = min(drafts, broadcasts)
        self.api_key = api_key or f"kit_fake_{secrets.token_hex(12)}"
        self.client_id = client_id
        self.token_ttl = token_ttl
        self._tokens: dict[str, float | None] = {}
        self._refresh_tokens: set[str] = set()
        if access_token is not None:
            self._tokens[access_token] = self._expiry()
        if refresh_token is not None:
            self._refresh_tokens.add(refresh_token)
        self.rate_limit = rate_limit
        self.latency = latency
        self.status_filter = status_filter
        self.host = host
        self.port = port
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.rate_limited = 0
        self.refreshes = 0
        self._windows: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )
        self._runner: web.AppRunner | None = None
        self.app = self._make_app()

    def __repr__(self) -> str:
        return f"<FakeKit {self.url if self._runner else 'not started'}>"

    # -- lifecycle ----------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL to give a client (`http://127.0.0.1:PORT`)."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Start listening; `port` is set to the real port."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop the server."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- data ----------------------------------------------------------------
    def inject(
        self,
        kind: FaultKind,
        *,
        times: int = 1,
        path: str | None = None,
        after: str | None = None,
        delay: float = 5.0,
    ) -> Fault:
        """Add a `Fault` and return it (`inject("503", times=2)`).

        Args:
            kind: One of `FAULT_KINDS`.
            times: How many matching requests get it (then it is spent).
            path: Only requests whose path contains this string.
            after: Only requests sent with this `after` cursor (`""`: the
                first page).
            delay: Seconds to wait, for the `"slow"` kind.
        """
        fault = Fault(kind, times=times, path=path, after=after, delay=delay)
        self.faults.append(fault)
        return fault

    def is_sent(self, broadcast_id: int) -> bool:
        """Whether a broadcast was sent (only sent ones have clicks)."""
        return 1 <= broadcast_id <= self.broadcast_count - self.drafts

    def status_of(self, broadcast_id: int) -> str:
        """The broadcast's Kit status."""
        if self.is_sent(broadcast_id):
            return _STATUSES[broadcast_id % len(_STATUSES)]
        return "draft" if broadcast_id % 2 else "scheduled"

    def click_count(self, broadcast_id: int) -> int:
        """How many clicks (links) a broadcast has."""
        if not self.is_sent(broadcast_id):
            return 0
        if isinstance(self._click_counts, Mapping):
            return self._click_counts.get(broadcast_id, 0)
        return self._click_counts

    def click(self, broadcast_id: int, index: int) -> dict[str, Any]:
        """The click at `index` of a broadcast, as Kit sends it."""
        recipients = 10_000 + 37 * broadcast_id
        opened = recipients // 2
        # A cheap, deterministic spread of figures (few ties in a top-N report).
        unique = zlib.crc32(f"{broadcast_id}:{index}".encode()) % (opened // 4)
        return {
            "url": f"https://example.com/{broadcast_id}/{index}",
            "unique_clicks": unique,
            "click_to_delivery_rate": round(unique / recipients, 4),
            "click_to_open_rate": round(unique / opened, 4),
        }

    def clicks_of(self, broadcast_id: int) -> list[dict[str, Any]]:
        """Every click of a broadcast, in the order pages serve them."""
        return [self.click(broadcast_id, i) for i in range(self.click_count(broadcast_id))]

    def broadcast(self, broadcast_id: int) -> dict[str, Any]:
        """A broadcast as Kit lists it."""
        created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=broadcast_id)
        sent = self.is_sent(broadcast_id)
        return {
            "id": broadcast_id,
            "publication_id": broadcast_id,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "subject": f"Broadcast {broadcast_id}",
            "preview_text": None,
            "description": None,
            "content": None,
            "public": sent,
            "published_at": created.strftime("%Y-%m-%dT%H:%M:%SZ") if sent else None,
            "send_at": None,
            "thumbnail_alt": None,
            "thumbnail_url": None,
            "email_address": None,
            "email_template": {"id": 6, "name": "Text Only"},
            "subscriber_filter": [{"all": [{"type": "all_subscribers"}]}],
            "status": self.status_of(broadcast_id),
        }

    def stats(self, broadcast_id: int) -> dict[str, Any]:
        """A broadcast's stats object."""
        sent = self.is_sent(broadcast_id)
        recipients = 10_000 + 37 * broadcast_id if sent else 0
        total = sum(c["unique_clicks"] for c in self.clicks_of(broadcast_id)) if sent else 0
        return {
            "recipients": recipients,
            "open_rate": 0.5 if sent else 0.0,
            "emails_opened": recipients // 2,
            "click_rate": round(total / recipients, 4) if recipients else 0.0,
            "unsubscribe_rate": 0.001 if sent else 0.0,
            "unsubscribes": recipients // 1000,
            "total_clicks": total,
            "show_total_clicks": sent,
            "status": self.status_of(broadcast_id),
            "progress": 100.0 if sent else 0.0,
            "open_tracking_disabled": False,
            "click_tracking_disabled": False,
        }

    @staticmethod
    def cursor(offset: int) -> str:
        """The opaque cursor `FakeKit` uses for a list offset."""
        return base64.b64encode(_CURSOR_SALT + f"[{offset}]".encode()).decode()

    @staticmethod
    def _offset(cursor: str) -> int | None:
        try:
            raw = base64.b64decode(cursor, validate=True)
        except (binascii.Error, ValueError):
            return None
        if not raw.startswith(_CURSOR_SALT):
            return None
        try:
            value = json.loads(raw[len(_CURSOR_SALT) :])
        except ValueError:
            return None
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], int):
            return value[0] if value[0] >= 0 else None
        return None

    # -- tokens ----------------------------------------------------------------
    def _expiry(self) -> float | None:
        return None if self.token_ttl is None else time.monotonic() + self.token_ttl

    def expire_tokens(self) -> None:
        """Make every access token issued so far expire now."""
        for token in self._tokens:
            self._tokens[token] = time.monotonic() - 1

    def issue_tokens(self) -> tuple[str, str]:
        """Issue a new (access_token, refresh_token) pair, as a grant would."""
        access, refresh = f"fake_at_{secrets.token_hex(12)}", f"fake_rt_{secrets.token_hex(12)}"
        self._tokens[access] = self._expiry()
        self._refresh_tokens.add(refresh)
        return access, refresh

    # -- the application ----------------------------------------------------------
    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/v4/broadcasts", self._list_broadcasts)
        app.router.add_get("/v4/broadcasts/{broadcast_id}", self._get_broadcast)
        app.router.add_get("/v4/broadcasts/{broadcast_id}/clicks", self._clicks)
        app.router.add_get("/v4/broadcasts/{broadcast_id}/stats", self._stats)
        app.router.add_post("/v4/oauth/token", self._token)
        return app

    @staticmethod
    def _errors(
        status: int, *messages: str, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        return web.Response(
            status=status,
            body=_json_dumps({"errors": list(messages)}),
            content_type="application/json",
            headers=headers,
        )

    def _credential(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        key = request.headers.get("X-Kit-Api-Key")
        if key is not None:
            if secrets.compare_digest(key.encode(), self.api_key.encode()):
                return key, None
            return None, self._errors(401, "The API key is invalid")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ")
            if token not in self._tokens:
                return None, self._bearer_error("The access token is invalid")
            expiry = self._tokens[token]
            if expiry is not None and time.monotonic() >= expiry:
                return None, self._bearer_error("The access token expired")
            return token, None
        return None, self._errors(401, "The access token is invalid")

    def _bearer_error(self, message: str) -> web.Response:
        header = f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{message}"'
        return self._errors(401, message, headers={"WWW-Authenticate": header})

    def _over_limit(self, credential: str, now: float) -> bool:
        if self.rate_limit is None:
            return False
        requests, period = self.rate_limit
        window = self._windows[credential]
        while window and window[0] <= now - period:
            window.popleft()
        if len(window) >= requests:
            return True
        window.append(now)
        return False

    def _take_fault(self, request: web.Request) -> Fault | None:
        for fault in self.faults:
            if fault.matches(request):
                fault.times -= 1
                return fault
        return None

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        arrived = time.monotonic()
        response = await self._answer(request, handler, arrived)
        self.requests.append(
            RecordedRequest(
                request.method, request.path, dict(request.query), arrived, response.status
            )
        )
        return response

    async def _answer(
        self, request: web.Request, handler: Callable[[web.Request], Any], arrived: float
    ) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        if request.path == "/v4/oauth/token":
            result: web.StreamResponse = await handler(request)
            return result
        credential, refusal = self._credential(request)
        if refusal is not None:
            return refusal
        assert credential is not None
        if self._over_limit(credential, arrived):
            self.rate_limited += 1
            return web.Response(status=429, text="Retry later")
        fault = self._take_fault(request)
        if fault is None:
            return await handler(request)  # type: ignore[no-any-return]
        return await self._misbehave(request, handler, fault)

    async def _misbehave(
        self, request: web.Request, handler: Callable[[web.Request], Any], fault: Fault
    ) -> web.StreamResponse:
        kind = fault.kind
        if kind in {"500", "502", "503", "504"}:
            return web.Response(status=int(kind), body=b"", content_type="application/json")
        if kind == "429":
            self.rate_limited += 1
            return web.Response(status=429, text="Retry later")
        if kind == "html":
            html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            return web.Response(status=502, text=html, content_type="text/html")
        if kind == "slow":
            await asyncio.sleep(fault.delay)
            result: web.StreamResponse = await handler(request)
            return result
        response = await handler(request)
        assert isinstance(response, web.Response)
        assert response.body is not None
        body = bytes(response.body)  # type: ignore[arg-type]
        if kind == "truncated":
            return web.Response(
                status=200, body=body[: len(body) // 2], content_type="application/json"
            )
        if kind == "reset":
            stream = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
            stream.content_length = len(body)
            await stream.prepare(request)
            await stream.write(body[: len(body) // 2])
            assert request.transport is not None
            request.transport.close()
            return stream
        # repeat_cursor / missing_cursor
        data = json.loads(body)
        pagination = data.get("pagination", {})
        pagination["has_next_page"] = True
        pagination["end_cursor"] = request.query.get("after") if kind == "repeat_cursor" else None
        return web.Response(body=_json_dumps(data), content_type="application/json")

    def _page_bounds(
        self, request: web.Request, total: int
    ) -> tuple[int, int, web.Response | None]:
        query = request.query
        try:
            per_page = int(query.get("per_page", "500"))
        except ValueError:
            per_page = 0
        if not 1 <= per_page <= _MAX_PER_PAGE:
            return 0, 0, self._errors(422, f"per_page must be between 1 and {_MAX_PER_PAGE}")
        after, before = query.get("after"), query.get("before")
        if after is not None and before is not None:
            return 0, 0, self._errors(422, "Use either after or before, not both")
        cursor = after if after is not None else before
        if cursor is None:
            return 0, min(per_page, total), None
        offset = self._offset(cursor)
        if offset is None:
            return 0, 0, self._errors(422, "Invalid cursor")
        if after is not None:
            return offset, min(offset + per_page, total), None
        end = min(offset, total)
        return max(0, end - per_page), end, None

    def _pagination(self, start: int, end: int, total: int, per_page: int) -> dict[str, Any]:
        return {
            "has_previous_page": start > 0,
            "has_next_page": end < total,
            "start_cursor": self.cursor(start),
            # Like Kit, the last page still has an end cursor.
            "end_cursor": self.cursor(end),
            "per_page": per_page,
        }

    @staticmethod
    def _id(request: web.Request) -> int | None:
        raw = request.match_info["broadcast_id"]
        return int(raw) if raw.isdigit() and int(raw) > 0 else None

    async def _clicks(self, request: web.Request) -> web.Response:
        broadcast_id = self._id(request)
        if broadcast_id is None or not self.is_sent(broadcast_id):
            return self._errors(404, "Not Found")
        total = self.click_count(broadcast_id)
        start, end, error = self._page_bounds(request, total)
        if error is not None:
            return error
        per_page = int(request.query.get("per_page", "500"))
        clicks = [self.click(broadcast_id, i) for i in range(start, end)]
        body = {
            "broadcast": {"id": broadcast_id, "clicks": clicks},
            "pagination": self._pagination(start, end, total, per_page),
        }
        return web.Response(body=_json_dumps(body), content_type="application/json")

    async def _list_broadcasts(self, request: web.Request) -> web.Response:
        status = request.query.get("status")
        ids = list(range(self.broadcast_count, 0, -1))  # newest first, like Kit
        if status is not None:
            valid = ("draft", "scheduled", "sending", "completed", "aborted")
            if status not in valid:
                return self._errors(422, f"status must be one of: {', '.join(valid)}")
            if self.status_filter:
                ids = [i for i in ids if self.status_of(i) == status]
        start, end, error = self._page_bounds(request, len(ids))
        if error is not None:
            return error
        per_page = int(request.query.get("per_page", "500"))
        pagination = self._pagination(start, end, len(ids), per_page)
        if request.query.get("include_total_count") == "true":
            pagination["total_count"] = len(ids)
        body = {"broadcasts": [self.broadcast(i) for i in ids[start:end]], "pagination": pagination}
        return web.Response(body=_json_dumps(body), content_type="application/json")

    async def _get_broadcast(self, request: web.Request) -> web.Response:
        broadcast_id = self._id(request)
        if broadcast_id is None or broadcast_id > self.broadcast_count:
            return self._errors(404, "Not Found")
        return web.Response(
            body=_json_dumps({"broadcast": self.broadcast(broadcast_id)}),
            content_type="application/json",
        )

    async def _stats(self, request: web.Request) -> web.Response:
        broadcast_id = self._id(request)
        if broadcast_id is None or broadcast_id > self.broadcast_count:
            return self._errors(404, "Not Found")
        body = {"broadcast": {"id": broadcast_id, "stats": self.stats(broadcast_id)}}
        return web.Response(body=_json_dumps(body), content_type="application/json")

    async def _token(self, request: web.Request) -> web.Response:
        form: Mapping[str, Any]
        if request.content_type == "application/json":
            form = await request.json()
        else:
            form = await request.post()
        if form.get("grant_type") != "refresh_token":
            return self._oauth_error("unsupported_grant_type", "The grant type is not supported")
        if form.get("client_id") != self.client_id:
            return self._oauth_error("invalid_client", "Client authentication failed")
        refresh = str(form.get("refresh_token", ""))
        if refresh not in self._refresh_tokens:
            return self._oauth_error(
                "invalid_grant",
                "The provided authorization grant is invalid, expired, revoked, does "
                "not match the redirection URI used in the authorization request, or "
                "was issued to another client.",
            )
        self._refresh_tokens.discard(refresh)  # Kit rotates refresh tokens
        access, new_refresh = self.issue_tokens()
        self.refreshes += 1
        body = {
            "access_token": access,
            "refresh_token": new_refresh,
            "token_type": "Bearer",
            "expires_in": int(self.token_ttl) if self.token_ttl is not None else 7200,
            "created_at": int(time.time()),
            "scope": "public",
        }
        return web.Response(body=_json_dumps(body), content_type="application/json")

    @staticmethod
    def _oauth_error(error: str, description: str) -> web.Response:
        body = {"error": error, "error_description": description}
        return web.Response(
            status=400 if error != "invalid_client" else 401,
            body=_json_dumps(body),
            content_type="application/json",
        )
