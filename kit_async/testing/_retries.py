"""How FakeKit attempts and retries a webhook delivery, as Kit's webhook guides describe it.

Each delivery is a small state machine: `pending` until its first attempt;
then `delivered` on a 2xx, `failed` at once on a 3xx (not followed) or a
4xx (410 Gone included: it stops retries), and `retrying` on a 5xx, a 429,
a timeout or an unreachable receiver, with the next attempt due 30 s, 2 min,
15 min, 1 h, 4 h, 12 h and 24 h after the failed ones (8 attempts in all,
then `failed`). A `Retry-After` of whole seconds on a 429 or a 503 is
honoured: the next attempt waits at least that long. Kit names the 429 only
with `Retry-After`; FakeKit reads "honoured" as "retried".

Nothing runs in the background: attempts fall due on FakeKit's clock, and
`FakeKit.advance()` (or `run_due_deliveries()`) makes the due ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp

from ._deliveries import DeliveryAttempt, WebhookDelivery
from ._webhooks import send_delivery

if TYPE_CHECKING:
    from ._fakekit import FakeKit
    from ._records import WebhookEndpointRecord

__all__ = ["RETRY_DELAYS", "advance", "attempt", "run_due"]

#: The waits before the retries, in seconds, after each failed attempt.
RETRY_DELAYS = (30, 120, 15 * 60, 60 * 60, 4 * 60 * 60, 12 * 60 * 60, 24 * 60 * 60)
# How much of the receiver's answer an attempt keeps.
_RESPONSE_KEPT = 1024
_WAITING = ("pending", "retrying")


def _endpoint(kit: FakeKit, delivery: WebhookDelivery) -> WebhookEndpointRecord | None:
    account = kit.accounts.get(delivery.account_id or 0)
    return None if account is None else account.webhook_endpoints.get(delivery.endpoint_id)


def _now(kit: FakeKit, delivery: WebhookDelivery) -> datetime:
    account = kit.accounts.get(delivery.account_id or 0)
    return kit.clock() if account is None else account.clock()


def _waiting(kit: FakeKit, delivery: WebhookDelivery) -> bool:
    """Waiting for an attempt to an active endpoint (a disabled one pauses it)."""
    endpoint = _endpoint(kit, delivery)
    return (
        delivery.state in _WAITING
        and delivery.next_attempt_at is not None
        and endpoint is not None
        and endpoint.status == "active"
    )


async def attempt(kit: FakeKit, deliveries: Iterable[WebhookDelivery]) -> None:
    """Make one attempt of each delivery, concurrently, and move each to its next state."""
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(_attempt(kit, session, delivery) for delivery in deliveries))


def _retry_after(status: int | None, value: str | None) -> int:
    if status not in {429, 503} or value is None or not value.strip().isdigit():
        return 0
    return int(value.strip())


async def _attempt(kit: FakeKit, session: aiohttp.ClientSession, delivery: WebhookDelivery) -> None:
    endpoint = _endpoint(kit, delivery)
    if endpoint is None:  # deleted: Kit delivers nothing more to it
        delivery.state, delivery.next_attempt_at = "failed", None
        delivery.completed_at = _now(kit, delivery)
        return
    attempted_at = _now(kit, delivery)
    secrets = endpoint.secrets_at(attempted_at)
    status: int | None = None
    error: str | None = None
    answer = b""
    wait = 0
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        # Signed at the real time: the receiver checks the signature's age
        # against its own clock, whatever FakeKit's clock says.
        status, answer, headers = await send_delivery(
            endpoint.url,
            delivery.body,
            secrets=secrets,
            session=session,
            delivery_id=delivery.delivery_id,
            give_up_after=kit.delivery_timeout,
        )
        wait = _retry_after(status, headers.get("Retry-After"))
    except TimeoutError:
        error = f"TimeoutError: no answer within {kit.delivery_timeout:g} s"
    except (aiohttp.ClientError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    delivery.url = endpoint.url
    delivery.attempts.append(
        DeliveryAttempt(
            attempted_at=attempted_at,
            status=status,
            error=error,
            response=answer[:_RESPONSE_KEPT],
            duration_ms=round((loop.time() - started) * 1000),
            secrets=len(secrets),
        )
    )
    _settle(delivery, status, _now(kit, delivery), wait)


def _settle(delivery: WebhookDelivery, status: int | None, now: datetime, wait: int) -> None:
    """The delivery's state after an attempt that got `status` (`None`: no answer)."""
    retried = status is None or status >= 500 or status == 429
    if status is not None and 200 <= status < 300:
        delivery.state = "delivered"
    elif retried and len(delivery.attempts) <= len(RETRY_DELAYS):
        delay = max(RETRY_DELAYS[len(delivery.attempts) - 1], wait)
        delivery.state, delivery.next_attempt_at = "retrying", now + timedelta(seconds=delay)
        return
    else:
        delivery.state = "failed"
    delivery.next_attempt_at, delivery.completed_at = None, now


def _due(kit: FakeKit, delivery: WebhookDelivery) -> bool:
    moment = delivery.next_attempt_at
    return _waiting(kit, delivery) and moment is not None and moment <= _now(kit, delivery)


async def run_due(kit: FakeKit) -> list[WebhookDelivery]:
    """Make the attempts due now, by each delivery's account clock; the deliveries tried."""
    due = [delivery for delivery in kit.deliveries if _due(kit, delivery)]
    if due:
        await attempt(kit, due)
    return due


async def advance(kit: FakeKit, step: timedelta) -> list[WebhookDelivery]:
    """Move `kit.clock` on by `step`, stopping at each attempt due on the way to make it.

    Each attempt runs at the moment it is due (the clock is moved there
    first), so a receiver sees the retries in Kit's order and the history
    shows Kit's times.
    """
    if step < timedelta():
        msg = f"the clock only moves forward, not by {step}"
        raise ValueError(msg)
    target = kit.clock() + step
    tried: dict[int, WebhookDelivery] = {}
    while True:
        upcoming = [
            delivery.next_attempt_at
            for delivery in kit.deliveries
            if _waiting(kit, delivery)
            and delivery.next_attempt_at is not None
            and delivery.next_attempt_at <= target
        ]
        if not upcoming:
            break
        now = kit.clock()
        kit.clock.advance(max(min(upcoming) - now, timedelta()))
        done = await run_due(kit)
        if not done:  # due by FakeKit's clock but not by its account's own
            break
        tried.update((id(delivery), delivery) for delivery in done)
    now = kit.clock()
    kit.clock.advance(max(target - now, timedelta()))
    tried.update((id(delivery), delivery) for delivery in await run_due(kit))
    return list(tried.values())
