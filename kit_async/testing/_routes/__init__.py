"""Every operation FakeKit serves, one module per Kit resource."""

from __future__ import annotations

from . import (
    account,
    broadcasts,
    bulk,
    custom_fields,
    email_templates,
    forms,
    oauth,
    posts,
    purchases,
    segments,
    sequence_emails,
    sequences,
    snippets,
    subscriber_filter,
    subscribers,
    tags,
    webhook_deliveries,
    webhooks,
)
from ._route import Handler, Route

__all__ = ["ROUTES", "Handler", "Route"]

ROUTES: tuple[Route, ...] = (
    *broadcasts.ROUTES,
    # Before /v4/subscribers/{id}, whose PUT would otherwise answer 405 to it.
    *subscriber_filter.ROUTES,
    *subscribers.ROUTES,
    *tags.ROUTES,
    *custom_fields.ROUTES,
    *forms.ROUTES,
    *sequences.ROUTES,
    *sequence_emails.ROUTES,
    *purchases.ROUTES,
    *posts.ROUTES,
    *snippets.ROUTES,
    *segments.ROUTES,
    *email_templates.ROUTES,
    *account.ROUTES,
    *webhooks.ROUTES,
    *webhook_deliveries.ROUTES,
    *bulk.ROUTES,
    *oauth.ROUTES,
)
"""Every route, in registration order (a literal path before a template it would match)."""
