"""An app's own table beside the webhook inbox, and a processor to run as a separate process.

`AppTable` is what the idempotent-handler recipe keeps: one row per effect,
keyed by the event id, in the same database (SQLite or PostgreSQL) as the
inbox. `python inbox_app.py DATABASE SECRET VICTIM` runs a processor whose
handler applies the effect, then, for the event `VICTIM`, prints `inside` and
waits forever inside the handler: the test kills it there.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from kit_async.sync._target import parse_database
from kit_async.webhooks import Inbox, WebhookEvent

__all__ = ["AppTable", "main"]


class AppTable:
    """The app's effects (`app_effects`), one row per event id at most (a pool on PostgreSQL)."""

    def __init__(self, database: str) -> None:
        self._target = parse_database(database)
        self._db: Any = None

    async def __aenter__(self) -> AppTable:
        if self._target.kind == "postgresql":
            import asyncpg

            self._db = await asyncpg.create_pool(self._target.dsn, min_size=1, max_size=5)
        else:
            import aiosqlite

            assert self._target.path is not None
            self._db = await aiosqlite.connect(self._target.path, timeout=30)
        await self._run("CREATE TABLE IF NOT EXISTS app_effects (event_id TEXT PRIMARY KEY)")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._db.close()

    async def _run(self, sql: str, *args: Any) -> list[Any]:
        if self._target.kind == "postgresql":
            numbered = sql.replace("?", "$1", 1).replace("?", "$2", 1)
            return list(await self._db.fetch(numbered, *args))
        async with self._db.execute(sql, args) as cursor:
            rows = list(await cursor.fetchall())
        await self._db.commit()
        return rows

    async def apply(self, event_id: str) -> bool:
        """The effect, once per event id: False when it was applied before."""
        rows = await self._run(
            "INSERT INTO app_effects (event_id) VALUES (?)"
            " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
            event_id,
        )
        return bool(rows)

    async def effects(self) -> list[str]:
        """Every event id with an effect (duplicates impossible: the key is unique)."""
        return sorted(str(row[0]) for row in await self._run("SELECT event_id FROM app_effects"))


async def main(database: str, secret: str, victim: str) -> None:
    async with Inbox(database, secret=secret) as inbox, AppTable(database) as table:

        async def handle(event: WebhookEvent) -> None:
            await table.apply(event.id)
            if event.id == victim:
                print("inside", flush=True)
                await asyncio.Event().wait()  # killed here, before the inbox hears back

        await inbox.process(handle, concurrency=1, poll_interval=0.05)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
