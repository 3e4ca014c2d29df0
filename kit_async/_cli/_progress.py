"""The live progress display on stderr (rich), for any command over broadcasts."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterable, Sequence
from typing import IO, Protocol

from .._client import KitClient
from ._stdio import _is_tty


class Counts(Protocol):
    """What the display shows, read at every refresh.

    An export's `ExportState` is one; a command with other work over
    broadcasts keeps its own counters with the same names.
    """

    @property
    def total(self) -> int | None:
        """Broadcasts to go through, once known."""

    @property
    def done(self) -> int:
        """Broadcasts finished."""

    @property
    def pages(self) -> int:
        """Pages fetched."""

    @property
    def clicks(self) -> int:
        """Clicks fetched (or written)."""

    @property
    def missing(self) -> Sequence[int]:
        """Broadcasts that answered 404."""


class _Progress:
    """A live progress display on stderr (rich), refreshed by pages and a ticker.

    Line one: broadcasts done of total, pages and clicks fetched. Line two,
    only while the rate limiter holds requests back: how many and how long.
    """

    def __init__(
        self, stream: IO[str], state: Counts, kit: KitClient, label: str, *, transient: bool
    ) -> None:
        from rich.console import Console, RenderableType
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class Display(Progress):
            status = ""

            def get_renderables(self) -> Iterable[RenderableType]:
                yield self.make_tasks_table(self.tasks)
                if self.status:
                    yield Text(self.status, style="yellow")

        self._state = state
        self._kit = kit
        self._held_since: float | None = None
        self._progress = Display(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=15),
            MofNCompleteColumn(),
            TextColumn("broadcasts • {task.fields[detail]}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=transient,
            # The command writes to stdout itself; rich must not capture it.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = self._progress.add_task(label, total=state.total, detail="")
        self._ticker: asyncio.Task[None] | None = None

    def _wait_text(self) -> str:
        limiter = self._kit.rate_limit
        if limiter is None or not limiter.waiting:
            self._held_since = None
            return ""
        now = time.monotonic()
        if self._held_since is None:
            self._held_since = now
        held = now - self._held_since
        if held < 0.5:  # every request queues for an instant; only show real waits
            return ""
        return (
            f"  rate limit ({limiter.requests} per {limiter.period:.0f} s): "
            f"{limiter.waiting} requests held back for {held:.0f} s"
        )

    def refresh(self) -> None:
        state = self._state
        detail = f"{state.pages:,} pages • {state.clicks:,} clicks"
        if state.missing:
            detail += f" • {len(state.missing)} not found"
        self._progress.status = self._wait_text()
        self._progress.update(self._task, total=state.total, completed=state.done, detail=detail)

    async def _tick(self) -> None:
        while True:
            self.refresh()
            await asyncio.sleep(0.2)

    def start(self) -> None:
        self._progress.start()
        self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        self.refresh()
        self._progress.stop()


def _progress_for(
    state: Counts, kit: KitClient, label: str, *, data_on_terminal: bool, transient: bool
) -> _Progress | None:
    """A progress display when stderr is a terminal that the data does not go to."""
    if not _is_tty(sys.stderr) or data_on_terminal:
        return None
    try:
        return _Progress(sys.stderr, state, kit, label, transient=transient)
    except ImportError:  # rich is the optional extra kit-async[cli]
        return None
