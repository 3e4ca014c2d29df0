"""Kit's OAuth endpoints: the authorization page, the token endpoint, revocation.

`GET /v4/oauth/authorize` serves a page with Allow and Deny buttons whose
form posts back here, and a choice of the account the creator allows it for
(`account_id`; the request's `account_id` parameter picks it beforehand,
else the first account); the answer redirects the creator to the app's
`redirect_uri` with a `code` (or `error=access_denied`) and the `state`.
`POST /v4/oauth/token` exchanges such a code (PKCE S256 checked) or a refresh
token for a new pair of the same account; `POST /v4/oauth/revoke` revokes a
pair (RFC 7009).
"""

from __future__ import annotations

import html
import logging
import secrets
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .._authorizations import INVALID_GRANT, AuthorizationAsk, BadAsk, GrantRefused
from .._wire import json_response
from ._route import Route

if TYPE_CHECKING:
    from .._account import FakeAccount
    from .._fakekit import FakeKit

log = logging.getLogger("kit_async.testing")


def _oauth_error(error: str, description: str) -> web.Response:
    status = 401 if error == "invalid_client" else 400
    return json_response({"error": error, "error_description": description}, status)


def _client_refused(kit: FakeKit, form: Mapping[str, Any]) -> web.Response | None:
    """Kit's `invalid_client` answer when the form's client is not the app's, else `None`."""
    if form.get("client_id") != kit.client_id:
        return _oauth_error("invalid_client", "Client authentication failed")
    if kit.client_secret is not None and not secrets.compare_digest(
        str(form.get("client_secret", "")).encode(), kit.client_secret.encode()
    ):
        return _oauth_error("invalid_client", "Client authentication failed")
    return None


_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authorize application · FakeKit</title></head>
<body>
<h1>Authorize application</h1>
<p>An application (client <code>{client_id}</code>) asks to use your Kit account
<strong>{account}</strong>{scope}.</p>
<form method="post" action="/v4/oauth/authorize">
{fields}
<p><label for="account_id">Kit account</label>
<select id="account_id" name="account_id">
{accounts}
</select></p>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body>
</html>
"""

_REFUSED = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authorization error · FakeKit</title></head>
<body><h1>Authorization error</h1><p>{message}</p></body>
</html>
"""


def _chosen(kit: FakeKit, params: Mapping[str, str]) -> FakeAccount:
    """The account named by the request's `account_id` (the first one without it)."""
    chosen = params.get("account_id")
    if chosen is None:
        return next(iter(kit.accounts.values()))
    if not chosen.isdigit() or int(chosen) not in kit.accounts:
        msg = "There is no such Kit account (account_id)"
        raise BadAsk(msg)
    return kit.accounts[int(chosen)]


def _refused_page(problem: BadAsk) -> web.Response:
    # Never redirected: the redirect_uri of a bad request cannot be trusted.
    text = _REFUSED.format(message=html.escape(str(problem)))
    return web.Response(status=400, text=text, content_type="text/html")


async def authorize_page(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/oauth/authorize`: the page asking the creator to allow the app."""
    try:
        ask = AuthorizationAsk.read(request.query, kit.client_id)
        chosen = _chosen(kit, request.query)
    except BadAsk as problem:
        return _refused_page(problem)
    fields = "\n".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in request.query.items()
        if name != "account_id"
    )
    accounts = "\n".join(
        f'<option value="{account_id}"{" selected" if account is chosen else ""}>'
        f"{html.escape(account.name)}</option>"
        for account_id, account in kit.accounts.items()
    )
    scope = f" (scopes: {html.escape(ask.scope)})" if ask.scope else ""
    page = _PAGE.format(
        client_id=html.escape(ask.client_id),
        account=html.escape(chosen.name),
        scope=scope,
        fields=fields,
        accounts=accounts,
    )
    return web.Response(text=page, content_type="text/html")


async def authorize_decision(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/oauth/authorize`: the page's Allow or Deny, redirected to the app."""
    form = await request.post()
    params = {name: value for name, value in form.items() if isinstance(value, str)}
    try:
        ask = AuthorizationAsk.read(params, kit.client_id)
        chosen = _chosen(kit, params)
    except BadAsk as problem:
        return _refused_page(problem)
    if params.get("decision") == "allow":
        target = kit.authorizations.allow(ask, chosen.id)
    else:
        target = kit.authorizations.deny(ask)
    raise web.HTTPFound(target)


async def _form(request: web.Request) -> Mapping[str, Any]:
    if request.content_type == "application/json":
        parsed = await request.json()
        return parsed if isinstance(parsed, dict) else {}
    return await request.post()


def _pair(account: FakeAccount) -> web.Response:
    access, refresh = account.credentials.issue()
    ttl = account.credentials.ttl
    return json_response(
        {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": int(ttl) if ttl is not None else 7200,
            "created_at": int(time.time()),
            "scope": "public",
        }
    )


async def token(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/oauth/token`: `grant_type=authorization_code` or `refresh_token` (form or JSON)."""
    form = await _form(request)
    grant = form.get("grant_type")
    if grant not in {"refresh_token", "authorization_code"}:
        return _oauth_error("unsupported_grant_type", "The grant type is not supported")
    refused = _client_refused(kit, form)
    if refused is not None:
        return refused
    if grant == "authorization_code":
        try:
            account_id = kit.authorizations.redeem(form)
        except GrantRefused as problem:
            log.info("FakeKit refused an authorization code: %s", problem)
            return _oauth_error("invalid_grant", INVALID_GRANT)
        account = kit.accounts.get(account_id)
        if account is None:  # removed from server.accounts since it allowed the app
            return _oauth_error("invalid_grant", INVALID_GRANT)
        kit.code_exchanges.add(account.id)
        return _pair(account)
    refresh = str(form.get("refresh_token", ""))
    account = kit.account_of(refresh)
    if account is None or not account.credentials.redeem(refresh):
        kit.refused_refreshes.add(None if account is None else account.id)
        return _oauth_error("invalid_grant", INVALID_GRANT)
    kit.refreshes.add(account.id)
    return _pair(account)


async def revoke(kit: FakeKit, request: web.Request) -> web.Response:
    """`POST /v4/oauth/revoke` (RFC 7009): the token and its pair stop working.

    An unknown token is answered 200 too, as RFC 7009 asks.
    """
    form = await _form(request)
    refused = _client_refused(kit, form)
    if refused is not None:
        return refused
    if not form.get("client_secret") or not form.get("token"):
        return _oauth_error("invalid_request", "token, client_id and client_secret are required")
    account = kit.account_of(str(form["token"]))
    if account is not None:
        account.credentials.revoke(str(form["token"]))
    return json_response({})


ROUTES = (
    Route("GET", "/v4/oauth/authorize", authorize_page, anonymous=True),
    Route("POST", "/v4/oauth/authorize", authorize_decision, anonymous=True),
    Route("POST", "/v4/oauth/token", token, anonymous=True),
    Route("POST", "/v4/oauth/revoke", revoke, anonymous=True),
)
