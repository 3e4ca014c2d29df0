"""FakeKit's aiohttp application: the routes, and the gate every request passes.

The gate (one middleware) answers in Kit's order: the latency, then the
credential (401; it also names the account the request is for, which
`server.account` is while the request is answered), OAuth-only routes refused to an API key (401), the rolling
rate-limit window (429), unknown paths (404) and methods (405), then a scripted
`Fault` if one matches, and finally the route. Every request is recorded.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from ._faults import CutAnswer, Handler, misbehave, take_fault
from ._routes import ROUTES, Route
from ._wire import Refused, errors

if TYPE_CHECKING:
    from ._account import FakeAccount
    from ._fakekit import FakeKit

__all__ = ["RecordedRequest", "make_app"]

_CREDENTIAL_HEADERS = frozenset({"authorization", "x-kit-api-key", "cookie"})

# Every path parameter of Kit's v4 API is an integer id.
_PARAMETER = re.compile(r"\{(\w+)\}")


@attrs.frozen
class RecordedRequest:
    """A request `FakeKit` received, for tests to inspect.

    Attributes:
        method: The HTTP method.
        path: The path, without the query.
        query: The query parameters.
        at: `time.monotonic()` when it arrived.
        status: The status answered; `0` when the connection was cut before a
            complete answer (a `"reset"` fault), so the client got none.
        account_id: The id of the account whose credentials it carried
            (`None`: none, or credentials of no account).
        headers: The request's headers (case-insensitive, read-only),
            without the credentials (`Authorization`, `X-Kit-Api-Key`,
            `Cookie`), which a test's log or assertion message never shows.
    """

    method: str
    path: str
    query: Mapping[str, str]
    at: float
    status: int
    account_id: int | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)


def make_app(kit: FakeKit) -> web.Application:
    """The application serving `kit`'s account, behind its gate."""
    gate = _Gate(kit)
    app = web.Application(middlewares=[gate.middleware])
    for route in ROUTES:
        resource = app.router.add_resource(_PARAMETER.sub(r"{\1:\\d+}", route.path))
        served = resource.add_route(route.method, _serve(route, kit))
        gate.routes[served] = route
    return app


@attrs.frozen
class _Credential:
    value: str
    api_key: bool
    account: FakeAccount


OAUTH_ONLY = "This endpoint accepts only an OAuth access token, not an API key"


def _invalid_token(problem: str) -> web.Response:
    """Kit's 401 for a bearer token it refuses, with Doorkeeper's challenge."""
    challenge = f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{problem}"'
    return errors(401, problem, headers={"WWW-Authenticate": challenge})


def _serve(route: Route, kit: FakeKit) -> Handler:
    """The aiohttp handler of `route`: a `Refused` raised by it becomes Kit's error answer."""
    serve = route.handler

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await serve(kit, request)
        except Refused as refusal:
            return refusal.response()

    return handle


class _Gate:
    """Credentials, OAuth-only routes, the rate-limit window, faults and the record."""

    def __init__(self, kit: FakeKit) -> None:
        self.kit = kit
        self.routes: dict[web.AbstractRoute, Route] = {}

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived = time.monotonic()
        # Known to the server until answered, so that closing it waits for
        # every request in progress whatever aiohttp's version does.
        answering = self.kit._answering
        task = asyncio.current_task()
        if task is not None:
            answering.add(task)
        # Filled with the id of the account the credentials are of, once known.
        owner: list[int] = []
        try:
            response = await self._answer(request, handler, arrived, owner)
        finally:
            if task is not None:
                answering.discard(task)
        self.kit.requests.append(
            RecordedRequest(
                request.method,
                request.path,
                dict(request.query),
                arrived,
                0 if isinstance(response, CutAnswer) else response.status,
                owner[0] if owner else None,
                CIMultiDictProxy(
                    CIMultiDict(
                        (name, value)
                        for name, value in request.headers.items()
                        if name.lower() not in _CREDENTIAL_HEADERS
                    )
                ),
            )
        )
        return response

    async def _answer(
        self, request: web.Request, handler: Handler, arrived: float, owner: list[int]
    ) -> web.StreamResponse:
        kit = self.kit
        if kit.latency:
            await asyncio.sleep(kit.latency)
        route = self.routes.get(request.match_info.route)
        if route is not None and route.anonymous:
            return await handler(request)
        credential = self._credential(request)
        if isinstance(credential, web.Response):
            return credential
        owner.append(credential.account.id)
        if route is not None and route.oauth_only and credential.api_key:
            return errors(401, OAUTH_ONLY)
        if self._over_limit(credential, arrived):
            kit.rate_limited += 1
            return web.Response(status=429, text="Retry later")
        if route is None:
            return self._unrouted(request)
        with kit.serving(credential.account):
            fault = take_fault(kit.faults, request)
            if fault is None:
                return await handler(request)
            if fault.kind == "429":
                kit.rate_limited += 1
            return await misbehave(request, handler, fault)

    def _credential(self, request: web.Request) -> _Credential | web.Response:
        key = request.headers.get("X-Kit-Api-Key")
        if key is not None:
            account = self.kit.account_of(key)
            if account is not None and account.credentials.is_api_key(key):
                return _Credential(key, api_key=True, account=account)
            return errors(401, "The API key is invalid")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ")
            account = self.kit.account_of(token)
            if account is None:
                return _invalid_token("The access token is invalid")
            problem = account.credentials.problem(token)
            if problem is not None:
                return _invalid_token(problem)
            return _Credential(token, api_key=False, account=account)
        return errors(401, "The access token is invalid")

    def _over_limit(self, credential: _Credential, now: float) -> bool:
        # One window per credential: each API key, each access token its own budget.
        limit = self.kit.rate_limit
        if not credential.api_key and self.kit.token_rate_limit is not None:
            limit = self.kit.token_rate_limit
        if limit is None:
            return False
        requests, period = limit
        window = self.kit._windows[credential.value]
        while window and window[0] <= now - period:
            window.popleft()
        if len(window) >= requests:
            return True
        window.append(now)
        return False

    @staticmethod
    def _unrouted(request: web.Request) -> web.Response:
        exception = request.match_info.http_exception
        if isinstance(exception, web.HTTPMethodNotAllowed):
            allowed = ", ".join(sorted(exception.allowed_methods))
            return errors(
                405,
                f"{request.method} is not allowed on {request.path} (allowed: {allowed})",
                headers={"Allow": allowed},
            )
        return errors(404, "Not Found")
