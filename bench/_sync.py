"""Requests a sync spends, beside an export of every click (`bench/run.py`, measure 5).

One FakeKit account of N sent broadcasts, in this process (the figures are
request counts, which the machine's load cannot change; the wall times are
shown for information only):

1. `kit-async clicks --all` (the CLI's own export code, output dropped);
2. a first `sync_clicks` into an empty SQLite database;
3. a re-sync after `changed` broadcasts got new clicks;
4. a re-sync with no change;
5. the same first sync / re-sync where Kit refuses the stats (403).

Prints one JSON line. Usage: `python bench/_sync.py '{"broadcasts": 1000, ...}'`.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import kit_async
from kit_async._cli._export import ExportState, export_clicks
from kit_async._cli._outputs import NullOutput
from kit_async.sync import sync_clicks
from kit_async.testing import FakeKit


def _clicks_requests(server: FakeKit) -> int:
    return sum(1 for r in server.requests if r.path.endswith("/clicks"))


async def _measure(server: FakeKit, run: Any) -> dict[str, Any]:
    server.requests.clear()
    started = time.perf_counter()
    report = await run()
    wall = time.perf_counter() - started
    return {
        "requests": len(server.requests),
        "clicks_requests": _clicks_requests(server),
        "listing_requests": len(server.requests) - _clicks_requests(server),
        "wall_seconds": wall,
        "report": None if report is None else _report(report),
    }


def _report(report: Any) -> dict[str, Any]:
    if isinstance(report, ExportState):
        return {"broadcasts": report.done, "clicks": report.clicks}
    return {
        "fetched": report.fetched,
        "unchanged": report.unchanged,
        "settled": report.settled,
        "clicks_written": report.clicks_written,
        "requests": report.requests,
    }


async def main(options: dict[str, Any]) -> dict[str, Any]:
    broadcasts, clicks, changed = options["broadcasts"], options["clicks"], options["changed"]
    results: dict[str, Any] = dict(options)
    server = FakeKit(broadcasts=broadcasts, clicks=clicks, drafts=0)
    async with (
        server,
        kit_async.KitClient(
            server.api_key, base_url=server.url, rate_limit=None, timeout=30
        ) as kit,
    ):
        results["export_all"] = await _measure(
            server,
            lambda: export_clicks(
                kit, None, NullOutput(), per_page=1000, concurrency=8, state=ExportState()
            ),
        )
        with tempfile.TemporaryDirectory() as where:
            database = Path(where) / "kit-clicks.sqlite"
            results["first_sync"] = await _measure(server, lambda: sync_clicks(kit, database))
            picked = random.Random(11).sample(range(1, broadcasts + 1), changed)
            for broadcast_id in picked:
                server.account.add_clicks(broadcast_id, "https://example.com/new-link", 3)
            results["changed_ids"] = sorted(picked)
            results["resync"] = await _measure(server, lambda: sync_clicks(kit, database))
            results["no_change"] = await _measure(server, lambda: sync_clicks(kit, database))
        server.stats_forbidden = True
        with tempfile.TemporaryDirectory() as where:
            database = Path(where) / "kit-clicks.sqlite"
            results["fallback_first"] = await _measure(server, lambda: sync_clicks(kit, database))
            results["fallback_resync"] = await _measure(server, lambda: sync_clicks(kit, database))
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
