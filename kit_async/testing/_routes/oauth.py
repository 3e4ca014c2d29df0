"""Kit's OAuth token endpoint: refresh an access token (and rotate the refresh token)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .._wire import json_response
from ._route import Route

if TYPE_CHECKING:
    from .._fakekit import FakeKit


def _oauth_error(error: str, description: str) -> web.Response:
    status = 401 if error == "invalid_client" else 400
    return json_response({"error": error, "error_description": description}, status)


async def token(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/oauth/token` with `grant_type=refresh_token` (form or JSON)."""
    form: Mapping[str, Any]
    if request.content_type == "application/json":
        form = await request.json()
    else:
        form = await request.post()
    if form.get("grant_type") != "refresh_token":
        return _oauth_error("unsupported_grant_type", "The grant type is not supported")
    if form.get("client_id") != kit.client_id:
        return _oauth_error("invalid_client", "Client authentication failed")
    if not kit.account.credentials.redeem(str(form.get("refresh_token", ""))):
        return _oauth_error(
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does "
            "not match the redirection URI used in the authorization request, or "
            "was issued to another client.",
        )
    access, refresh = kit.account.credentials.issue()
    kit.refreshes += 1
    return json_response(
        {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": int(kit.token_ttl) if kit.token_ttl is not None else 7200,
            "created_at": int(time.time()),
            "scope": "public",
        }
    )


ROUTES = (Route("POST", "/v4/oauth/token", token, anonymous=True),)
