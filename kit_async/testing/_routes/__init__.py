"""Every operation FakeKit serves, one module per Kit resource."""

from __future__ import annotations

from . import broadcasts, oauth
from ._route import Handler, Route

__all__ = ["ROUTES", "Handler", "Route"]

ROUTES: tuple[Route, ...] = (*broadcasts.ROUTES, *oauth.ROUTES)
"""Every route, in registration order (a literal path before a template it would match)."""
