"""Hooks and their events, used the way users will use them, for the type checker.

Checked by `mypy --strict tests/typing` (`nox -s typecheck`); never run, and not
collected by pytest. Each `# type: ignore[...]` marks a misuse that must stay
an error.
"""

from __future__ import annotations

from collections import Counter
from typing import assert_type

import kit_async
from kit_async import Hooks, RateLimitWaitEvent, RequestEvent, ResponseEvent, RetryEvent

statuses: Counter[tuple[str | None, int | None]] = Counter()


def count(event: ResponseEvent) -> None:
    statuses[event.url_template, event.status] += 1


async def alert(event: RetryEvent) -> None:
    assert_type(event.wait, float)
    assert_type(event.reason, str)


def register(kit: kit_async.KitClient) -> None:
    hooks = kit.hooks
    assert_type(hooks, Hooks)
    assert hooks.on_response(count) is count
    hooks.on_retry(alert)

    @hooks.on_request
    def sent(event: RequestEvent) -> None:
        assert_type(event.attempt, int)

    @hooks.on_rate_limit_wait
    async def waited(event: RateLimitWaitEvent) -> None:
        assert_type(event.waited, float)

    assert_type(hooks.remove(count), bool)
    hooks.on_response(alert)  # type: ignore[arg-type]  # a retry hook is not a response hook
