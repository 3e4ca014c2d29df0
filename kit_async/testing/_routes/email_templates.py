"""Email templates (read-only): the list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .. import _paging
from .._wire import json_response
from ._route import Route

if TYPE_CHECKING:
    from .._fakekit import FakeKit


async def list_email_templates(kit: FakeKit, request: web.Request) -> web.Response:
    """`GET /v4/email_templates`: newest first."""
    account = kit.account
    templates = [account.email_templates[i] for i in sorted(account.email_templates, reverse=True)]
    page = _paging.page_of(request.query, templates)
    if isinstance(page, web.Response):
        return page
    shown, pagination = page
    items = [
        {"id": t.id, "name": t.name, "is_default": t.is_default, "category": t.category}
        for t in shown
    ]
    return json_response({"email_templates": items, "pagination": pagination})


ROUTES = (Route("GET", "/v4/email_templates", list_email_templates),)
