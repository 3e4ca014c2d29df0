"""An event loop on a virtual clock: time passes only when every task waits for a timer.

`run_on_fake_clock(coroutine)` runs code that waits with `asyncio.sleep`,
`asyncio.timeout` and the like in no real time at all: when the loop has
nothing ready to run, its clock jumps to the next timer instead of sleeping.
Durations measured with `loop.time()` are then exact, whatever the load of
the machine. Real I/O still works (it is polled without waiting), but a test
that waits on a socket or a thread should use the real clock.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    """Polls without waiting; a wait for the next timer moves the clock instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout is None or timeout <= 0:
            # Something to do, or nothing scheduled at all: only real I/O can
            # wake the loop then, so wait for it as a normal loop would.
            return ready if ready or timeout is not None else super().select(None)
        self.now += timeout
        return []


class FakeClockLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose `time()` is virtual and starts at 0."""

    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(self._jumping)

    def time(self) -> float:
        return self._jumping.now


def run_on_fake_clock(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to completion on a fresh `FakeClockLoop`, then close it."""
    loop = FakeClockLoop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def on_fake_clock(
    test: Callable[..., Coroutine[Any, Any, None]],
) -> Callable[..., None]:
    """Turn an `async def` test into a plain one that runs on a `FakeClockLoop`.

    pytest then sees an ordinary function, so pytest-asyncio leaves it alone.
    """

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        run_on_fake_clock(test(*args, **kwargs))

    return run


__all__ = ["FakeClockLoop", "on_fake_clock", "run_on_fake_clock"]
