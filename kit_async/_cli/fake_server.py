"""`kit-async fake-server`: a fake Kit API (FakeKit) on loopback, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ._errors import EXIT_CODES, EXIT_INTERRUPTED, EXIT_LOCAL, EXIT_OK, _CommandError, _run
from ._options import FORMATTER, _Commands, _fake_account_options, _int_between, _wrap
from ._stdio import _silence

#: The fake server's API key. It opens fake data on loopback only, so it is
#: fixed: a restarted `kit-async fake-server` takes the same environment.
FAKE_SERVER_KEY = "kit_fake_server_key"


def add_parser(commands: _Commands) -> None:
    """Add `fake-server` to the command line."""
    parser = commands.add_parser(
        "fake-server",
        help="run a fake Kit API (FakeKit) on loopback",
        description=_wrap(
            "Run kit_async.testing.FakeKit in the foreground, for trying kit-async "
            "or another program without a Kit account. Ctrl-C stops it (exit code 0)."
        ),
        epilog=EXIT_CODES,
        formatter_class=FORMATTER,
    )
    parser.add_argument(
        "--port",
        type=_int_between(0, 65535),
        default=8765,
        help="port on 127.0.0.1 (default: %(default)s; 0 picks a free one)",
    )
    _fake_account_options(parser, broadcasts=10, clicks=1200)
    parser.set_defaults(run=run, parser=parser)


async def _until_interrupted() -> None:
    await asyncio.Event().wait()


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:  # noqa: ARG001 - one signature for every command
    """Serve until Ctrl-C; return the exit code."""
    from ..testing import FakeKit

    async def serve() -> None:
        server = FakeKit(
            broadcasts=args.broadcasts,
            clicks=args.clicks,
            api_key=FAKE_SERVER_KEY,
            port=args.port,
        )
        try:
            await server.start()
        except OSError as exc:
            msg = f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}"
            raise _CommandError(EXIT_LOCAL, msg) from None
        try:
            sent = server.broadcast_count - server.drafts
            print(
                f"FakeKit is serving a fake Kit account at {server.url}\n"
                f"  {server.broadcast_count} broadcasts (ids 1-{server.broadcast_count}; "
                f"the last {server.drafts} are unsent), {args.clicks:,} clicks each "
                f"of the {sent} sent ones.\n"
                "Point kit-async (or any Kit client) at it; the fake key is not a secret:\n\n"
                f"  export KIT_BASE_URL={server.url}\n"
                f"  export KIT_API_KEY={server.api_key}\n"
                "  kit-async clicks --all\n\n"
                "Press Ctrl-C to stop.",
                flush=True,
            )
            await _until_interrupted()
        finally:
            await server.close()

    try:
        _run(serve())
    except _CommandError as failure:
        if failure.code != EXIT_INTERRUPTED:
            raise
        try:
            print("FakeKit stopped.", flush=True)
        except OSError:  # Ctrl-C stopped it, not the reader: a courtesy line is no failure
            _silence(sys.stdout)
    return EXIT_OK
