"""Opening an SQLite file with aiosqlite, shared by the sync target and the token store.

aiosqlite is optional (the `[sync]` and `[apps]` extras): it is imported
when a connection is opened, not with this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiosqlite

__all__ = ["connect_sqlite"]


async def connect_sqlite(path: Path, *, busy: float) -> aiosqlite.Connection:
    """An aiosqlite connection to `path` that leaves no thread behind when it fails.

    `aiosqlite.connect` starts its worker thread before SQLite opens the file,
    and when the open fails it tells the thread to stop without waiting for
    it: the thread then reports to an event loop that `asyncio.run` may have
    closed meanwhile ("RuntimeError: Event loop is closed", printed after the
    command's own error). So SQLite opens the file first, in the loop's
    executor (which `asyncio.run` waits for), and the worker thread starts
    only with a connection that exists, to be stopped by `close()`. `busy`
    is how long a statement waits for another connection's lock, in seconds.
    """
    opening = asyncio.ensure_future(_open(path, busy))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        # It opens all the same: close it before the cancellation goes on.
        with contextlib.suppress(Exception):
            await (await opening).close()
        raise


async def _open(path: Path, busy: float) -> aiosqlite.Connection:
    import aiosqlite  # optional (an extra): imported when first needed

    raw = await asyncio.to_thread(
        sqlite3.connect, path, isolation_level=None, timeout=busy, check_same_thread=False
    )
    try:
        return await aiosqlite.Connection(lambda: raw, iter_chunk_size=64)
    except BaseException:
        raw.close()
        raise
