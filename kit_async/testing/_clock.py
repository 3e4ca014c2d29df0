"""FakeKit's clock: a time source that tests can move forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

__all__ = ["FakeClock"]


class FakeClock:
    """Returns "now" for FakeKit: the time it was given, moved on by `advance`.

    `FakeKit(clock=...)` wraps its callable (the real time by default) in
    one of these, as `server.clock`; every account shares it. Call it for
    the current time.

    Args:
        source: Returns the underlying time (an aware datetime).
    """

    def __init__(self, source: Callable[[], datetime]) -> None:
        self._source = source
        self._offset = timedelta()

    def __call__(self) -> datetime:
        """The current time: the source's plus every advance so far."""
        return self._source() + self._offset

    @property
    def offset(self) -> timedelta:
        """How far `advance` has moved the clock past its source."""
        return self._offset

    def advance(self, seconds: float | timedelta) -> None:
        """Move the clock forward.

        This moves time only: FakeKit's `advance` also makes the delivery
        attempts that fall due on the way.

        Args:
            seconds: How far (seconds or a `timedelta`; not backwards).

        Raises:
            ValueError: `seconds` is negative.
        """
        step = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        if step < timedelta():
            msg = f"the clock only moves forward, not by {step}"
            raise ValueError(msg)
        self._offset += step
