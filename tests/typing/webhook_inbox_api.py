"""`kit_async.webhooks.Inbox`, used the way users will, for the type checker.

Checked by `mypy --strict` (`nox -s typecheck`); never run. Each
`# type: ignore[...]` marks a misuse that must stay an error.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import assert_type

from kit_async import KitClient, KitError
from kit_async.webhooks import (
    Inbox,
    InboxError,
    InboxEvent,
    Received,
    WebhookEvent,
    WebhookVerifier,
    exponential_backoff,
)


async def handle(event: WebhookEvent) -> None:
    print(event.id)


async def use(body: bytes, headers: dict[str, str], kit: KitClient) -> None:
    async with Inbox("postgresql://kit@db/app", secret=["whsec_new", "whsec_old"]) as inbox:
        assert_type(inbox, Inbox)
        received = await inbox.receive(body, headers)
        assert_type(received, Received)
        assert_type(received.duplicates, int)
        assert_type(await inbox.drain(handle, concurrency=4, max_attempts=3), int)
        assert_type(await inbox.process_once(handle, backoff=lambda n: 10.0 * n), int)
        await inbox.process(handle, poll_interval=0.5)
        dead = await inbox.dead()
        assert_type(dead, list[InboxEvent])
        assert_type(dead[0].received_at, datetime)
        await inbox.replay(dead[0].event.id)
        assert_type(await inbox.reconcile(kit, 7), int)
        assert_type(await inbox.counts(), dict[str, int])
        await inbox.receive(body.decode(), headers)  # type: ignore[arg-type]
        await inbox.process(lambda event: None)  # type: ignore[arg-type, return-value]
    Inbox(Path("inbox.sqlite"), verifier=WebhookVerifier("whsec_..."), clock=lambda: 0.0)
    assert_type(exponential_backoff(2), float)
    error: KitError = InboxError("x", database="inbox.sqlite")
    print(error)
