"""The benchmark's server process: one FakeKit on a free loopback port.

Started by `bench/run.py` with the FakeKit options as a JSON argument. It
prints `{"port": N}` on its first line, then answers commands on stdin, one
per line, with one JSON line each:

- `stats`: `{"requests": ..., "rate_limited": ..., "cpu": ...}` since the
  last reset (`cpu`: this process's CPU seconds);
- `reset`: forget the requests, the 429 count and the rate-limit windows;
- `tokens`: `{"tokens": [[account_id, access_token, refresh_token], ...]}`,
  a new pair for every account;
- `quit` (or end of input): stop.

Running the server in its own process keeps its CPU time (building and
encoding pages) out of the client's measurements.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web

from kit_async.testing import FakeKit


class BenchKit(FakeKit):
    """FakeKit that can build each distinct clicks page once and replay it.

    FakeKit builds every page in Python (about 1.4 ms for 1,000 clicks); on
    a small machine that server work competes with the client being
    measured. With `cache=True` a page is built on its first request only,
    so later runs see a server whose cost is just its `latency`, like a
    real API whose CPU is not ours.
    """

    def __init__(self, *, cache: bool = False, **options: Any) -> None:
        super().__init__(**options)
        self._bodies: dict[tuple[str, str], bytes] | None = {} if cache else None

    async def _clicks(self, request: web.Request) -> web.Response:
        if self._bodies is None:
            return await super()._clicks(request)
        key = (request.match_info["broadcast_id"], request.query_string)
        body = self._bodies.get(key)
        if body is None:
            response = await super()._clicks(request)
            if response.status != 200 or not isinstance(response.body, bytes):
                return response
            body = self._bodies[key] = response.body
        return web.Response(body=body, content_type="application/json")


def _reply(value: object) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


async def main(options: dict[str, object]) -> None:
    if "clicks" in options and isinstance(options["clicks"], dict):
        options["clicks"] = {int(k): int(v) for k, v in options["clicks"].items()}
    async with BenchKit(**options) as server:  # type: ignore[arg-type]
        _reply({"port": server.port, "api_key": server.api_key})
        while True:
            line = (await asyncio.to_thread(sys.stdin.readline)).strip()
            if line in {"", "quit"}:
                return
            if line == "stats":
                _reply(
                    {
                        "requests": len(server.requests),
                        "rate_limited": server.rate_limited,
                        "cpu": time.process_time(),
                    }
                )
            elif line == "tokens":
                # A fresh pair for every account, for the pool's benchmark.
                _reply(
                    {
                        "tokens": [
                            [account_id, *server.issue_tokens(account=account)]
                            for account_id, account in server.accounts.items()
                        ]
                    }
                )
            elif line == "reset":
                server.requests.clear()
                server.rate_limited = 0
                server._windows.clear()
                _reply({"ok": True})
            else:
                _reply({"error": f"unknown command {line!r}"})


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
