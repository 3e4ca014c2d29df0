"""`kit-async sync`: keep a database of every broadcast's clicks current."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import attrs

from ..sync import DatabaseError, SyncError, SyncLockedError, SyncProgress, SyncReport
from ..sync._errors import WAIT_HINT
from ..sync._sync import open_store, sync_clicks
from ..sync._target import DEFAULT_DATABASE, parse_database
from ._config import ENVIRONMENT, _client
from ._errors import EXIT_CODES, EXIT_CONFIG, EXIT_LOCAL, EXIT_OK, _CommandError, _run
from ._options import FORMATTER, _Commands, _fetch_options, _int_between, _wrap, sync_options
from ._progress import _progress_for
from ._stdio import _writing


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        msg = f"invalid value {text!r}: expected a number of seconds, 0 or more"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_parser(commands: _Commands) -> None:
    """Add `sync` to the command line."""
    parser = commands.add_parser(
        "sync",
        help="keep a SQLite or PostgreSQL database of every broadcast's clicks current",
        description=_wrap(
            "Bring a database's copy of every broadcast's link clicks up to date, "
            "fetching only the broadcasts whose stats changed (GET /v4/broadcasts/stats; "
            "where Kit refuses it, those sent within --recent-days and those never "
            "synced). Creates the tables on first use. Prints a report; a progress "
            "display appears on stderr when it is a terminal."
        ),
        epilog="examples:\n  kit-async sync\n"
        "  kit-async sync --database analytics/kit.sqlite\n"
        "  kit-async sync --database postgresql://kit@db.internal/marketing --prune\n\n"
        f"{ENVIRONMENT}\n{EXIT_CODES}",
        formatter_class=FORMATTER,
    )
    parser.add_argument(
        "--database",
        metavar="PATH_OR_URL",
        default=DEFAULT_DATABASE,
        help="a SQLite file, sqlite:///PATH, or postgresql://USER@HOST/DATABASE "
        "(default: %(default)s in the current directory)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="refresh every sent broadcast, whatever the database holds",
    )
    parser.add_argument(
        "--recent-days",
        type=_int_between(0),
        default=30,
        metavar="N",
        help="where Kit refuses the stats (403): fetch broadcasts sent within N days, "
        "and those never synced (default: %(default)s)",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="delete the rows of broadcasts deleted from Kit (default: only mark them)",
    )
    parser.add_argument(
        "--wait",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another sync of the same account into the same database "
        "to finish "
        "(default: stop at once)",
    )
    parser.add_argument(
        "--account",
        type=_int_between(1),
        metavar="ID",
        help="sync this account of a Kit App's token store (with --token-store; "
        "credentials from KIT_CLIENT_ID, KIT_CLIENT_SECRET, KIT_TOKEN_STORE_KEY) "
        "instead of the account of KIT_API_KEY or KIT_ACCESS_TOKEN",
    )
    parser.add_argument(
        "--token-store",
        metavar="URL",
        help="the token store of --account (default: KIT_TOKEN_STORE_URL)",
    )
    _fetch_options(parser)
    parser.set_defaults(run=run, parser=parser)


@attrs.define
class _SyncCounts:
    """The sync's progress, in the shape the progress display reads."""

    total: int | None = None
    done: int = 0
    pages: int = 0
    clicks: int = 0
    missing: Sequence[int] = ()

    def update(self, where: SyncProgress) -> None:
        if where.phase == "fetching":
            self.total = where.to_fetch
        self.done = where.done
        self.pages = where.pages
        self.clicks = where.clicks_written


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Sync the database; print the report; return the exit code."""
    try:
        target = parse_database(args.database)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        open_store(target)  # a missing driver is a configuration problem
    except DatabaseError as exc:
        raise _CommandError(EXIT_CONFIG, str(exc)) from None
    if args.account is not None or args.token_store is not None:
        from ._sync_account import run_account

        return run_account(args, parser)
    kit = _client(args.max_retries)
    counts = _SyncCounts()

    async def sync() -> SyncReport:
        progress = _progress_for(counts, kit, "syncing", data_on_terminal=False, transient=True)
        async with kit:
            if progress is not None:
                progress.start()
            try:
                return await sync_clicks(
                    kit,
                    args.database,
                    concurrency=args.concurrency,
                    on_progress=counts.update,
                    **sync_options(args),
                )
            finally:
                if progress is not None:
                    await progress.stop()

    try:
        report = _run(sync())
    except SyncLockedError as exc:
        # The library's advice names its argument; the command's, its option.
        message = str(exc).replace(WAIT_HINT, "give --wait SECONDS to wait for it")
        raise _CommandError(EXIT_LOCAL, message) from None
    except SyncError as exc:
        raise _CommandError(EXIT_LOCAL, str(exc)) from None
    with _writing("stdout"):
        sys.stdout.write(f"{report}\n")
        sys.stdout.flush()
    return EXIT_OK
