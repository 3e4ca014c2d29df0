"""A loopback stand-in for Kit that answers from a script, for unit tests of writes.

FakeKit behaves like Kit; this answers whatever a test scripts (a 500, a 204,
a 202) and records exactly what arrived, so "sent once" is counted at a real
server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


class Scripted:
    """A loopback Kit stand-in: records every request, answers from a script."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, str, bytes, dict[str, str]]] = []
        self.answers: list[web.Response] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(
            (
                request.method,
                request.raw_path.split("?")[0],
                request.query_string,
                body,
                dict(request.headers),
            )
        )
        if self.answers:
            return self.answers.pop(0)
        return web.json_response({"ok": True}, status=201)


@asynccontextmanager
async def serve_scripted() -> AsyncIterator[Scripted]:
    """A `Scripted` server on a free loopback port, for the length of the block."""
    server = Scripted()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()
