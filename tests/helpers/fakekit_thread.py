"""A FakeKit served from its own event loop in a thread, for code that runs its own loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from kit_async.testing import FakeKit


@contextlib.contextmanager
def serve_in_thread(**options: Any) -> Iterator[FakeKit]:
    """A FakeKit on its own event loop in a thread, so `main()` can run its own."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        async with FakeKit(**options) as server:
            box["server"], box["stop"] = server, asyncio.Event()
            box["loop"] = asyncio.get_running_loop()
            ready.set()
            await box["stop"].wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "FakeKit did not start"
    try:
        yield box["server"]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(10)
